"""The sender's notice about a held copy links to the held message's page in `dlp web` when
``[web] public_url`` is set (issue 22), and to nothing otherwise: through the gateway on
loopback, the notice read at a real SMTP sink. The link carries the quarantine's random id,
never a value from the message."""

from __future__ import annotations

import email
import email.message
import email.policy
import re
import time
from pathlib import Path

import pytest

from dlp.actions.notify import NoticeRenderer, default_template, message_links
from dlp.policy import decide, load_policy
from tests.gateway.harness import REPO, RunningGateway, make_settings, scenario
from tests.gateway.sink import Sink

SENDER = "mlopez@cusd.com"
PARENT = "parent.jones1984@gmail.com"
COLLEAGUE = "sped.coordinator@cusd.com"
PUBLIC_URL = "https://dlp.cusd.example"


def _notice(sink: Sink) -> email.message.EmailMessage:
    deadline = time.monotonic() + 30
    while True:
        notices = [item for item in sink.received if item.recipients == [SENDER]]
        if notices:
            break
        assert time.monotonic() < deadline, "no notice reached the sink"
        time.sleep(0.05)
    (notice,) = notices
    assert notice.sender == "<>"
    parsed = email.message_from_bytes(notice.data, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


@pytest.mark.parametrize("public_url", [PUBLIC_URL, None], ids=["public-url", "no-url"])
def test_a_held_message_notice_links_to_its_page(tmp_path: Path, public_url: str | None) -> None:
    raw = scenario("iep_to_parent_personal_address.eml")
    tables = f'[web]\npublic_url = "{public_url}/"' if public_url else ""
    with Sink() as sink:
        settings = make_settings(tmp_path, next_hop_port=sink.port, tables=tables)
        with RunningGateway(settings) as gateway:
            code, reply = gateway.send(raw, SENDER, [PARENT, COLLEAGUE])
            assert code == 250, reply
            notice = _notice(sink)
            assert gateway.holder is not None
            ((held_id, recipients),) = gateway.holder.held
    assert recipients == (PARENT,)
    body = notice.get_content()
    assert PARENT in body
    links = re.findall(r"https?://\S+", body)
    if public_url is None:
        assert links == [] and held_id not in body
        return
    # Said once, the trailing slash of the setting not doubled.
    assert links == [f"{PUBLIC_URL}/messages/{held_id}"]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", held_id)
    # Nothing of the message's values, in the link or elsewhere (the scenario's student ID).
    assert "20231234" not in body and "Jordan" not in body


def test_copies_held_apart_each_get_their_own_link(scanner: object) -> None:
    """Two held copies (two ids) of one message: each recipient's line has its own page."""
    from dlp.pipeline import scan_message

    policy = load_policy(REPO / "samples" / "policy.toml")
    raw = scenario("iep_to_parent_personal_address.eml")
    other = "jones.family@yahoo.com"
    decision = decide(policy, SENDER, [PARENT, other], scan_message(raw, scanner))  # type: ignore[arg-type]
    links = message_links(PUBLIC_URL, {PARENT: "a1", other: "b2"})
    notice = NoticeRenderer(default_template()).render(decision, policy, "<x@cusd.com>", links)
    assert notice is not None
    lines = notice.body.splitlines()
    assert f"- {PARENT}: held for review by the district (quarantined) ({links[PARENT]})" in lines
    assert any(line.startswith(f"- {other}:") and links[other] in line for line in lines)
    assert "DLP console" not in notice.body
    assert message_links(None, {PARENT: "a1"}) == {}
