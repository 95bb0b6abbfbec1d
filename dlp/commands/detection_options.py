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
from typing import TYPE_CHECKING, TextIO

from dlp.cli import UsageError
from dlp.roster.secret import SECRET_ENV, SECRET_FILE_ENV, SecretError, load_secret
from dlp.settings import DetectionSettings, SettingsError, load_settings

if TYPE_CHECKING:
    from dlp.engine import DetectionConfig

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
        "--recognizers-overlay",
        type=Path,
        metavar="FOLDER",
        help="the district's additions over the detection content (as [detection] overlay)",
    )
    parser.add_argument("--threshold", type=float, help="minimum score of a finding (default 0.4)")
    parser.add_argument(
        "--roster",
        type=Path,
        metavar="FILE",
        help=f"the district's roster from `dlp roster import` (default: ${ROSTER_ENV})",
    )


def settings_detection(config: Path | None) -> DetectionSettings:
    """The ``[detection]`` table of the settings file ``config`` (the defaults without one)."""
    try:
        return load_settings(config).detection if config else DetectionSettings()
    except SettingsError as error:
        raise UsageError(str(error)) from None


def roster_path(flag: Path | None, settings: DetectionSettings) -> Path | None:
    """The roster file: the flag, else $DLP_ROSTER_STORE, else the settings' ``roster``."""
    from_env = os.environ.get(ROSTER_ENV)
    return flag or (Path(from_env) if from_env else None) or settings.roster


def detection_settings(args: argparse.Namespace) -> DetectionSettings:
    """The ``[detection]`` settings with the flags over them."""
    base = settings_detection(args.config)
    return replace(
        base,
        recognizers=args.recognizers or base.recognizers,
        overlay=args.recognizers_overlay or base.overlay,
        threshold=base.threshold if args.threshold is None else args.threshold,
        roster=roster_path(args.roster, base),
    )


def detection_config(
    args: argparse.Namespace, note: str, stderr: TextIO | None = None
) -> DetectionConfig:
    """The scanner's configuration from the flags over the settings file over the defaults.

    ``note`` is printed when no secret is configured and a random one is used for this run.
    """
    settings = detection_settings(args)
    # sys.stderr as it is now, not as it was when this module was imported.
    secret = district_secret(args.secret_file, settings, note, stderr or sys.stderr)
    try:
        return settings.config(secret)
    except ValueError as error:
        raise UsageError(str(error)) from None


def district_secret(
    path: Path | None, settings: DetectionSettings, note: str | None, stderr: TextIO
) -> bytes:
    """The digest secret: ``path`` (--secret-file), else $DLP_SECRET, else $DLP_SECRET_FILE,
    else the settings' ``secret_file`` (``var/secret.key``) if it exists. With none of them, a
    random one for this run (saying ``note``), unless ``note`` is None or a roster is set:
    a roster is hashed under the district's secret, and one made or read with a random
    secret would match nothing."""
    if path is None and not (os.environ.get(SECRET_ENV) or os.environ.get(SECRET_FILE_ENV)):
        if settings.secret_file.exists():
            path = settings.secret_file
        elif settings.roster is not None or note is None:
            needs = (
                "no secret (the roster is hashed under the district's secret)"
                if note is None
                else "--roster needs the secret the roster was imported with"
            )
            raise UsageError(
                f"{needs}: pass --secret-file, set {SECRET_ENV} or {SECRET_FILE_ENV}, "
                f"or keep it in {settings.secret_file}"
            )
        else:
            print(f"dlp: note: no secret configured; {note}", file=stderr)
            return secrets.token_bytes(32)
    try:
        return load_secret(os.environ, path)
    except SecretError as error:
        raise UsageError(str(error)) from None
