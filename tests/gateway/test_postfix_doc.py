"""docs/postfix.md, followed literally on Debian's Postfix (see `postfix_doc` for the only
substitutions): every path passes the gateway, nothing goes around it, mail waits while the
gateway is down and leaves on `postqueue -f`, big messages pass, the TLS policy holds."""

from __future__ import annotations

import re
import shutil
import smtplib
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from dlp.postfix_config import Expected, check_instance
from dlp.settings import Settings
from tests.gateway.certs import make_tls_files
from tests.gateway.harness import REPO, RunningGateway, make_settings, plain, scenario
from tests.gateway.postfix import available
from tests.gateway.postfix_doc import DocPostfix, Ports, doc_blocks
from tests.gateway.sink import Sink, free_port
from tests.gateway.test_postfix import wait_until

REASON = available() or (
    None if shutil.which("saslpasswd2") else "no saslpasswd2 (apt-get install sasl2-bin)"
)
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"no Postfix: {REASON}")

SIZE_LIMIT = 36700160  # the doc's message_size_limit and the gateway's max_message_bytes


class Topology:
    def __init__(self, postfix: DocPostfix, sink: Sink, tmp: Path) -> None:
        self.postfix = postfix
        self.sink = sink
        self.tmp = tmp

    def arrived(self, recipient: str) -> bytes | None:
        for item in self.sink.received:
            if recipient in item.recipients:
                return item.data
        return None

    def wait_for(self, recipient: str, seconds: float = 40) -> bytes:
        assert wait_until(lambda: self.arrived(recipient) is not None, seconds), self.postfix.log()
        data = self.arrived(recipient)
        assert data is not None
        return data

    def gateway_settings(self, name: str) -> Settings:
        folder = self.tmp / name
        folder.mkdir()
        return make_settings(
            folder,
            f'listen = "127.0.0.1:{self.postfix.ports.gateway}"\n'
            f"max_message_bytes = {SIZE_LIMIT}\nscan_timeout = 120\n",
            next_hop_port=self.postfix.ports.reinject,
        )


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    tmp = tmp_path_factory.mktemp("postfix-doc")
    tls = make_tls_files(tmp / "tls")
    with Sink(smtputf8=True) as sink:  # the internet: it speaks SMTPUTF8
        ports = Ports(free_port(), free_port(), free_port(), free_port(), sink.port, free_port())
        postfix = DocPostfix(ports, tls)
        try:
            postfix.start()
            yield Topology(postfix, sink, tmp)
        finally:
            postfix.stop()


def test_the_doc_has_the_blocks_the_test_applies() -> None:
    blocks = doc_blocks()
    commands = "\n".join(block.text for block in blocks if block.kind == "sh")
    for needed in ("smtp/inet/content_filter", "pickup/unix/content_filter", "submission/inet"):
        assert needed in commands
    assert "smtputf8_enable = no" not in commands
    assert {block.file for block in blocks if block.kind == "text"} == {
        "/etc/postfix/sasl/smtpd.conf",
        "/etc/postfix/transport",
        "/etc/postfix/tls_policy",
    }


def test_nothing_goes_around_the_filter(topology: Topology) -> None:
    postfix = topology.postfix
    master = postfix.postconf("-M")
    # One entry per service: the doc edited Debian's smtp line, it did not add a second one.
    names = [tuple(line.split()[:2]) for line in master.splitlines() if line.strip()]
    assert len(names) == len(set(names))
    findings = check_instance(
        postfix.config,
        Expected(
            reinject=f"127.0.0.1:{postfix.ports.reinject}",
            gateway=f"127.0.0.1:{postfix.ports.gateway}",
            max_message_bytes=SIZE_LIMIT,
        ),
    )
    assert [finding.text for finding in findings] == []


def test_port_25_submission_and_sendmail_pass_the_gateway(topology: Topology) -> None:
    postfix, ports = topology.postfix, topology.postfix.ports
    with RunningGateway(topology.gateway_settings("paths")):
        with smtplib.SMTP("127.0.0.1", ports.smtp, local_hostname="client.test") as client:
            client.sendmail("teacher@cusd.com", ["port25@example.org"], plain("port 25"))
        context = ssl.create_default_context(cafile=str(postfix.tls.ca))
        with smtplib.SMTP("127.0.0.1", ports.submission, local_hostname="laptop.test") as client:
            client.ehlo()
            assert not client.has_extn("auth")  # no password in clear
            with pytest.raises(smtplib.SMTPSenderRefused):  # 530: STARTTLS first
                client.sendmail("teacher@cusd.com", ["x@example.org"], plain("clear"))
        with smtplib.SMTP("127.0.0.1", ports.submission, local_hostname="laptop.test") as client:
            client.starttls(context=context)
            with pytest.raises(smtplib.SMTPRecipientsRefused):  # no relaying without a login
                client.sendmail("teacher@cusd.com", ["x@example.org"], plain("anonymous"))
        with smtplib.SMTP("127.0.0.1", ports.submission, local_hostname="laptop.test") as client:
            client.starttls(context=context)
            client.login("teacher@cusd.com", "s3cret-teacher")
            client.sendmail("teacher@cusd.com", ["submission@example.org"], plain("587"))
        postfix.sendmail(plain("sendmail"), "teacher@cusd.com", ["pickup@example.org"])
        for recipient in ("port25@example.org", "submission@example.org", "pickup@example.org"):
            assert b"X-DLP-Verdict: deliver" in topology.wait_for(recipient), recipient
    assert topology.arrived("x@example.org") is None


def test_an_internationalized_address_passes_the_gateway(topology: Topology) -> None:
    """The doc does not turn SMTPUTF8 off: josé@example.org goes through the gateway and on."""
    ports = topology.postfix.ports
    raw = "From: renée@cusd.com\r\nSubject: Café\r\n\r\nNoon, José.\r\n".encode()
    with (
        RunningGateway(topology.gateway_settings("smtputf8")),
        smtplib.SMTP("127.0.0.1", ports.smtp, local_hostname="client.test") as client,
    ):
        client.ehlo()
        assert client.has_extn("smtputf8")
        client.sendmail("renée@cusd.com", ["josé@example.org"], raw, ["SMTPUTF8"])
        data = topology.wait_for("josé@example.org")
    assert b"X-DLP-Verdict: deliver" in data
    copy = next(item for item in topology.sink.received if "josé@example.org" in item.recipients)
    assert copy.smtputf8 and copy.sender == "renée@cusd.com"


def test_the_original_client_is_passed_on_to_the_reinjection(topology: Topology) -> None:
    """Postfix's scan transport tells the gateway who the client was (XFORWARD); the gateway
    tells the re-injection listener, which logs that client beside its own."""
    postfix = topology.postfix
    with (
        RunningGateway(topology.gateway_settings("xforward")) as running,
        running.client() as client,
    ):
        client.ehlo()
        assert client.has_extn("xforward")
        client.docmd("XFORWARD", "NAME=laptop.cusd.com ADDR=10.1.2.3 PROTO=ESMTP HELO=laptop")
        client.sendmail("teacher@cusd.com", ["forwarded@example.org"], plain("forwarded"))
        assert b"X-DLP-Verdict: deliver" in topology.wait_for("forwarded@example.org")
    assert wait_until(lambda: "orig_client=laptop.cusd.com[10.1.2.3]" in postfix.log(None), 10), (
        postfix.log()
    )


def test_mail_waits_while_the_gateway_is_down_and_leaves_on_postqueue_f(
    topology: Topology,
) -> None:
    postfix, ports = topology.postfix, topology.postfix.ports
    with smtplib.SMTP("127.0.0.1", ports.smtp, local_hostname="client.test") as client:
        client.sendmail("teacher@cusd.com", ["waits@example.org"], plain("while down"))
    postfix.sendmail(plain("while down too"), "teacher@cusd.com", ["waits-too@example.org"])
    assert wait_until(lambda: len(postfix.queued("deferred")) >= 2, 30), postfix.log()
    assert topology.arrived("waits@example.org") is None
    with RunningGateway(topology.gateway_settings("restarted")):
        # Postfix's own retry comes minutes later (queue_run_delay); the doc says postqueue -f.
        postfix.flush()
        for recipient in ("waits@example.org", "waits-too@example.org"):
            assert b"X-DLP-Verdict: deliver" in topology.wait_for(recipient, 30), recipient


def big_message(subject: str, size: int) -> bytes:
    head = plain(subject, "")
    line = b"Attendance for the fall term is attached as plain text to this message.\r\n"
    return head + line * ((size - len(head)) // len(line))


def test_a_message_at_the_size_limit_passes(topology: Topology) -> None:
    ports = topology.postfix.ports
    raw = big_message("at the limit", SIZE_LIMIT - 4096)  # Postfix counts its own records too
    with RunningGateway(topology.gateway_settings("size")):
        with smtplib.SMTP("127.0.0.1", ports.smtp, local_hostname="client.test") as client:
            client.sendmail("teacher@cusd.com", ["big@example.org"], raw)
        data = topology.wait_for("big@example.org", 180)
    assert b"X-DLP-Verdict: deliver" in data
    assert len(data) > len(raw)


def test_an_smime_copy_of_a_message_at_the_limit_is_reinjected(topology: Topology) -> None:
    """The gateway encrypts a message at port 25's limit for a partner with a certificate; the
    copy, about 37% larger, is taken by the re-injection listener (then waits for the
    partner's verified TLS)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from tests.actions.test_smime import make_certificate

    postfix = topology.postfix
    folder = topology.tmp / "smime"
    (folder / "certs").mkdir(parents=True)
    policy = folder / "policy.toml"
    policy.write_text((REPO / "samples" / "policy.toml").read_text())
    certificate, _key = make_certificate("sync@gradebook-vendor.example")
    (folder / "certs" / "vendor.pem").write_bytes(certificate.public_bytes(Encoding.PEM))
    settings = make_settings(
        folder,
        f'listen = "127.0.0.1:{postfix.ports.gateway}"\n'
        f"max_message_bytes = {SIZE_LIMIT}\nscan_timeout = 120\n",
        next_hop_port=postfix.ports.reinject,
        policy=policy,
    )
    raw = scenario("gradebook_export_to_authorized_vendor.eml")
    anchor = b"DPA-2024-017.\r\n"
    line = b"Attendance for the fall term is summarized in the attached export.\r\n"
    padding = line * ((SIZE_LIMIT - 4096 - len(raw)) // len(line))
    raw = raw.replace(anchor, anchor + padding)
    with RunningGateway(settings):
        with smtplib.SMTP("127.0.0.1", postfix.ports.smtp, local_hostname="client.test") as client:
            client.sendmail("sis-exports@cusd.com", ["sync@gradebook-vendor.example"], raw)

        def reinjected() -> list[int]:
            return [
                int(size)
                for size in re.findall(
                    r"from=<sis-exports@cusd.com>, size=(\d+)", postfix.log(None)
                )
            ]

        assert wait_until(lambda: any(size > SIZE_LIMIT for size in reinjected()), 180), (
            postfix.log()
        )
    assert max(reinjected()) > SIZE_LIMIT * 1.3


def test_the_reinjection_listener_takes_an_smime_sized_copy(topology: Topology) -> None:
    """An S/MIME copy of a message at the limit is about 37% larger (base64): the re-injection
    listener must take it although port 25 would not."""
    ports = topology.postfix.ports
    raw = big_message("encrypted size", int(SIZE_LIMIT * 1.4))
    with (
        smtplib.SMTP("127.0.0.1", ports.smtp, local_hostname="client.test") as client,
        pytest.raises(smtplib.SMTPSenderRefused),  # 552: over port 25's limit
    ):
        client.sendmail("teacher@cusd.com", ["x@example.org"], raw)
    with smtplib.SMTP("127.0.0.1", ports.reinject, local_hostname="gateway.test") as client:
        client.sendmail("teacher@cusd.com", ["smime-sized@example.org"], raw)
    assert len(topology.wait_for("smime-sized@example.org", 120)) >= len(raw)


def test_the_partner_gets_verified_tls_or_nothing(topology: Topology) -> None:
    """A copy for the partner of the doc's tls_policy goes to its own MX (not the relayhost)
    and, since that MX offers no TLS, stays in Postfix's queue: never sent in clear."""
    postfix, ports = topology.postfix, topology.postfix.ports
    with Sink(port=ports.partner) as partner:
        with smtplib.SMTP("127.0.0.1", ports.reinject, local_hostname="gateway.test") as client:
            client.sendmail(
                "teacher@cusd.com", ["sync@gradebook-vendor.example"], plain("released copy")
            )
        assert wait_until(lambda: "TLS is required" in postfix.log(None), 30), postfix.log()
        assert partner.received == []
    assert topology.arrived("sync@gradebook-vendor.example") is None
