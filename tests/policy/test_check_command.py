"""`dlp check` with the detection options of `dlp scan`: roster rules tried before enforcing."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from dlp import cli
from dlp.roster.people import Person, PersonName, Role
from dlp.roster.secret import SECRET_ENV, SECRET_FILE_ENV
from dlp.roster.store import RosterStore
from tests.conftest import TEST_SECRET

from .conftest import REPO, SAMPLE_POLICY

PEOPLE = [
    Person(Role.STUDENT, "4512345", PersonName("Lisa", "Woods")),
    Person(Role.STUDENT, "4512346", PersonName("Sean", "O'Brien"), directory_opt_out=True),
    Person(Role.STAFF, "204417", PersonName("Barry", "Tanner")),
]

MESSAGE = b"""\
From: Coach Tanner <btanner@cusd.com>
To: tournament.desk@gmail.com
Subject: Saturday tournament roster
Message-ID: <roster-1@cusd.com>
Content-Type: text/plain; charset=utf-8

Hi,

Sean O'Brien will play first singles on Saturday.

Coach
"""

IEP = b"""\
From: Case Manager <cm@cusd.com>
To: advocate@gmail.com
Subject: Lisa
Message-ID: <roster-2@cusd.com>
Content-Type: text/plain; charset=utf-8

Lisa Woods has an IEP meeting on Friday: we will review her accommodations and the 504 plan.
"""


@pytest.fixture
def env(monkeypatch, tmp_path: Path) -> Path:
    """A clean working folder: no secret, no roster in the environment, no var/secret.key."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("policy", "check"))
    for name in (SECRET_ENV, SECRET_FILE_ENV, "DLP_ROSTER_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    roster = tmp_path / "roster.npz"
    RosterStore.open(roster, TEST_SECRET).import_people(PEOPLE, "test")
    return roster


def check(monkeypatch, raw: bytes, *argv: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    return cli.main(["check", "--policy", str(SAMPLE_POLICY), "--format", "json", *argv])


def rules_of(document: dict, address: str) -> list[str]:
    recipient = next(r for r in document["recipients"] if r["address"] == address)
    return [rule["rule"] for rule in recipient["rules"]]


def test_opted_out_student_fires_through_dlp_check_with_a_roster(env, monkeypatch, capsys):
    secret = env.parent / "secret.key"
    secret.write_bytes(TEST_SECRET)
    argv = ["--from", "btanner@cusd.com", "--to", "tournament.desk@gmail.com"]
    assert check(monkeypatch, MESSAGE, *argv, "--roster", str(env), "--secret-file", str(secret))
    document = json.loads(capsys.readouterr().out)
    assert document["recipients"][0]["verdict"] == "quarantine"
    assert "directory-opt-out-outside" in rules_of(document, "tournament.desk@gmail.com")
    assert {f["entity_type"] for f in document["findings"]} >= {"ROSTER_STUDENT_NAME"}
    assert "Brien" not in json.dumps(document)  # the name never appears in clear

    # Without the roster nothing identifies the student: delivered.
    assert check(monkeypatch, MESSAGE, *argv, "--secret-file", str(secret)) == 0
    assert json.loads(capsys.readouterr().out)["recipients"][0]["verdict"] == "deliver"


def test_roster_student_name_rule_with_the_secret_from_the_environment(env, monkeypatch, capsys):
    monkeypatch.setenv(SECRET_ENV, TEST_SECRET.decode())
    argv = ["--from", "cm@cusd.com", "--to", "advocate@gmail.com", "--roster", str(env)]
    assert check(monkeypatch, IEP, *argv) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["recipients"][0]["verdict"] == "quarantine"
    assert "student-record-outside" in rules_of(document, "advocate@gmail.com")
    fired = document["recipients"][0]["rules"][0]
    assert "ROSTER_STUDENT_NAME" in {f["entity_type"] for f in fired["findings"]}


def test_default_secret_file_is_used(env, monkeypatch, capsys):
    (env.parent / "var").mkdir()
    (env.parent / "var" / "secret.key").write_bytes(TEST_SECRET)
    argv = ["--from", "cm@cusd.com", "--to", "advocate@gmail.com", "--roster", str(env)]
    assert check(monkeypatch, IEP, *argv) == 1
    document = json.loads(capsys.readouterr().out)
    assert "student-record-outside" in rules_of(document, "advocate@gmail.com")


def test_a_roster_without_its_secret_is_a_usage_error(env, monkeypatch, capsys):
    argv = ["--from", "cm@cusd.com", "--to", "advocate@gmail.com", "--roster", str(env)]
    assert check(monkeypatch, IEP, *argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("dlp: --roster needs the secret") and "Traceback" not in err


def test_recognizers_and_threshold_options(env, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(SECRET_ENV, TEST_SECRET.decode())
    # Inside the district: delivered whatever is found (this test is about what is found; sent
    # outside, the student named beside her IEP is held).
    argv = ["--from", "cm@cusd.com", "--to", "colleague@cusd.com"]

    def found(*options: str) -> dict[str, int]:
        assert check(monkeypatch, IEP, *argv, *options) == 0
        document = json.loads(capsys.readouterr().out)
        return {item["entity_type"]: item["count"] for item in document["findings"]}

    everything = found()
    assert everything["SPECIAL_EDUCATION"] >= 3
    # The threshold drops the weaker matches ("accommodations" scores under 1.0).
    assert 0 < found("--threshold", "1.0")["SPECIAL_EDUCATION"] < everything["SPECIAL_EDUCATION"]
    # A district's own detection content: without the special-education terms, none is found.
    content = tmp_path / "content"
    shutil.copytree(REPO / "recognizers", content)
    (content / "keywords" / "special_education.txt").unlink()
    (content / "entities" / "special_education_in_context.toml").unlink()
    assert "SPECIAL_EDUCATION" not in found("--recognizers", str(content))
    # A bad option is a one-line usage error, not a traceback.
    assert check(monkeypatch, IEP, *argv, "--threshold", "1.5") == 2
    err = capsys.readouterr().err
    assert err.startswith("dlp: ") and "Traceback" not in err


def test_without_a_secret_a_note_says_digests_are_for_this_run(env, monkeypatch, capsys):
    assert check(monkeypatch, IEP, "--from", "cm@cusd.com", "--to", "a@cusd.com") == 0
    assert "dlp: note: no secret configured" in capsys.readouterr().err


BUS = b"""\
From: Transportation <transport@cusd.com>
To: parent@gmail.com
Subject: Fall routes
Message-ID: <bus-1@cusd.com>
Content-Type: text/plain; charset=utf-8

Maya rides bus route 14; her pick-up stop is Elm and 3rd.
"""


def test_a_category_from_the_overlay_folder_in_a_rule_through_dlp_check(
    env, monkeypatch, capsys, tmp_path
):
    """`--recognizers-overlay`: one file adds a category the policy's rules may name."""
    monkeypatch.setenv(SECRET_ENV, TEST_SECRET.decode())
    overlay = tmp_path / "recognizers.d" / "keywords"
    overlay.mkdir(parents=True)
    (overlay / "transport.txt").write_text(
        "# label: school transportation term\n# kind: student record\n# clauses: L.3.a\n"
        "bus route | 2\npick-up stop | 2\n"
    )
    policy = tmp_path / "policy.toml"
    policy.write_text(
        SAMPLE_POLICY.read_text()
        + '\n[[rules]]\nname = "transport-outside"\nwhen = "EXTERNAL and TRANSPORT"\n'
        'action = "quarantine"\nclauses = ["AR7203.L.3.a"]\nexplain = "Bus details."\n'
    )
    argv = ["--policy", str(policy), "--from", "transport@cusd.com", "--to", "parent@gmail.com"]
    assert check(monkeypatch, BUS, *argv, "--recognizers-overlay", str(overlay.parent)) == 1
    document = json.loads(capsys.readouterr().out)
    assert rules_of(document, "parent@gmail.com") == ["transport-outside"]
    assert document["findings"][0]["entity_type"] == "TRANSPORT"
    assert document["recipients"][0]["rules"][0]["explanation"].endswith(
        "2 x school transportation term (in message / body)."
    )
    # Without the overlay the rule names nothing the recognizers declare: a usage error.
    assert check(monkeypatch, BUS, *argv) == 2
    err = capsys.readouterr().err
    assert "unknown name 'TRANSPORT'" in err and "Traceback" not in err
