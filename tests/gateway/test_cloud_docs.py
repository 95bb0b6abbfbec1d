"""docs/google-workspace.md and docs/microsoft-365.md, as written: every TOML block loads, the
gateway block relays only the district's tenant, and the relay-back block reaches a next hop
that asks what Google's smtp-relay or Exchange Online's inbound connector asks. Substitutions,
and only these: the DNS server for DKIM keys (loopback), the listen address, and, for the
relay-back block, the next hop's address, its CA, and the certificate and password files."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlp.delivery import NextHop, TlsMode, deliver
from dlp.settings import Settings, parse_settings
from tests.gateway.certs import make_tls_files
from tests.gateway.dkimkeys import DkimKey
from tests.gateway.dnsserver import DnsServer
from tests.gateway.harness import REPO, RunningGateway, make_settings, plain
from tests.gateway.relayhop import PASSWORD, Logins, next_hop

DOCS = {
    "google": REPO / "docs" / "google-workspace.md",
    "microsoft": REPO / "docs" / "microsoft-365.md",
}
KEY = DkimKey.make("cusd.com")


def blocks(doc: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOCS[doc].read_text(encoding="utf-8"), re.DOTALL)


def load(text: str) -> Settings:
    return parse_settings(text, "doc.toml", Path("/etc/dlp"))


def relay_back(doc: str) -> NextHop:
    """The doc's block that delivers back through the cloud."""
    [text] = [b for b in blocks(doc) if "mail.protection.outlook.com" in b or "smtp-relay" in b]
    target = load(text).delivery.target()
    assert isinstance(target, NextHop)
    return target


def tenant_table(doc: str) -> str:
    """The ``[gateway.tenant]`` table of the doc's gateway block, as written."""
    found = re.search(r"^\[gateway\.tenant\]\n(?:(?!\[).*\n)*", blocks(doc)[0], re.MULTILINE)
    assert found is not None
    return found.group(0)


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_block_loads_and_the_gateway_is_closed(doc: str) -> None:
    assert len(blocks(doc)) >= 2
    for text in blocks(doc):
        load(text)  # raises SettingsError with the line on a mistake
    gateway = load(blocks(doc)[0]).gateway
    assert gateway.tls.required and gateway.tenant.enabled
    assert gateway.tenant.dkim_domains == ("cusd.com",)
    # Never an open relay: no private, loopback or catch-all network among the cloud's.
    assert not any(
        net.is_private or net.is_loopback or net.prefixlen == 0 for net in gateway.client_networks
    )
    if doc == "microsoft":
        assert gateway.tenant.microsoft_tenant_ids


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    with DnsServer(dict([KEY.record])) as server:
        yield server


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_the_docs_tenant_table_relays_only_the_district(
    doc: str, dns: DnsServer, tmp_path: Path
) -> None:
    table = tenant_table(doc) + f'dns_servers = ["127.0.0.1:{dns.port}"]\n'
    tenant_ids = load(blocks(doc)[0]).gateway.tenant.microsoft_tenant_ids
    stamp = b"".join(f"X-MS-Exchange-CrossTenant-Id: {t}\r\n".encode() for t in tenant_ids)
    signed = stamp + KEY.sign(plain("Docs"))
    forged = stamp + plain("Docs forged")  # the headers right, no district signature
    with RunningGateway(make_settings(tmp_path, tables=table)) as gateway:
        assert gateway.send(signed, "teacher@cusd.com", ["parent@example.org"])[0] == 250
        code, reply = gateway.send(forged, "teacher@cusd.com", ["parent@example.org"])
        other = gateway.send(signed, "x@evil.example", ["parent@example.org"])
    assert (code, reply.split(":")[0]) == (550, "5.7.1 Not relayed for this tenant")
    assert other[0] == 550


def test_google_relay_back_logs_in_over_verified_tls(tmp_path: Path) -> None:
    doc = relay_back("google")
    assert (doc.host, doc.port, doc.tls, doc.helo) == (
        "smtp-relay.gmail.com",
        587,
        TlsMode.VERIFY,
        "dlp-gw.cusd.com",
    )
    assert doc.login is not None
    password = tmp_path / "smtp-relay.password"
    password.write_text(PASSWORD + "\n")
    files = make_tls_files(tmp_path / "hop")
    logins = Logins()
    with next_hop(files, None, logins) as (port, handler):
        hop = dataclasses.replace(
            doc,
            host="127.0.0.1",
            port=port,
            ca_file=files.ca,
            tls_name="localhost",
            login=(doc.login[0], password),
        )
        result = deliver(plain(), "", ["parent@example.org"], hop)  # an empty-sender notice
    assert result.all_accepted and logins.names == ["dlp-relay@cusd.com"]
    assert handler.received[0].tls


def test_microsoft_relay_back_shows_the_gateways_certificate(tmp_path: Path) -> None:
    doc = relay_back("microsoft")
    assert doc.host.endswith(".mail.protection.outlook.com") and doc.tls is TlsMode.VERIFY
    assert doc.client_cert is not None and doc.login is None
    files = make_tls_files(tmp_path / "hop")
    mine = make_tls_files(tmp_path / "gw", "dlp-gw.cusd.com")
    with next_hop(files, mine.ca, None) as (port, handler):
        hop = dataclasses.replace(
            doc,
            host="127.0.0.1",
            port=port,
            ca_file=files.ca,
            tls_name="localhost",
            client_cert=(mine.cert, mine.key),
        )
        result = deliver(plain(), "teacher@cusd.com", ["parent@example.org"], hop)
    assert result.all_accepted and handler.received[0].tls
