"""The portal's configuration: the policy's words, the settings' bounds, the district's notice
templates, the command's refusals, and the gateway holding portal copies when no public URL
is set."""

from __future__ import annotations

import email
import email.message
import email.policy
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dlp.policy import Encryption, Verdict, decide, parse_policy
from dlp.policy.config import WithoutCertificate
from dlp.portal.notice import Mailer, NoticeTemplateError, NoticeTemplates
from dlp.settings import SettingsError, parse_settings
from tests.gateway.harness import REPO, RunningGateway, make_settings
from tests.gateway.sink import Sink
from tests.portal.conftest import PARENT, SENDER, iep_message, portal_policy

_POLICY = """version = 1
[district]
name = "Clovis Unified"
domains = ["cusd.com"]
[[rules]]
name = "secret-outside"
when = "EXTERNAL and US_SSN"
action = "encrypt"
explain = "An SSN outside the district."
[encryption]
"""


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("require_tls", WithoutCertificate.REQUIRE_TLS),
        ("tls", WithoutCertificate.REQUIRE_TLS),
        ("hold", WithoutCertificate.QUARANTINE),
        ("quarantine", WithoutCertificate.QUARANTINE),
        ("portal", WithoutCertificate.PORTAL),
    ],
)
def test_without_certificate_words(word: str, expected: WithoutCertificate) -> None:
    policy = parse_policy(_POLICY + f'without_certificate = "{word}"\n')
    assert policy.encryption.without_certificate is expected


def test_default_stays_require_tls_and_a_bad_word_is_refused() -> None:
    assert parse_policy(_POLICY).encryption.without_certificate is WithoutCertificate.REQUIRE_TLS
    with pytest.raises(ValueError, match="without_certificate"):
        parse_policy(_POLICY + 'without_certificate = "pigeon"\n')


def test_portal_verdict_and_certificates(scanner: object) -> None:
    from dlp.pipeline import scan_message

    raw = b"Subject: x\r\n\r\nSSN 536-22-1234 for the benefits form.\r\n"
    scan = scan_message(raw, scanner)  # type: ignore[arg-type]
    portal = parse_policy(_POLICY + 'without_certificate = "portal"\n')
    verdict = decide(portal, SENDER, [PARENT], scan).per_recipient[PARENT]
    assert (verdict.verdict, verdict.encryption) == (Verdict.ENCRYPT, Encryption.PORTAL)
    with_certificate = decide(portal, SENDER, [PARENT], scan, certificates=frozenset({PARENT}))
    assert with_certificate.per_recipient[PARENT].encryption is Encryption.SMIME
    everyone = parse_policy(
        _POLICY + 'without_certificate = "portal"\nportal_with_certificate = true\n'
    )
    also = decide(everyone, SENDER, [PARENT], scan, certificates=frozenset({PARENT}))
    assert also.per_recipient[PARENT].encryption is Encryption.PORTAL


def test_public_url_must_be_https() -> None:
    assert parse_settings('[web]\npublic_url = "https://dlp.cusd.com/"\n').web.public_url == (
        "https://dlp.cusd.com"
    )
    assert parse_settings('[web]\npublic_url = "http://127.0.0.1:8026"\n').web.public_url
    for bad in ("http://dlp.cusd.com", "dlp.cusd.com", "https://x.org/?a=1", "ftp://x.org"):
        with pytest.raises(SettingsError, match="public_url"):
            parse_settings(f'[web]\npublic_url = "{bad}"\n')


def test_district_templates(tmp_path: Path) -> None:
    english, spanish = tmp_path / "en.j2", tmp_path / "es.j2"
    english.write_text("{{ district }}: a message from {{ sender }}. {{ link }}\n")
    spanish.write_text("{{ district }}: un mensaje de {{ sender }}. {{ link }}\n")
    templates = NoticeTemplates.load(english, spanish)
    mailer = Mailer("secure@cusd.com", "Clovis", "https://p.cusd.com", "", templates)
    data = mailer.notice(SENDER, PARENT, "", "T" * 43, 2_000_000_000, "")
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    body = parsed.get_content()
    assert "Clovis: a message from" in body and "un mensaje de" in body
    assert body.count("https://p.cusd.com/pickup/" + "T" * 43) == 2
    english.write_text("{{ link }} or log in at https://evil.example/login\n")
    with pytest.raises(NoticeTemplateError, match="only link"):
        NoticeTemplates.load(english, spanish)
    english.write_text("Write to us.\n")
    with pytest.raises(NoticeTemplateError, match="needs"):
        NoticeTemplates.load(english, spanish)


def test_portal_refuses_a_public_address_without_tls(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    (tmp_path / "quarantine.key").write_text("00" * 32)
    config.write_text('[quarantine]\nurl = "sqlite:///q.db"\nkey_file = "quarantine.key"\n')
    done = subprocess.run(
        [sys.executable, "-m", "dlp", "portal", "--config", str(config), "--listen", "0.0.0.0:8"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "only on loopback" in done.stderr and "Traceback" not in done.stderr


def test_gateway_holds_portal_copies_without_a_public_url(tmp_path: Path) -> None:
    policy = portal_policy(tmp_path)
    with Sink() as sink:
        settings = make_settings(tmp_path, next_hop_port=sink.port, policy=Path(policy.source))
        with RunningGateway(settings) as gateway:
            assert gateway.gateway.relay.portal is None
            code, reply = gateway.send(iep_message(), SENDER, [PARENT])
            assert code == 250, reply
            assert gateway.holder is not None and gateway.holder.recipients() == [PARENT]
    assert all(PARENT not in item.recipients for item in sink.received)


def test_a_failing_store_answers_451_and_the_retry_gets_its_pickup(tmp_path: Path) -> None:
    from sqlalchemy import text

    from dlp.quarantine import schema
    from dlp.quarantine.records import Status

    policy = portal_policy(tmp_path)
    with Sink() as sink:
        settings = make_settings(
            tmp_path,
            next_hop_port=sink.port,
            policy=Path(policy.source),
            tables='[web]\npublic_url = "https://secure.cusd.example"',
        )
        with RunningGateway(settings) as gateway:
            drop = gateway.gateway.relay.portal
            assert drop is not None
            engine = drop.store.engine
            with engine.begin() as connection:
                connection.execute(text("DROP TABLE portal_links"))
            code, _ = gateway.send(iep_message(), SENDER, [PARENT])
            assert code == 451
            # Nothing half done: no sealed message without its links, no notice.
            assert drop.store.search() == []
            assert all(PARENT not in item.recipients for item in sink.received)
            schema.metadata.create_all(engine)
            code, reply = gateway.send(iep_message(), SENDER, [PARENT])
            assert code == 250, reply
            [held] = drop.store.search()
            assert held.status is Status.PICKUP
            deadline = time.monotonic() + 30
            while PARENT not in sink.handler.all_recipients():
                assert time.monotonic() < deadline, "no notice reached the sink"
                time.sleep(0.1)
