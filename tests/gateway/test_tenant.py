"""The tenant check over real loopback SMTP: forged Exchange headers, foreign senders and
signatures that do not verify are refused with 550; only the district's DKIM-signed mail from
its own tenant is relayed. DKIM keys come from a DNS server on loopback."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlp.actions.loopstamp import LoopStamp
from dlp.delivery import DeliveryResult, LocalFolder
from dlp.quarantine.release import Releaser
from dlp.settings import SettingsError, TenantSettings, parse_settings
from smtp_gateway import replies
from smtp_gateway.auth import hash_password
from smtp_gateway.tenant import TenantCheck, resolver_lookup
from tests.gateway.certs import make_tls_files
from tests.gateway.dkimkeys import DkimKey
from tests.gateway.dnsserver import DnsServer
from tests.gateway.harness import RunningGateway, make_settings, plain

DISTRICT_TENANT = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"
DISTRICT = DkimKey.make("cusd.com")
ATTACKER = DkimKey.make("evil.example")
ROGUE = DkimKey.make("cusd.com", "rogue")  # a key the attacker made; not in cusd.com's DNS


def _message(sender: str = "teacher@cusd.com", subject: str = "Lunch") -> bytes:
    return plain(subject).replace(b"From: teacher@cusd.com", f"From: {sender}".encode())


def _tenant(raw: bytes, *ids: str) -> bytes:
    """``raw`` as Exchange Online hands it over: its stamps on top, the newest first."""
    return b"".join(f"X-MS-Exchange-CrossTenant-Id: {i}\r\n".encode() for i in ids) + raw


@pytest.fixture(scope="module")
def dns() -> Iterator[DnsServer]:
    records = dict([DISTRICT.record, ATTACKER.record])
    with DnsServer(records, nxdomain={"rogue._domainkey.cusd.com"}) as server:
        yield server


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, dns: DnsServer) -> Iterator[RunningGateway]:
    tmp = tmp_path_factory.mktemp("tenant")
    tables = f"""
[gateway.tenant]
microsoft_tenant_ids = ["{DISTRICT_TENANT.upper()}"]
dkim_domains = ["cusd.com"]
dns_servers = ["127.0.0.1:{dns.port}"]
"""
    with RunningGateway(make_settings(tmp, tables=tables)) as running:
        yield running


# (case, envelope sender, message) -> the reply's first words
SIGNED = DISTRICT.sign(_message())
CASES = [
    ("district tenant, district DKIM", "teacher@cusd.com", _tenant(SIGNED, DISTRICT_TENANT), "250"),
    (
        "district stamp below the sender's own tenant's (forged history)",
        "teacher@cusd.com",
        _tenant(SIGNED, OTHER_TENANT, DISTRICT_TENANT),
        "550 5.7.1 Not relayed for this tenant: X-MS-Exchange-CrossTenant-Id is another",
    ),
    (
        "no Exchange stamp at all",
        "teacher@cusd.com",
        SIGNED,
        "550 5.7.1 Not relayed for this tenant: no X-MS-Exchange-CrossTenant-Id",
    ),
    (
        "forged district tenant id, no signature",
        "teacher@cusd.com",
        _tenant(_message(), DISTRICT_TENANT),
        "550 5.7.1 Not relayed for this tenant: no valid DKIM signature of cusd.com",
    ),
    (
        "forged tenant id, signed by the attacker's own domain",
        "teacher@cusd.com",
        _tenant(ATTACKER.sign(_message()), DISTRICT_TENANT),
        "550 5.7.1 Not relayed for this tenant: no valid DKIM signature",
    ),
    (
        "forged tenant id, d=cusd.com with a key not in cusd.com's DNS",
        "teacher@cusd.com",
        _tenant(ROGUE.sign(_message()), DISTRICT_TENANT),
        "550 5.7.1 Not relayed for this tenant: no valid DKIM signature",
    ),
    (
        "a district signature, the body changed after signing",
        "teacher@cusd.com",
        _tenant(SIGNED.replace(b"See you at noon.", b"SSN 536-22-1234"), DISTRICT_TENANT),
        "550 5.7.1 Not relayed for this tenant: no valid DKIM signature",
    ),
    (
        "foreign envelope sender",
        "someone@evil.example",
        _tenant(SIGNED, DISTRICT_TENANT),
        "550 5.7.1 Not relayed for this tenant: the envelope sender's domain evil.example",
    ),
    (
        "foreign From header",
        "teacher@cusd.com",
        _tenant(ATTACKER.sign(_message("boss@evil.example")), DISTRICT_TENANT),
        "550 5.7.1 Not relayed for this tenant: the From header",
    ),
]


@pytest.mark.parametrize(("case", "sender", "raw", "reply"), CASES, ids=[c[0] for c in CASES])
def test_tenant_check_over_smtp(
    gateway: RunningGateway, case: str, sender: str, raw: bytes, reply: str
) -> None:
    code, text = gateway.send(raw, sender, ["parent@example.org"])
    assert f"{code} {text}".startswith(reply), (case, code, text)


def test_a_dkim_key_that_cannot_be_looked_up_is_a_4xx() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # bound, never answers: the look-up times out
        port = silent.getsockname()[1]
        check = TenantCheck(
            TenantSettings(dkim_domains=("cusd.com",)),
            lambda: ("cusd.com",),
            resolver_lookup([f"127.0.0.1:{port}"], timeout=0.5),
        )
        assert check.refusal(SIGNED, "teacher@cusd.com") == replies.TENANT_TRY_LATER


def test_sender_domains_default_to_the_policys_district_and_compare_as_a_labels() -> None:
    check = TenantCheck(
        TenantSettings(microsoft_tenant_ids=(DISTRICT_TENANT,)),
        lambda: ("xn--bcher-kva.example",),
        lambda *a, **k: None,
    )
    raw = _tenant(plain().replace(b"teacher@cusd.com", b"t@B\xc3\xbccher.example"), DISTRICT_TENANT)
    assert check.refusal(raw, "t@bücher.example") is None
    assert check.refusal(raw, "t@cusd.com") is not None


def test_the_gateways_copy_coming_back_is_a_loop(gateway: RunningGateway) -> None:
    raw = _tenant(DISTRICT.sign(_message(subject="Loop")), DISTRICT_TENANT)
    assert gateway.send(raw, "teacher@cusd.com", ["parent@example.org"])[0] == 250
    copy = _delivered(gateway, b"Subject: Loop")
    assert copy.count(b"X-DLP-Scanned:") == 1
    # Exchange Online hands it over again (its rule exception missing): refused, not relayed.
    back = _tenant(copy, DISTRICT_TENANT)
    code, text = gateway.send(back, "teacher@cusd.com", ["Parent@EXAMPLE.org"])
    assert (code, text) == (554, replies.LOOP[4:])
    # The same copy redirected by its recipient to someone new is mail, scanned as any other.
    assert gateway.send(back, "teacher@cusd.com", ["grandparent@example.org"])[0] == 250


def test_a_forged_stamp_is_not_a_pass(gateway: RunningGateway) -> None:
    forged = b"X-DLP-Scanned: by=dlp-gw.cusd.com; id=0011223344556677; rcpt=; mac=" + b"0" * 32
    forged += b"\r\n"
    raw = _tenant(forged + DISTRICT.sign(_message(subject="Forged stamp")), DISTRICT_TENANT)
    assert gateway.send(raw, "teacher@cusd.com", ["parent@example.org"])[0] == 250
    copy = _delivered(gateway, b"Subject: Forged stamp")
    assert copy.count(b"X-DLP-Scanned:") == 1 and b"mac=" + b"0" * 32 not in copy
    assert b"X-DLP-Verdict: deliver" in copy  # scanned and decided like any other message


def _delivered(gateway: RunningGateway, marker: bytes) -> bytes:
    folder = Path(gateway.settings.delivery.folder) / "new"
    found = [p.read_bytes() for p in folder.iterdir() if marker in p.read_bytes()]
    assert len(found) == 1
    # The folder's envelope lines (Return-Path, Delivered-To) are not part of the message.
    return b"".join(
        line
        for line in found[0].splitlines(keepends=True)
        if not line.startswith((b"Return-Path:", b"Delivered-To:"))
    )


def test_a_released_copy_carries_the_stamp_too(tmp_path: Path) -> None:
    """Released back through Exchange Online, a copy passes the rule's exception (and comes
    back as a loop, not as a message to hold again, when the exception is missing)."""
    sent: list[bytes] = []

    def deliver(
        raw: bytes, sender: str, recipients: Sequence[str], *rest: object
    ) -> DeliveryResult:
        sent.append(raw)
        return DeliveryResult(())

    stamp = LoopStamp("dlp-gw.cusd.com", b"secret")
    Releaser(deliver, LocalFolder(tmp_path), stamp=stamp).send(
        "held42", plain(), "teacher@cusd.com", ["parent@example.org"], encrypt=False
    )
    assert stamp.seen(sent[0], ["parent@example.org"]) and b"id=held42;" in sent[0]
    assert not stamp.seen(sent[0], ["parent@example.org", "other@example.org"])
    assert not LoopStamp("dlp-gw.cusd.com", b"another key").seen(sent[0], ["parent@example.org"])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('microsoft_tenant_ids = "0f1e"', "gateway.tenant.microsoft_tenant_ids: must be a list"),
        ("dkim_domains = [1]", "gateway.tenant.dkim_domains: must be a list of non-empty"),
        ('dkim_domain = ["cusd.com"]', "gateway.tenant.dkim_domain: unknown key"),
    ],
)
def test_tenant_settings_errors_name_the_key(table: str, message: str) -> None:
    with pytest.raises(SettingsError) as error:
        parse_settings(f"[gateway.tenant]\n{table}\n", "g.toml")
    assert message in str(error.value) and str(error.value).startswith("g.toml:2:")


def test_a_logged_in_session_is_identified_by_its_login(tmp_path: Path, dns: DnsServer) -> None:
    files = make_tls_files(tmp_path / "tls")
    users = tmp_path / "users"
    users.write_text(f"copier:{hash_password('s3cret-copier')}\n")
    tables = (
        f'[gateway.tls]\ncert_file = "{files.cert}"\nkey_file = "{files.key}"\n'
        f'[gateway.auth]\nusers_file = "{users}"\n'
        f'[gateway.tenant]\ndkim_domains = ["cusd.com"]\ndns_servers = ["127.0.0.1:{dns.port}"]\n'
    )
    unsigned = _message(subject="Copier")
    with RunningGateway(make_settings(tmp_path, tables=tables)) as running:
        assert running.send(unsigned, "teacher@cusd.com", ["p@example.org"])[0] == 550
        with running.client() as client:
            client.starttls(context=ssl.create_default_context(cafile=str(files.ca)))
            client.login("copier", "s3cret-copier")
            assert client.sendmail("teacher@cusd.com", ["p@example.org"], unsigned) == {}


@given(
    st.lists(st.emails(), min_size=1, max_size=40, unique=True),
    st.lists(st.emails(), min_size=1, max_size=3),
)
def test_a_stamp_is_a_loop_exactly_for_its_own_recipients(
    recipients: list[str], others: list[str]
) -> None:
    stamp = LoopStamp("dlp-gw.cusd.com", b"k")
    name, value = stamp.field("0123456789abcdef", recipients)
    raw = f"{name}: {value}\r\n".encode() + plain()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert stamp.seen(raw, recipients) and stamp.seen(raw, recipients[:1])
    assert stamp.seen(raw, [r.upper() for r in recipients])  # one form of an address
    new = [o for o in others if o.lower() not in {r.lower() for r in recipients}]
    assert not new or not stamp.seen(raw, [*recipients, *new])


def test_a_refusal_is_one_ascii_line() -> None:
    check = TenantCheck(TenantSettings(dkim_domains=("cusd.com",)), lambda: ("cusd.com",), print)
    reply = check.refusal(plain(), "x@b\u00fccher_\r\n.example")
    assert reply is not None and reply.startswith("550 5.7.1") and reply.isascii()
    assert "\r" not in reply and "\n" not in reply
