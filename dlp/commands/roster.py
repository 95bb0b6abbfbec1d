"""`dlp roster`: import the district's roster (hashed, never in clear) and inspect it.

dlp roster import PATH [--store FILE] [--config FILE] [--secret-file FILE]
                       [--format auto|oneroster|edfi|csv] [--map field=Column,...]
                       [--role student|staff] [--json]
dlp roster info [--store FILE] [--config FILE] [--secret-file FILE] [--json]
dlp roster sync --oneroster URL ...   (dlp.commands.roster_sync)

The roster file and the secret are found as `dlp scan` finds them (one lookup,
`dlp.commands.detection_options`): the store from --store, else $DLP_ROSTER_STORE, else the
settings' [detection] roster; the secret from --secret-file, else $DLP_SECRET, else the file
named by $DLP_SECRET_FILE, else the settings' secret_file (var/secret.key) if it exists.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dlp.cli import UsageError
from dlp.commands.detection_options import (
    DEFAULT_SECRET_FILE,
    ROSTER_ENV,
    district_secret,
    roster_path,
    settings_detection,
)
from dlp.commands.roster_sync import register_sync
from dlp.roster.importers import FORMATS
from dlp.roster.secret import SECRET_ENV

if TYPE_CHECKING:
    from dlp.roster.store import RosterStore

# The store (numpy, the matcher) and the importers' parsers load when an action runs.


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("roster", help="import or inspect the hashed roster")
    commands = parser.add_subparsers(dest="roster_command", metavar="ACTION", required=True)

    importing = commands.add_parser("import", help="replace the roster with an SIS export")
    importing.add_argument("path", help="OneRoster folder or zip, Ed-Fi XML folder or file, or CSV")
    importing.add_argument("--format", choices=FORMATS, default="auto")
    importing.add_argument("--map", help="for a generic CSV: field=Column,field=Column,...")
    importing.add_argument(
        "--role",
        choices=("student", "staff"),
        default="student",
        help="role of generic CSV rows without a role column",
    )
    importing.add_argument("--json", action="store_true", help="print the counts as JSON")
    _common(importing)
    importing.set_defaults(func=run_import)

    info = commands.add_parser("info", help="show how many people the roster holds, and its age")
    info.add_argument("--json", action="store_true", help="print the counts and age as JSON")
    _common(info)
    info.set_defaults(func=run_info)
    register_sync(commands, _common, _store)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        help=f"the roster file (default: ${ROSTER_ENV}, or the settings' roster)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a settings file (as for dlp gateway) whose [detection] roster and secret apply",
    )
    parser.add_argument(
        "--secret-file",
        type=Path,
        help=f"the district's secret (default: ${SECRET_ENV}, the settings' secret_file, "
        f"or {DEFAULT_SECRET_FILE} if it exists)",
    )


def _store(args: argparse.Namespace) -> RosterStore:
    from dlp.roster.store import RosterStore

    settings = settings_detection(args.config)
    path = roster_path(args.store, settings)
    if path is None:
        raise UsageError(
            f"no roster file: pass --store, set {ROSTER_ENV}, or name it in --config's [detection]"
        )
    # Never a random secret (note None): a roster hashed under one would match nothing.
    secret = district_secret(args.secret_file, settings, None, sys.stderr)
    return RosterStore.open(path, secret)


def run_import(args: argparse.Namespace) -> int:
    from dlp.roster.importers import read_roster
    from dlp.roster.importers.generic_csv import parse_mapping
    from dlp.roster.people import Role, RosterFormatError
    from dlp.roster.store import RosterStoreError

    store = _store(args)
    try:
        mapping = parse_mapping(args.map) if args.map else None
        role = Role.STAFF if args.role == "staff" else Role.STUDENT
        chosen, people = read_roster(Path(args.path), args.format, mapping, role)
        report = store.import_people(people, chosen)
    except (RosterFormatError, RosterStoreError) as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"{error.filename or args.path}: {error.strerror}") from None
    if args.json:
        print(json.dumps({"format": chosen, **report.to_dict()}, sort_keys=True))
        return 0
    print(f"imported {chosen} roster: {report.forms} hashed forms")
    for role_name, changes in report.changes.items():
        print(
            f"  {role_name}: {changes.added} added, {changes.removed} removed, "
            f"{changes.changed} changed, {changes.unchanged} unchanged"
        )
    return 0


def run_info(args: argparse.Namespace) -> int:
    from dlp.roster.snapshot import describe_age, info_dict, read_info
    from dlp.roster.store import RosterStoreError

    store = _store(args)
    try:
        tables = store.load()
    except RosterStoreError as error:
        raise UsageError(str(error)) from None
    counts = tables.role_counts()
    info = read_info(store.path)
    age = info.age_seconds(datetime.now(UTC))
    if args.json:
        print(json.dumps(info_dict(info, age, counts, len(tables.form_key)), sort_keys=True))
        return 0
    print(
        ", ".join(f"{n} {role}" for role, n in counts.items()) + f"; {len(tables.form_key)} forms"
    )
    print(describe_age(info, age))
    return 0
