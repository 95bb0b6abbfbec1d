"""Properties: attachment bytes come back as they were attached; a download's file name is
always safe in a header; a copy for the portal never leaves the action step in clear."""

from __future__ import annotations

import email.message
import email.policy
import re

from hypothesis import given
from hypothesis import strategies as st

from dlp.actions.step import ActionStep, Encryptor
from dlp.delivery import DeliveryResult
from dlp.policy import Encryption
from dlp.portal.content import attachment, safe_filename, show

_SAFE = re.compile(r"^[A-Za-z0-9._ ()\-]+$")


@given(st.binary(max_size=4096))
def test_attachment_bytes_round_trip(data: bytes) -> None:
    message = email.message.EmailMessage()
    message["From"] = "a@cusd.com"
    message["Subject"] = "x"
    message.set_content("body")
    message.add_attachment(data, maintype="application", subtype="octet-stream", filename="f")
    raw = message.as_bytes(policy=email.policy.SMTP)
    found = attachment(raw, 0)
    assert found is not None and found[1] == data
    assert [item.size for item in show(raw).attachments] == [len(data)]
    assert attachment(raw, 1) is None and attachment(raw, -1) is None


@given(st.one_of(st.none(), st.text(max_size=300)), st.integers(min_value=0, max_value=99))
def test_file_names_are_safe_in_a_header(name: str | None, index: int) -> None:
    safe = safe_filename(name, index)
    assert _SAFE.match(safe) and not safe.startswith(".") and len(safe) <= 120


@given(st.lists(st.emails(), min_size=1, max_size=3, unique=True))
def test_a_portal_copy_is_never_sent_by_the_step(recipients: list[str]) -> None:
    calls: list[object] = []

    def deliver(*args: object) -> DeliveryResult:
        calls.append(args)
        return DeliveryResult(())

    sent = ActionStep(deliver).send(
        b"Subject: x\r\n\r\nbody\r\n", "a@cusd.com", recipients, [], Encryption.PORTAL, Encryptor()
    )
    assert calls == [] and list(sent.unsent) == recipients


def test_a_subject_the_scan_did_not_read_is_not_shown() -> None:
    from dlp.model import ScanResult, Unscannable, UnscannableReason
    from dlp.pipeline import MESSAGE_LOCATION
    from dlp.portal.deposit import raw_subject
    from dlp.portal.notice import masked_subject

    failed = ScanResult(
        unscannable=(Unscannable(MESSAGE_LOCATION, UnscannableReason.TIMEOUT, "scan timeout"),)
    )
    assert masked_subject("Student ID: 20231234", failed) == ""
    assert masked_subject("Lunch", ScanResult()) == "Lunch"
    assert raw_subject(b"Subject: a\r\nSubject: b\r\n\r\nx") == ""
    assert raw_subject(b"Subject: a\r\n\r\nx") == "a"
