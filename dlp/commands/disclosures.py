"""`dlp disclosures`: the per-student disclosure record (FERPA 34 CFR 99.32), for one student.

dlp disclosures --student ID_OR_NAME [--since YYYY-MM-DD] [--format text|csv|json]
                [--config FILE] [--roster FILE] [--secret-file FILE]
dlp disclosures --purge [--config FILE]     (entries past [quarantine] disclosure_retention_days)

The student is looked up through the roster's keyed hashes (an ID, or a name only one student
has); the record is keyed by the roster's per-person digest and holds no value of theirs.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from datetime import UTC, date, datetime

from dlp.cli import UsageError
from dlp.commands.detection_options import add_detection_options

FORMATS = ("text", "csv", "json")
COLUMNS = ("time", "recipient", "categories", "basis", "detail", "message_id", "roster_version")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "disclosures", help="who received a student's records outside the district (99.32)"
    )
    parser.add_argument("--student", help="the student's ID, or a name only one student has")
    parser.add_argument("--since", help="only from this day on (YYYY-MM-DD, UTC)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--purge", action="store_true", help="delete entries past their retention")
    add_detection_options(parser)
    parser.set_defaults(func=run)


def _since(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since {text!r} is not a date (YYYY-MM-DD)") from None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def run(args: argparse.Namespace) -> int:
    from dlp.commands.detection_options import detection_settings, district_secret
    from dlp.quarantine.disclosures import DisclosureStore
    from dlp.quarantine.store import QuarantineError
    from dlp.roster.lookup import student_subjects
    from dlp.roster.store import RosterStore, RosterStoreError
    from dlp.settings import QuarantineSettings, SettingsError, load_settings

    try:
        quarantine = load_settings(args.config).quarantine if args.config else QuarantineSettings()
    except SettingsError as error:
        raise UsageError(str(error)) from None
    try:
        store = DisclosureStore.open(quarantine.url)
    except QuarantineError as error:
        raise UsageError(str(error)) from None
    if args.purge:
        gone = store.purge(quarantine.disclosure_retention_days, int(time.time()))
        print(
            f"{gone} disclosure record(s) past {quarantine.disclosure_retention_days} days purged"
        )
        return 0
    if not args.student:
        raise UsageError("name the student: --student ID_OR_NAME (or --purge)")
    settings = detection_settings(args)
    if settings.roster is None:
        raise UsageError("no roster: pass --roster, set DLP_ROSTER_STORE or [detection] roster")
    secret = district_secret(args.secret_file, settings, None, sys.stderr)
    try:
        matcher = RosterStore.open(settings.roster, secret).matcher()
    except RosterStoreError as error:
        raise UsageError(str(error)) from None
    subjects = student_subjects(matcher, args.student)
    if not subjects:
        raise UsageError("no roster student has that ID or name")
    if len(subjects) > 1:
        raise UsageError(f"{len(subjects)} roster students have that name: use the student ID")
    entries = store.for_students(subjects, _since(args.since))
    rows = [
        {
            "time": datetime.fromtimestamp(entry.time, UTC).isoformat(timespec="seconds"),
            "recipient": entry.recipient,
            "categories": ", ".join(entry.categories),
            "basis": entry.basis.value,
            "detail": entry.detail,
            "message_id": entry.message_id,
            "roster_version": entry.roster_version,
        }
        for entry in entries
    ]
    if args.format == "json":
        print(json.dumps({"student": subjects[0], "disclosures": rows}, indent=2))
    elif args.format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(out.getvalue())
    else:
        print(f"student {subjects[0]}: {len(rows)} disclosure(s)")
        for row in rows:
            detail = f" ({row['detail']})" if row["detail"] else ""
            print(
                f"{row['time']}  {row['recipient']}  {row['categories']}  "
                f"{row['basis']}{detail}  {row['message_id']}  roster {row['roster_version']}"
            )
    return 0
