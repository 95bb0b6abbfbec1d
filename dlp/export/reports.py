"""The reports: JSON lines and CSV for machines, one self-contained HTML page for people.

All are written from the state file after the scan, so a resumed scan's reports cover both runs.
No report holds a matched value: findings appear as the scanner's masked preview only.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, TextIO

import jinja2

from dlp.export import result as r
from dlp.export.clauses import CLAUSE_TEXT, EXPOSURE_FACTOR, PERSONNEL, STUDENT
from dlp.export.summary import Summary

JSONL_NAME = "report.jsonl"
FILES_CSV_NAME = "files.csv"
FINDINGS_CSV_NAME = "findings.csv"
HTML_NAME = "report.html"
CHART_ROWS = 15

FILE_COLUMNS = (
    "location",
    "folder",
    "owner",
    "shared_with",
    "exposure",
    "status",
    "risk",
    "findings",
    "truncated",
    "L.3.a",
    "L.3.b",
    "categories",
    "unscannable",
    "size",
    "content_hash",
)
FINDING_COLUMNS = (
    "file",
    "owner",
    "exposure",
    "location",
    "entity_type",
    "category",
    "clauses",
    "masked",
    "score",
    "digest",
)


@dataclass(frozen=True)
class RunInfo:
    export: str
    mode: str
    workers: int
    seconds: float
    metadata_sources: tuple[str, ...] = ()
    metadata_entries: int = 0
    baseline: str = ""
    resumed: int = 0

    def gb_per_hour(self, size: int) -> float:
        return size / 1e9 / (self.seconds / 3600) if self.seconds > 0 else 0.0


def write_reports(stored: Iterable[str], info: RunInfo, out: Path) -> Summary:
    """Every report, from the results as the state file stores them (``FileResult.to_json``'s
    text), in one pass: each is decoded once, for the summary and the CSV rows, and goes into
    the JSON lines as stored. Returns the summary."""
    summary = Summary()
    with (
        open(out / JSONL_NAME, "w", encoding="utf-8") as lines,
        open(out / FILES_CSV_NAME, "w", newline="", encoding="utf-8") as files_out,
        open(out / FINDINGS_CSV_NAME, "w", newline="", encoding="utf-8") as findings_out,
    ):
        tables = _Tables(files_out, findings_out)
        for text in stored:
            item = r.FileResult.from_json(text)
            summary.add(item)
            lines.write(text + "\n")
            tables.add(item)
        # One ``file`` record per file (``unchanged`` ones too, so it can be a baseline), then
        # one ``summary`` record.
        lines.write(json.dumps(_summary_record(summary, info), sort_keys=True) + "\n")
    write_html(summary, info, out / HTML_NAME)
    return summary


def _summary_record(summary: Summary, info: RunInfo) -> dict[str, Any]:
    return {
        "kind": "summary",
        "export": info.export,
        "files": summary.files,
        "bytes": summary.bytes,
        "by_status": dict(summary.by_status),
        "findings": summary.findings,
        "by_category": dict(summary.by_category),
        "by_clause": dict(summary.by_clause),
        "files_by_clause": dict(summary.files_by_clause),
        "unscannable_reasons": dict(summary.reasons),
        "seconds": round(info.seconds, 3),
        # OCR apart from the rest: its pages cost a second each, where text costs nothing.
        "ocr_pages": summary.ocr_pages,
        "seconds_ocr": round(summary.seconds_ocr, 3),
        "mode": info.mode,
        "workers": info.workers,
        "metadata_sources": list(info.metadata_sources),
        "baseline": info.baseline,
    }


class _Tables:
    """``files.csv``: one row per reported file; ``findings.csv``: one row per finding shown."""

    def __init__(self, files_out: TextIO, findings_out: TextIO) -> None:
        self.file_rows = csv.writer(files_out)
        self.finding_rows = csv.writer(findings_out)
        self.file_rows.writerow(FILE_COLUMNS)
        self.finding_rows.writerow(FINDING_COLUMNS)

    def add(self, item: r.FileResult) -> None:
        if item.status == r.UNCHANGED:
            return
        self.file_rows.writerow(
            (
                item.location,
                item.folder,
                item.owner,
                " ".join(item.shared_with),
                item.exposure,
                item.status,
                item.risk,
                item.findings_total,
                int(item.truncated),
                item.clauses.get(STUDENT, 0),
                item.clauses.get(PERSONNEL, 0),
                " ".join(f"{k}={v}" for k, v in sorted(item.categories.items())),
                " ".join(item.reasons),
                item.size,
                item.content_hash,
            )
        )
        for finding in item.findings:
            self.finding_rows.writerow(
                (
                    item.location,
                    item.owner,
                    item.exposure,
                    finding["location"],
                    finding["entity_type"],
                    finding["category"],
                    " ".join(finding["clauses"]),
                    finding["masked"],
                    finding["score"],
                    finding["digest"],
                )
            )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    share: float  # of the largest value, 0..100
    note: str = ""


def bars(rows: Iterable[tuple[str, float, str]], limit: int = CHART_ROWS) -> list[Bar]:
    ordered = sorted(rows, key=lambda row: (-row[1], row[0]))[:limit]
    largest = max((row[1] for row in ordered), default=0) or 1
    return [
        Bar(label, value, round(100 * value / largest, 1), note) for label, value, note in ordered
    ]


def render_html(summary: Summary, info: RunInfo) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    owners = summary.by_owner.items()
    folders = summary.by_folder.items()
    context = {
        "info": info,
        "summary": summary,
        "gb_per_hour": info.gb_per_hour(summary.bytes),
        "clause_text": CLAUSE_TEXT,
        "clauses": [
            (clause, summary.by_clause.get(clause, 0), summary.files_by_clause.get(clause, 0))
            for clause in (STUDENT, PERSONNEL)
        ],
        "category_bars": bars(
            (c, n, f"{summary.files_by_category[c]} files") for c, n in summary.by_category.items()
        ),
        "clause_bars": bars(
            (c, n, f"{summary.files_by_clause[c]} files") for c, n in summary.by_clause.items()
        ),
        "owner_bars": bars(
            (o, g.risk, f"{g.flagged} of {g.files} files, {g.findings} findings")
            for o, g in owners
            if g.flagged
        ),
        "folder_bars": bars(
            (f, g.risk, f"{g.flagged} of {g.files} files, {g.findings} findings")
            for f, g in folders
            if g.flagged
        ),
        "exposure_bars": bars(
            (e, n, f"risk x{EXPOSURE_FACTOR.get(e, 1.0):g}")
            for e, n in summary.flagged_by_exposure.items()
        ),
        "status_bars": bars((s, n, "") for s, n in summary.by_status.items()),
        "top": summary.top,
        "problems": summary.problems,
        "reasons": sorted(summary.reasons.items(), key=lambda kv: (-kv[1], kv[0])),
    }
    return environment.get_template("report.html.j2").render(context)


def _template(name: str) -> str:
    return files("dlp.export").joinpath("templates", name).read_text(encoding="utf-8")


def write_html(summary: Summary, info: RunInfo, path: Path) -> None:
    path.write_text(render_html(summary, info), encoding="utf-8")
