"""`dlp scan-export PATH`: a cloud-drive export (Google Takeout or Vault, OneDrive/SharePoint,
Box; zips or folders) scanned for what AR 7203 section L says cloud storage must never hold.

Exit status: 0 when every file was read and nothing found, 1 when something was found or could
not be read, 2 on a usage or input error.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from dlp.cli import UsageError
from dlp.commands.detection_options import add_detection_options, detection_config
from dlp.export.defaults import DEFAULT_MAX_FINDINGS, STATE_NAME
from dlp.roster.secret import SECRET_ENV

# The scan itself (scanner, workers, reports) is imported by `run`, not to register the command.

DEFAULT_OUT = Path("export-report")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "scan-export",
        help="scan a cloud-drive export (Takeout, Vault, OneDrive/SharePoint, Box)",
        description="Scan a cloud-drive export for confidential student (L.3.a) and personnel "
        "(L.3.b) records. Writes report.jsonl, files.csv, findings.csv, report.html and the "
        f"resumable {STATE_NAME} into the output folder.",
    )
    parser.add_argument("path", metavar="PATH", type=Path, help="export folder or zip")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder for the reports and state (default: ./{DEFAULT_OUT})",
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="local worker processes (default: all cores)"
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask distributed cluster (workers read PATH themselves, "
        "so it must be on storage they share)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue an interrupted scan from the state in --out"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="a previous run's report.jsonl or state.sqlite: report only files "
        "new or changed since",
    )
    parser.add_argument(
        "--metadata",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="an owner/sharing metadata file kept outside the export "
        "(Vault *-metadata.xml, a Box or eDiscovery CSV); repeatable",
    )
    parser.add_argument(
        "--internal-domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="the district's mail domain (repeatable); sharing with others "
        "counts as external (default: the owner's own domain)",
    )
    add_detection_options(parser)
    parser.add_argument(
        "--max-findings-per-file",
        type=int,
        default=DEFAULT_MAX_FINDINGS,
        metavar="N",
        help="stop reading a file after N findings; its counts "
        f"are then lower bounds (default {DEFAULT_MAX_FINDINGS}; 0: no limit)",
    )
    parser.add_argument(
        "--ocr",
        choices=("on", "off"),
        default="on",
        help="read images and scanned PDF pages by OCR (default on; off "
        "reports them as image content)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dlp.export import reports
    from dlp.export.runner import default_workers
    from dlp.export.scan import ExportScan, exit_status, run_scan
    from dlp.export.state import StateError
    from dlp.extract import Limits
    from dlp.roster.store import RosterStore, RosterStoreError

    if not args.path.exists():
        raise UsageError(f"{args.path}: no such file or folder")
    if not os.access(args.path, os.R_OK):
        raise UsageError(f"{args.path}: permission denied")
    for extra in args.metadata:
        if not extra.is_file():
            raise UsageError(f"--metadata {extra}: no such file")
    if args.workers < 0:
        raise UsageError("--workers must be 0 (all cores) or more")
    if args.max_findings_per_file < 0:
        raise UsageError("--max-findings-per-file must be 0 (no limit) or more")
    if args.resume and not (args.out / STATE_NAME).exists():
        raise UsageError(f"--resume: no state to resume in {args.out / STATE_NAME}")
    config = detection_config(
        args,
        "digests and content hashes are valid for this run only, so it cannot serve "
        f"as a baseline (set {SECRET_ENV} or --secret-file)",
    )
    if config.roster_path is not None:
        try:  # here, once, rather than as a failure in every worker
            RosterStore.open(config.roster_path, config.secret).load()
        except RosterStoreError as error:
            raise UsageError(str(error)) from None
    scan = ExportScan(
        export=args.path,
        out=args.out,
        config=config,
        workers=args.workers or default_workers(),
        scheduler=args.scheduler,
        resume=args.resume,
        baseline=args.baseline,
        metadata=tuple(args.metadata),
        internal_domains=frozenset(d.lower().lstrip("@") for d in args.internal_domain),
        progress=not args.no_progress,
        max_findings_per_file=args.max_findings_per_file,
        limits=Limits(ocr=args.ocr == "on"),
    )
    try:
        outcome = run_scan(scan)
    except StateError as error:
        raise UsageError(str(error)) from None
    summary = outcome.summary
    print(
        f"{summary.files} files, {summary.flagged} with findings ({summary.findings} findings), "
        f"{summary.by_status['unscannable']} not fully read, "
        f"{summary.by_status['not scanned']} skipped by type; "
        f"OCR: {summary.ocr_pages} pages in {summary.seconds_ocr:.1f} s; "
        f"report: {outcome.out / reports.HTML_NAME}"
    )
    return exit_status(summary)
