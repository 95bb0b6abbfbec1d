"""The detection options `dlp scan` and `dlp scan-export` share, and the scanner they describe.

``--config FILE`` takes the ``[detection]`` table of the district's settings file (the one the
gateway runs with: recognizers, threshold, roster, added keyword terms, secret file), so a
scan on the command line finds what the gateway finds; each flag overrides its key.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from dlp.cli import UsageError
from dlp.engine import DetectionConfig
from dlp.roster.secret import SECRET_ENV, SECRET_FILE_ENV, SecretError, load_secret
from dlp.settings import DetectionSettings, SettingsError, load_settings

DEFAULT_SECRET_FILE = DetectionSettings().secret_file
ROSTER_ENV = "DLP_ROSTER_STORE"


def add_detection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a settings file (as for dlp gateway) whose [detection] table applies",
    )
    parser.add_argument(
        "--secret-file",
        type=Path,
        help=f"key for the digests of found values (default: ${SECRET_ENV}, ${SECRET_FILE_ENV}, "
        f"the settings' secret_file, or {DEFAULT_SECRET_FILE} if it exists)",
    )
    parser.add_argument("--recognizers", type=Path, help="folder of detection content")
    parser.add_argument(
        "--threshold", type=float, help="minimum score of a finding (default 0.4)"
    )
    parser.add_argument(
        "--roster",
        type=Path,
        metavar="FILE",
        help=f"the district's roster from `dlp roster import` (default: ${ROSTER_ENV})",
    )


def detection_config(
    args: argparse.Namespace, note: str, stderr: TextIO | None = None
) -> DetectionConfig:
    """The scanner's configuration from the flags over the settings file over the defaults.

    ``note`` is printed when no secret is configured and a random one is used for this run.
    """
    try:
        base = load_settings(args.config).detection if args.config else DetectionSettings()
    except SettingsError as error:
        raise UsageError(str(error)) from None
    roster = args.roster or (Path(os.environ[ROSTER_ENV]) if os.environ.get(ROSTER_ENV) else None)
    settings = replace(
        base,
        recognizers=args.recognizers or base.recognizers,
        threshold=base.threshold if args.threshold is None else args.threshold,
        roster=roster or base.roster,
    )
    # sys.stderr as it is now, not as it was when this module was imported.
    secret = _secret(args.secret_file, settings, note, stderr or sys.stderr)
    try:
        return settings.config(secret)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _secret(path: Path | None, settings: DetectionSettings, note: str, stderr: TextIO) -> bytes:
    if path is None and not (os.environ.get(SECRET_ENV) or os.environ.get(SECRET_FILE_ENV)):
        if settings.secret_file.exists():
            path = settings.secret_file
        elif settings.roster is not None:
            # A roster is hashed under the district's secret: a random one would match nothing.
            raise UsageError(
                f"--roster needs the secret the roster was imported with: pass --secret-file "
                f"or set {SECRET_ENV} or {SECRET_FILE_ENV}"
            )
        else:
            print(f"dlp: note: no secret configured; {note}", file=stderr)
            return secrets.token_bytes(32)
    try:
        return load_secret(os.environ, path)
    except SecretError as error:
        raise UsageError(str(error)) from None
