"""The detection options of `dlp scan` and `dlp scan-export` as a user runs them: a roster
imported with `dlp roster import`, a settings file's [detection] table, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlp.settings import SettingsError, parse_settings

SECRET = "detection-options-secret-0123456789"
ROSTER_CSV = (
    "Student Number,First,Last,Birthdate\n"
    "4512345,Marisol,Quintanilla,2009-03-14\n"
    "4512346,Deshawn,Whitfield,2010-11-02\n"
)
MESSAGE = "Marisol Quintanilla missed the IEP meeting; her plan needs review.\n"


def dlp(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: bytes = b""
) -> subprocess.CompletedProcess:
    # The DLP_ variables of the tests' own environment left out, but for its cache folder.
    base = {k: v for k, v in os.environ.items() if not k.startswith("DLP_") or k == "DLP_CACHE_DIR"}
    return subprocess.run(
        [sys.executable, "-m", "dlp", *args],
        input=stdin,
        capture_output=True,
        timeout=180,
        cwd=cwd,
        env={**base, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("roster")
    (folder / "sis.csv").write_text(ROSTER_CSV)
    store = folder / "roster.npz"
    result = dlp(
        "roster",
        "import",
        "sis.csv",
        "--format",
        "csv",
        "--store",
        str(store),
        "--map",
        "student_id=Student Number,first=First,last=Last,birth_date=Birthdate",
        cwd=folder,
        env={"DLP_SECRET": SECRET},
    )
    assert result.returncode == 0, result.stderr
    return store


def _findings(result: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_scan_with_roster_finds_the_student_by_name(tmp_path, roster):
    (tmp_path / "note.txt").write_text(MESSAGE)
    env = {"DLP_SECRET": SECRET}
    without = _findings(dlp("scan", "--format", "jsonl", "note.txt", cwd=tmp_path, env=env))
    assert "ROSTER_STUDENT_NAME" not in {f["entity_type"] for f in without}
    result = dlp(
        "scan", "--format", "jsonl", "--roster", str(roster), "note.txt", cwd=tmp_path, env=env
    )
    assert result.returncode == 1, result.stderr
    names = [f for f in _findings(result) if f["entity_type"] == "ROSTER_STUDENT_NAME"]
    assert len(names) == 1
    assert "Quintanilla" not in result.stdout.decode()
    # The same roster from the environment variable `dlp roster` also reads.
    from_env = dlp(
        "scan",
        "--format",
        "jsonl",
        "note.txt",
        cwd=tmp_path,
        env={**env, "DLP_ROSTER_STORE": str(roster)},
    )
    assert [f["digest"] for f in _findings(from_env) if f["entity_type"].startswith("ROSTER")] == [
        names[0]["digest"]
    ]


def test_roster_without_its_secret_is_a_usage_error(tmp_path, roster):
    (tmp_path / "note.txt").write_text(MESSAGE)
    result = dlp("scan", "--roster", str(roster), "note.txt", cwd=tmp_path)
    assert result.returncode == 2
    assert b"--roster needs the secret" in result.stderr
    wrong = dlp(
        "scan",
        "--roster",
        str(roster),
        "note.txt",
        cwd=tmp_path,
        env={"DLP_SECRET": "another-secret-entirely-0123456789"},
    )
    assert wrong.returncode == 2
    assert b"different secret" in wrong.stderr
    assert b"Traceback" not in wrong.stderr + result.stderr


def test_settings_file_adds_district_terms_and_roster(tmp_path, roster):
    (tmp_path / "secret.key").write_text(SECRET)
    (tmp_path / "gateway.toml").write_text(
        f"""[detection]
secret_file = "secret.key"
roster = "{roster}"
threshold = 0.4
[detection.keywords]
special_education = ["student study team", {{term = "SST referral", weight = 1.6}}]
"""
    )
    (tmp_path / "note.txt").write_text("The SST referral for Deshawn Whitfield is attached.\n")
    result = dlp("scan", "--format", "jsonl", "--config", "gateway.toml", "note.txt", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = {f["entity_type"]: f for f in _findings(result)}
    assert found["SPECIAL_EDUCATION"]["score"] == pytest.approx(0.8)
    assert "ROSTER_STUDENT_NAME" in found
    plain = dlp("scan", "--format", "jsonl", "note.txt", cwd=tmp_path, env={"DLP_SECRET": SECRET})
    assert "SPECIAL_EDUCATION" not in {f["entity_type"] for f in _findings(plain)}


def test_scan_export_with_roster_counts_roster_findings(tmp_path, roster):
    export = tmp_path / "export"
    (export / "Teachers").mkdir(parents=True)
    (export / "Teachers" / "notes.txt").write_text(MESSAGE)
    result = dlp(
        "scan-export",
        str(export),
        "--out",
        str(tmp_path / "out"),
        "--workers",
        "1",
        "--no-progress",
        "--roster",
        str(roster),
        cwd=tmp_path,
        env={"DLP_SECRET": SECRET},
    )
    assert result.returncode == 1, result.stderr
    lines = (tmp_path / "out" / "report.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    file = next(r for r in records if r["kind"] == "file")
    assert file["counts"].get("ROSTER_STUDENT_NAME") == 1
    missing = dlp(
        "scan-export",
        str(export),
        "--out",
        str(tmp_path / "out2"),
        "--roster",
        str(tmp_path / "nope.npz"),
        cwd=tmp_path,
        env={"DLP_SECRET": SECRET},
    )
    assert missing.returncode == 2
    assert b"no roster at" in missing.stderr


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[detection.keywords]\nLUNCH = ["pizza"]', "not a keyword category"),
        ('[detection.keywords]\nGRADES = "GPA"', "must be a list of terms"),
        ('[detection.keywords]\nGRADES = [{term = "GPA", weight = 11}]', "weight must be"),
        ('[detection.keywords]\nGRADES = [{term = "GPA", colour = 1}]', "each term is"),
        ('[detection.keywords]\nGRADES = ["  "]', "empty term"),
        ('[detection.keywords]\nSPECIAL_EDUCATION = ["§ 504"]', "no letter or digit"),
    ],
)
def test_bad_keyword_tables_name_line_and_key(table, message):
    with pytest.raises(SettingsError) as error:
        parse_settings("# district settings\n" + table, "gateway.toml")
    assert str(error.value).startswith("gateway.toml:3: detection.keywords.")
    assert message in str(error.value)
