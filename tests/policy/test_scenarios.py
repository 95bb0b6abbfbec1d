"""End to end over samples/scenarios: extraction, detection and the sample policy together."""

from __future__ import annotations

import email
import email.policy
import io
import json
import sys
import tomllib
from datetime import date

import pytest

from dlp import cli
from dlp.extract.limits import Limits
from dlp.pipeline import scan_message  # imported here: a rename fails loudly, never skips
from dlp.policy import Verdict, decide

from .conftest import REPO, SAMPLE_POLICY

SCENARIOS = REPO / "samples" / "scenarios"
SPEC = tomllib.loads((SCENARIOS / "expected.toml").read_text(encoding="utf-8"))["scenario"]
# The scenario files were written on this date; the sample agreements are valid on it.
DAY = date(2025, 3, 4)


def test_expected_file_is_consistent() -> None:
    files = {path.name for path in SCENARIOS.glob("*.eml")}
    assert {item["file"] for item in SPEC} == files
    for item in SPEC:
        assert item["why"]
        assert item["expect"]
        for recipient, verdict in item["expect"].items():
            # every verdict other than deliver names the rules that must explain it
            assert Verdict(verdict) is Verdict.DELIVER or item["rules"][recipient]
        assert set(item.get("rules", {})) <= set(item["expect"])
        assert set(item.get("absent", {})) <= set(item["expect"])


@pytest.mark.parametrize("item", SPEC, ids=[item["file"] for item in SPEC])
def test_scenario(item, scanner, sample_policy) -> None:

    raw = (SCENARIOS / item["file"]).read_bytes()
    subject = str(email.message_from_bytes(raw, policy=email.policy.default)["subject"])
    result = scan_message(raw, scanner, Limits())
    decision = decide(
        sample_policy,
        item["sender"],
        list(item["expect"]),
        result,
        subject_tag_present=sample_policy.encryption.tag_in(subject),
        today=DAY,
    )
    got = {address: verdict.verdict.value for address, verdict in decision.per_recipient.items()}
    assert got == item["expect"], item["why"]
    for recipient, names in item.get("rules", {}).items():
        fired = {rule.name for rule in decision.per_recipient[recipient].rules}
        assert set(names) <= fired, (recipient, fired)
    for recipient, names in item.get("absent", {}).items():
        fired = {rule.name for rule in decision.per_recipient[recipient].rules}
        assert not set(names) & fired, (recipient, fired)


def test_dlp_check_command(monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("policy", "check"))
    raw = (SCENARIOS / "iep_to_parent_personal_address.eml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    argv = ["check", "--policy", str(SAMPLE_POLICY), "--from", "mlopez@cusd.com"]
    argv += ["--to", "parent.jones1984@gmail.com", "--to", "sped.coordinator@cusd.com"]
    assert cli.main([*argv, "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [r["verdict"] for r in document["recipients"]] == ["quarantine", "deliver"]
    assert document["message_id"] == "<iep-1@cusd.com>"
    assert "20231234" not in json.dumps(document)
    assert "was not delivered as sent" in document["notice"]["body"]

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    assert cli.main(argv) == 1
    text = capsys.readouterr().out
    assert "parent.jones1984@gmail.com [external]: QUARANTINE" in text
    assert "sped.coordinator@cusd.com [internal]: DELIVER" in text
    assert "20231234" not in text


def test_dlp_check_without_input_is_a_usage_error(monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("policy", "check"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    argv = ["check", "--policy", str(SAMPLE_POLICY), "--from", "a@cusd.com", "--to", "b@x.example"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("dlp: ") and "Traceback" not in err
