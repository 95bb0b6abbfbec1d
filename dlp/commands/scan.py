"""`dlp scan`: files, folders, archives, mail or standard input; findings and unreadable items.

A finding in a text file is written FILE:LINE:COLUMN (``--format jsonl``: ``line``,
``column``, and ``absolute_start``/``absolute_end``, characters from the start of the file);
elsewhere, its place in the container and its offsets in that place.

Exit status: 0 when everything was read and nothing found, 1 when something was found or could
not be read (an unscannable item is never a silent pass), 2 on a usage or input error, 141
when the reader of the output went away (`| head`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dlp.cli import UsageError
from dlp.commands.detection_options import add_detection_options, detection_config
from dlp.model import Finding, Location, Segment, Unscannable

if TYPE_CHECKING:
    from dlp.extract import Limits

# The scanner, the extractors and the pipeline are imported when a scan runs (`run`, `_items`),
# not to register the command: `dlp --help` and every other command start without them.

STDIN_NAME = "<stdin>"
_JSON = json.JSONEncoder(ensure_ascii=False)
# JSON lines written at once (``report``): about 200 KB of text on a dense scan. Batches of 64
# lines (25 KB) cost 0.09 µs a line more: eight times the joins, encodings and writes.
_BATCH = 512
# New containers between two collections of the young generation during a scan (``run``).
_YOUNG_COLLECTED_AFTER = 10_000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="scan files, folders, archives or mail for student and staff data",
        description="Scan files, folders, archives and mail (or '-' for standard input).",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a file, a folder, or '-'")
    parser.add_argument("--format", choices=("text", "jsonl"), default="text")
    add_detection_options(parser)
    parser.set_defaults(func=run)


def _items(paths: list[str], limits: Limits) -> Iterator[Segment | Unscannable]:
    from dlp.extract import extract_bytes, extract_path

    for name in paths:
        if name == "-":
            data = sys.stdin.buffer.read()
            yield from extract_bytes(data, STDIN_NAME, Location((STDIN_NAME,)), limits)
            continue
        path = Path(name)
        if not path.exists():
            raise UsageError(f"{name}: no such file or folder")
        if not os.access(path, os.R_OK):
            raise UsageError(f"{name}: permission denied")
        yield from extract_path(path, limits)


def _text_line(item: Finding | Unscannable) -> str:
    if isinstance(item, Unscannable):
        detail = f" ({item.detail})" if item.detail else ""
        return f"{item.location.masked()}: UNSCANNABLE {item.reason.value}{detail}"
    context = f" near {', '.join(item.context_words)}" if item.context_words else ""
    where, start, end = item.location.masked(), item.start, item.end
    if item.at is not None:
        # In a text file: FILE:LINE:COLUMN as compilers write it (editors jump there), and
        # the characters from the start of the file, not the block the scan read it in.
        where = f"{replace(item.location, row=None).masked()}:{item.at.line}:{item.at.column}"
        start, end = item.at.offset, item.at.offset + item.end - item.start
    return (
        f"{where}: {item.entity_type} [{item.category.value}] {item.masked} "
        f"score={item.score:.2f} at {start}-{end}{context}"
    )


def report(items: Iterable[Finding | Unscannable], output_format: str, out: TextIO) -> int:
    """Print every item; returns how many there were."""
    count = 0
    write = out.write
    if output_format != "jsonl":
        for item in items:
            count += 1
            write(_text_line(item) + "\n")
        return count
    # One encoder for every line (json.dumps with an option makes one per call), and each
    # location masked once for the findings that share it.
    encode = _JSON.encode
    location, masked = None, ""
    # Lines written a batch at a time, joined: a write to a text stream per line cost about
    # 0.6 µs, a batch's 0.4 µs a line. Line by line to a terminal (line-buffered), where each
    # shows as it comes.
    batch = 1 if getattr(out, "line_buffering", False) else _BATCH
    lines: list[str] = []
    add = lines.append
    # (each item is one line: counted by the batch, not one at a time)
    try:
        for item in items:
            if isinstance(item, Finding):
                if item.location is not location:
                    location, masked = item.location, item.location.masked()
                line = item.json_line(masked)
                add(encode(item.to_dict(masked)) + "\n" if line is None else line)
            else:
                add(encode(item.to_dict()) + "\n")
            if len(lines) >= batch:
                count += len(lines)
                write("".join(lines))
                lines.clear()
    finally:
        if lines:  # (what was found before a failure is written all the same)
            count += len(lines)
            write("".join(lines))
    return count


def run(args: argparse.Namespace) -> int:
    from dlp.engine import Scanner, build_scanner
    from dlp.extract import Limits
    from dlp.pipeline import scan_items

    config = detection_config(
        args,
        "digests are valid for this run only (set DLP_SECRET or --secret-file for stable digests)",
    )
    try:
        scanner: Scanner = build_scanner(config)
    except ValueError as error:  # a bad recognizer file, a roster that cannot be opened
        raise UsageError(str(error)) from None
    # What exists now (the scanner, every module) outlives the scan: kept out of the
    # collector's full passes while it runs, which a scan dense with findings sets off and
    # which walked all of it each time (a sixth of a second, 2% of the CPU, on 21 MB with
    # 170,000 findings); given back after, so that a caller in the same process loses nothing.
    gc.freeze()
    # And the young generation collected after 10,000 new containers, not 700: a finding
    # makes a dozen (its match, finding, position, forms, line), nearly all freed by their
    # count, and each collection walked the segment's live matches and findings again (a
    # tenth of a finding's cost on a dense text). The scan makes few cycles; memory as before.
    thresholds = gc.get_threshold()
    gc.set_threshold(_YOUNG_COLLECTED_AFTER, *thresholds[1:])
    try:
        # (no paragraphs: neither format writes them; they are for the policy's near())
        items = scan_items(_items(args.paths, Limits()), scanner, paragraphs=False)
        count = report(items, args.format, sys.stdout)
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    return 1 if count else 0
