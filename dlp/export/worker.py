"""One file of an export: read once (hashing it as it goes), extracted, scanned.

Runs in a worker process, local or on a Dask worker. The scanner holds a Hyperscan database that
cannot be pickled, so each process builds it once and keeps it here, keyed by the configuration
it was built from (``scanner_for``): tasks carry only the small, picklable configuration.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import tempfile
import threading
import time
import weakref
import zipfile
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import compress, repeat
from operator import is_, not_
from typing import IO, Any

from dlp.engine import DetectionConfig, Scanner, build_scanner
from dlp.export import result as r
from dlp.export.batching import (
    MAX_BATCH_CHARS,
    MAX_BATCH_SEGMENTS,
    MAX_SEGMENT_CHARS,
    CandidateGate,
)
from dlp.export.batching import SEPARATOR as BATCH_SEPARATOR
from dlp.export.candidates import CandidateLocations, Owners, PreviewCut, remembered_before
from dlp.export.cellmemo import (
    NOTHING,
    UNKNOWN,
    CellMemo,
    Held,
    row_headers,
    rows_of,
    usable,
)
from dlp.export.clauses import clauses_for, risk_score
from dlp.export.files import ExportFile
from dlp.export.metadata import FileMeta
from dlp.export.naming import ShownLocations, path_digest, shown_path
from dlp.extract import Limits, extract_stream
from dlp.extract.celltable import TextCells, cell, cell_totals, packed
from dlp.extract.context import OcrBudget
from dlp.extract.inflate import open_member
from dlp.identifiers import FILE_NAME, Names, names_of, renamed
from dlp.model import (
    Finding,
    Location,
    Segment,
    Unscannable,
    UnscannableReason,
    mask_name,
)
from dlp.packing import Run, cut_runs, join_runs

_CHUNK = 1024 * 1024
_SPOOL_IN_MEMORY = 8 * 1024 * 1024
# One scanner per configuration per process (see the module's docstring).
_SCANNERS: dict[str, Scanner] = {}
_GATES: dict[str, CandidateGate] = {}
_MEMOS: dict[str, CellMemo | None] = {}
_LAST_KEY: dict[str, tuple[DetectionConfig, str]] = {}  # (``config_key``)
_CONTENT_KEYS: dict[bytes, bytes] = {}  # {secret: its ``content_key``}
# Per scanner, the masked names a folder's name held (``_Scan._scan_names``), by the folder's
# path; at most _MAX_FOLDER_NAMES folders.
_FOLDER_NAMES: weakref.WeakKeyDictionary[Scanner, dict[tuple[str, ...], Names]] = (
    weakref.WeakKeyDictionary()
)
_MAX_FOLDER_NAMES = 16_384
# A batch of at least _DENSE_SAMPLE texts of which this share were candidates: the next
# _UNGATED_BATCHES batches are scanned whole (``_Scan._scan_batch``).
_DENSE_SAMPLE = 64
_DENSE_SHARE = 0.75
_UNGATED_BATCHES = 8
# The export's zip parts stay open between tasks: opening one parses its whole central
# directory, which for a part of tens of thousands of members costs more than a small member.
# Per thread, since a Dask worker may run several tasks at once and one could close a part
# another is reading.
_OPEN = threading.local()
_MAX_OPEN_ARCHIVES = 4


def _distinct(
    todo: list[int], never: set[int], headers: list[str], texts: list[str]
) -> tuple[list[int], list[tuple[int, int]]]:
    """The texts to gate and scan: the first of those with the same header and text that the
    memo may answer for (all but ``never``), and the repeats, each as (its index, the
    first's). A repeat holds what the first one does, exactly as if the memo had been told in
    between (a first batch of a roster repeats its grades and teachers row after row)."""
    firsts: dict[tuple[str, str], int] = {}
    distinct: list[int] = []
    repeats: list[tuple[int, int]] = []
    for index in todo:
        if index in never:
            distinct.append(index)
            continue
        first = firsts.setdefault((headers[index], texts[index]), index)
        if first == index:
            distinct.append(index)
        else:
            repeats.append((index, first))
    return distinct, repeats


class _MaskedNames(dict[str, str]):
    """Each name's ``mask_name``, made once: a file's previews share its path, sheets and
    columns. Kept for one file's scan only, since a name can hold a protected value."""

    def __missing__(self, name: str) -> str:
        masked = self[name] = mask_name(name)
        return masked


class _Batch:
    """Short texts waiting for the gate: whole segments (lo = hi = -1) and runs of cells
    lo..hi-1 of packed ones."""

    __slots__ = ("chars", "count", "pieces")

    def __init__(self) -> None:
        self.pieces: list[Run] = []
        self.count = 0
        self.chars = 0

    def add(self, segment: Segment) -> None:
        self.pieces.append((segment, -1, -1))
        self.count += 1
        self.chars += len(segment.text)

    def add_cells(self, segment: Segment, lo: int, hi: int, chars: int) -> None:
        self.pieces.append((segment, lo, hi))
        self.count += hi - lo
        self.chars += chars

    def take(self) -> tuple[list[Run], int]:
        pieces, chars = self.pieces, self.chars
        self.pieces, self.count, self.chars = [], 0, 0
        return pieces, chars


def config_key(config: DetectionConfig) -> str:
    """The configuration's digest, remembered for the last object asked about: a worker is
    given the same one for every task (pickling it for each cost more than a small file's
    scan's own bookkeeping)."""
    last = _LAST_KEY.get("config")
    if last is not None and last[0] is config:
        return last[1]
    key = hashlib.sha256(pickle.dumps(config)).hexdigest()
    _LAST_KEY["config"] = (config, key)
    return key


def content_key(secret: bytes) -> bytes:
    """The key of files' content hashes: keyed, because a small file's plain SHA-256 could be
    brute-forced back to the one value it holds. Derived from the configuration's secret
    once per process, as the scanner is (it was made again for every file)."""
    key = _CONTENT_KEYS.get(secret)
    if key is None:
        if len(_CONTENT_KEYS) >= 8:
            _CONTENT_KEYS.clear()
        key = _CONTENT_KEYS[secret] = hmac.digest(secret, b"k12-dlp/export/content", hashlib.sha256)
    return key


def scanner_for(config: DetectionConfig, key: str | None = None) -> Scanner:
    if key is None:
        key = config_key(config)
    scanner = _SCANNERS.get(key)
    if scanner is None:
        scanner = _SCANNERS[key] = build_scanner(config)
        gate = _GATES[key] = CandidateGate(scanner)
        # Without the gate (anchored patterns, a spaCy model) cells are not scanned alone.
        _MEMOS[key] = CellMemo(scanner) if gate.enabled else None
    return scanner


def warm(config: DetectionConfig) -> int:
    """Build this process's scanner now (a process pool's initializer, a Dask ``client.run``),
    and the worksheet reader's compiled kernel (loaded from numba's cache, or compiled)."""
    from dlp.extract import sheetkernel
    from dlp.extract.dispatch import load_extractors

    # An address makes the e-mail rule load its suffix list (most of a second), here rather
    # than in the first file's detection time; the extractors load here too.
    scanner_for(config).scan(Segment("warm@example.org"))
    sheetkernel.warm()
    load_extractors()
    return len(_SCANNERS)


def _archive(path: str) -> zipfile.ZipFile:
    """An open export zip part, reopened when the file on disk changed."""
    archives: dict[tuple[str, int, float], zipfile.ZipFile] = _OPEN.__dict__.setdefault(
        "archives", {}
    )
    info = os.stat(path)
    key = (path, info.st_size, info.st_mtime)
    archive = archives.get(key)
    if archive is None:
        while len(archives) >= _MAX_OPEN_ARCHIVES:
            archives.pop(next(iter(archives))).close()
        archive = archives[key] = zipfile.ZipFile(path)
    return archive


@dataclass(frozen=True, slots=True)
class Task:
    """A unit of work as shipped to a worker: the file, what the metadata says, the baseline."""

    file: ExportFile
    meta: FileMeta
    exposure: str
    baseline_hash: str | None = None
    # Stop reading a file once this many findings are in (0: never): a roster with thousands
    # of student IDs is flagged by its first few hundred, and every finding costs detection
    # time. The counts are then lower bounds, and the result says so (``truncated``).
    max_findings: int = 0


def scan_task(task: Task, config: DetectionConfig, limits: Limits) -> r.FileResult:
    """Never raises for a bad file: every failure becomes an unscannable entry."""
    key = config_key(config)
    scanner = scanner_for(config, key)
    return _Scan(task, scanner, _GATES[key], limits, _MEMOS[key]).run()


class _Scan:
    def __init__(
        self,
        task: Task,
        scanner: Scanner,
        gate: CandidateGate,
        limits: Limits,
        memo: CellMemo | None = None,
    ) -> None:
        self.task = task
        self.memo = memo
        self.file = task.file
        self.scanner = scanner
        self.gate = gate
        self.secret = scanner.config.secret
        self.limits = limits
        self.location = Location(self.file.location)
        self.counts: Counter[str] = Counter()
        self.categories: Counter[str] = Counter()
        self.clauses: Counter[str] = Counter()
        self.findings: list[dict[str, Any]] = []
        self.unscannable: list[dict[str, Any]] = []
        self.unscannable_total = 0
        self.found = 0
        self.truncated = False
        self.chars = 0
        self.read = self.extract = self.detect = 0.0
        self.content_hash = ""
        # The previews' locations, masked by the names that held findings (``names``).
        self.shown = ShownLocations(_MaskedNames().__getitem__)
        self.names: Names = self.shown.names
        self.ocr = OcrBudget()  # what OCR took in this file
        self.ungated = 0  # batches still to scan without the gate (``_scan_batch``)

    def run(self) -> r.FileResult:
        try:
            return self._run()
        finally:
            if self.memo is not None:
                self.memo.forget_findings()

    def _run(self) -> r.FileResult:
        self._scan_names()
        kind = self.file.skip_kind
        if kind == "image" and self.limits.ocr:
            kind = None  # read by OCR
        if kind is not None:
            reason = (
                UnscannableReason.IMAGE_CONTENT
                if kind == "image"
                else (UnscannableReason.UNSUPPORTED)
            )
            detail = (
                "an image, skipped by type (text in images is not read)"
                if kind == "image"
                else "audio or video, skipped by type"
            )
            self._unscannable(Unscannable(self.location, reason, detail))
            return self._result(r.FINDINGS if self.counts else r.NOT_SCANNED)
        refusal = self._refusal()
        if refusal is not None:
            self._unscannable(refusal)
            return self._result(r.UNSCANNABLE)
        started = time.perf_counter()
        try:
            stream = self._open_hashed()
        except (OSError, zipfile.BadZipFile, EOFError, ValueError) as error:
            self.read += time.perf_counter() - started
            self._unscannable(
                Unscannable(
                    self.location,
                    UnscannableReason.CORRUPT,
                    f"could not be read from the export ({type(error).__name__})",
                )
            )
            return self._result(r.UNSCANNABLE)
        self.read += time.perf_counter() - started
        with stream:
            if self.task.baseline_hash == self.content_hash:
                self._forget_findings()  # its name's too: reported with the baseline
                return self._result(r.UNCHANGED)
            items = extract_stream(stream, self.file.name, self.location, self.limits, ocr=self.ocr)
            try:
                self._scan(items)
            finally:
                # Stopping early must still close the extractor's open members and spools.
                close = getattr(items, "close", None)
                if close is not None:
                    close()
        if self.counts:
            return self._result(r.FINDINGS)
        return self._result(r.UNSCANNABLE if self.unscannable_total else r.CLEAN)

    def _scan_names(self) -> None:
        """The file's path is content too: its own name's findings count as the file's, and
        every name that holds one (a folder's too) is shown masked by it."""
        path = self.location.path
        folders = _FOLDER_NAMES.setdefault(self.scanner, {})
        for index in range(len(path)):
            segment = Segment(path[index], Location(path[: index + 1], part=FILE_NAME))
            if index == len(path) - 1:
                self._scan_one(segment)
                continue
            # An export's files share a few folders (its zip part, the owner, the course):
            # each folder's name is scanned once per process.
            named = folders.get(path[: index + 1])
            if named is None:
                if len(folders) >= _MAX_FOLDER_NAMES:
                    folders.clear()
                named = folders[path[: index + 1]] = names_of(self.scanner.scan(segment))
            self.shown.add(named)

    def _forget_findings(self) -> None:
        self.counts.clear()
        self.categories.clear()
        self.clauses.clear()
        self.findings.clear()
        self.found = 0

    def _refusal(self) -> Unscannable | None:
        """Refused on what the zip's directory says, before a byte is decompressed."""
        file, limits = self.file, self.limits
        if file.encrypted:
            return Unscannable(
                self.location, UnscannableReason.ENCRYPTED, "encrypted in the export's zip"
            )
        limit = max(limits.max_file_bytes, limits.max_archive_bytes)
        if file.size > limit:
            return Unscannable(
                self.location,
                UnscannableReason.TOO_LARGE,
                f"{file.size:,} bytes is over the {limit:,}-byte limit",
            )
        if (
            file.member is not None
            and file.size > limits.ratio_floor_bytes
            and file.size / max(file.compressed_size, 1) > limits.max_ratio
        ):
            return Unscannable(
                self.location,
                UnscannableReason.BOMB,
                f"expands more than {limits.max_ratio:g} times in the zip",
            )
        return None

    def _open_hashed(self) -> IO[bytes]:
        """The file's bytes as a seekable stream, hashed on the way (memory stays bounded)."""
        digest = hmac.new(content_key(self.secret), digestmod=hashlib.sha256)
        if self.file.member is None:
            handle = open(self.file.disk_path, "rb")  # noqa: SIM115 - closed by the caller
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
            handle.seek(0)
            self.content_hash = digest.hexdigest()
            return handle
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
        try:
            archive = _archive(self.file.disk_path)
            with open_member(archive, archive.getinfo(self.file.member)) as member:
                while chunk := member.read(_CHUNK):
                    digest.update(chunk)
                    spool.write(chunk)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        self.content_hash = digest.hexdigest()
        return spool

    def _scan(self, items: Iterator[Segment | Unscannable]) -> None:
        """Short segments wait in a batch that one gate pass thins out (see batching.py).

        A packed table (``dlp.extract.celltable``) counts as the cells it stands for: they
        join the batch one by one, exactly as if they had come as segments of their own.
        """
        clock = time.perf_counter
        batch = _Batch()
        while True:
            started = clock()
            item = next(items, None)
            self.extract += clock() - started
            if self._full():
                return
            if isinstance(item, Segment):
                if item.cells is not None:
                    if not self._table(item, batch):
                        return
                    continue
                if len(item.text) <= MAX_SEGMENT_CHARS:
                    batch.add(item)
                    if batch.count >= MAX_BATCH_SEGMENTS or batch.chars >= MAX_BATCH_CHARS:
                        self._scan_batch(batch)
                    continue
            if batch.count:
                self._scan_batch(batch)
            if item is None:
                return
            if isinstance(item, Unscannable):
                self._unscannable(item)
            elif not self._full():
                self._scan_one(item)

    def _table(self, segment: Segment, batch: _Batch) -> bool:
        """A packed segment's cells into the batch; False once the finding limit stops the
        file (checked wherever the next cell would have been fetched)."""
        assert segment.cells is not None
        totals, bigs = cell_totals(segment, MAX_SEGMENT_CHARS)
        count = len(totals)
        index = big = 0
        while index < count:
            if index and self._full():
                return False
            if index == bigs[big]:
                if batch.count:
                    self._scan_batch(batch)
                if not self._full():
                    self._scan_one(cell(segment, index))
                index += 1
                big += 1
                continue
            # Up to the next long cell, or to the cell that fills the batch.
            stop = bigs[big]
            before = int(totals[index - 1]) if index else 0
            # (bisect_left over totals[index:stop], in numpy)
            room = before + MAX_BATCH_CHARS - batch.chars
            filled = min(
                index + MAX_BATCH_SEGMENTS - batch.count - 1,
                index + int(totals[index:stop].searchsorted(room, "left")),
            )
            if filled < stop:
                batch.add_cells(segment, index, filled + 1, int(totals[filled]) - before)
                self._scan_batch(batch)
                index = filled + 1
            else:
                batch.add_cells(segment, index, stop, int(totals[stop - 1]) - before)
                index = stop
        return True

    def _previews_left(self) -> int | None:
        """How many more findings the file shows (past them, findings are only counted:
        ``PreviewCut``); None: every finding is made."""
        return max(r.MAX_PREVIEWS - len(self.findings), 0)

    def _full(self) -> bool:
        if self.task.max_findings and self.found >= self.task.max_findings:
            self.truncated = True
            return True
        return False

    def _scan_batch(self, batch: _Batch) -> None:
        """Every text of the batch counts as read; only the gate's candidates are scanned.

        Where nearly every text was a candidate (a roster: IDs, names, dates, phones), the
        gate's passes only repeat the scan's own: the next batches skip it and every
        non-empty text is scanned. The findings are the same, since the gate's texts are
        all those that can hold one and a packed scan finds in each text what it would alone
        (`dlp.export.batching`, ``celltable.packed``); the gate runs again now and then.

        A cell whose header and text were seen before (``cellmemo``) is neither gated nor
        scanned: it holds what it held then."""
        pieces, chars = batch.take()
        if self._full():
            return
        started = time.perf_counter()
        self.chars += chars
        told = self._known_run(pieces)
        if told:
            self.detect += time.perf_counter() - started
            return
        owners = Owners(pieces)
        memo = self.memo
        todo: Sequence[int]
        known: list[Held | None] | None = None
        never: set[int] = set()
        repeats: list[tuple[int, int]] = []
        every, headers = cut_runs(pieces)
        rows = None
        if memo is not None and told is None:
            rows = rows_of(headers, owners.spans(len(headers)))
        if memo is None or (
            told is None and memo.labelled(headers if rows is None else row_headers(headers, rows))
        ):
            todo = range(len(every))
            text, starts, ends, headers = join_runs(pieces, BATCH_SEPARATOR)
            marks = self._marks(text, starts, ends, headers)
        else:
            if told is None:
                never = owners.unusable()
                if rows is not None and not never and memo.knows_nothing(headers, every, rows):
                    # A table's rows known to hold nothing, told column by column.
                    self.detect += time.perf_counter() - started
                    return
            known = memo.lookup(headers, every)
            for index in never:
                known[index] = UNKNOWN
            if not any(known):
                # Every text known to hold nothing (a batch not read as rows, or with texts
                # the memo may not answer for): nothing to gate, scan or record.
                self.detect += time.perf_counter() - started
                return
            todo = list(compress(range(len(known)), map(is_, known, repeat(UNKNOWN))))
            for index in todo:
                known[index] = None
            todo, repeats = _distinct(todo, never, headers, every)
            if len(todo) == len(known):
                marks = self._marks_of(every, headers)
            else:
                marks = self._marks_of([every[i] for i in todo], [headers[i] for i in todo])
        self.detect += time.perf_counter() - started
        candidates = list(compress(todo, marks))
        texts = [every[index] for index in candidates]
        contexts = [headers[index] for index in candidates]
        found: Sequence[Sequence[Finding | str]]
        left = self._previews_left()
        number_of = {index: number for number, index in enumerate(candidates)} if repeats else {}
        if left is None:
            found = self._scan_candidates(texts, contexts, owners.locations(candidates))
        else:
            before = remembered_before(known, candidates) if known is not None else None
            cut = PreviewCut(
                owners.locations(candidates),
                owners.plain(candidates),
                before or [0] * len(candidates),
                left,
                [
                    (bisect_left(candidates, index), number_of[first])
                    for index, first in repeats
                    if first in number_of
                ],
            )
            found = self._cut_candidates(texts, contexts, cut)
        if known is not None:
            assert memo is not None
            for index, first in repeats:
                number = number_of.get(first)
                known[index] = tuple(found[number]) if number is not None else NOTHING
            passed = list(compress(todo, map(not_, marks)))
            if never:
                passed = [index for index in passed if index not in never]
                scanned = [index not in never for index in candidates]
                memo.keep_cells(headers, every, passed)
                memo.keep_cells(
                    headers,
                    every,
                    list(compress(candidates, scanned)),
                    list(compress(found, scanned)),
                )
            else:
                memo.keep_cells(headers, every, passed)
                memo.keep_cells(headers, every, candidates, found)
        self._record_in_order(known, dict(zip(candidates, found, strict=True)), owners)

    def _known_run(self, pieces: list[Run]) -> bool | None:
        """Whether the batch is one run of a table's cells that the memo knows to hold
        nothing, told in the table's own lists (the batch's texts not copied out). False:
        such a run, read as rows, of a plainly located table, with no column label, that it
        does not (then the batch's own lists would tell the same: its texts are only looked
        up); None: not asked."""
        memo = self.memo
        if memo is None or len(pieces) != 1:
            return None
        segment, lo, hi = pieces[0]
        cells = segment.cells
        if lo < 0 or type(cells) is not TextCells or not usable(cells):
            return None
        headers, texts = cells.headers, cells.texts
        if type(headers) is not list or type(texts) is not list or not headers:
            return None
        rows = rows_of(headers, [(lo, hi)])
        if rows is None or memo.labelled(row_headers(headers, rows)):
            return None
        return memo.knows_nothing(headers, texts, rows)

    def _record_in_order(
        self,
        known: list[Held | None] | None,
        scanned: dict[int, Sequence[Finding | str]],
        owners: Owners,
    ) -> None:
        """Each text's findings in the batch's order: a scanned one's as found, a
        remembered one's in its own location (made only for the previews). Entity types
        alone (findings only counted, past the previews: ``PreviewCut``) are counted together."""
        held = [index for index, findings in scanned.items() if findings]
        if known is not None:
            held += compress(range(len(known)), known)  # remembered with findings
            held.sort()
        counted: list[str] = []
        for index in held:
            remembered = known[index] if known is not None else None
            findings = scanned[index] if remembered is None else remembered
            if isinstance(findings[0], str):  # (a text's are all made, or all counted)
                counted += findings  # type: ignore[arg-type]
            elif len(self.findings) >= r.MAX_PREVIEWS:
                counted += [finding.entity_type for finding in findings]  # type: ignore[union-attr]
                if remembered is None:
                    self.shown.add(names_of(findings))  # type: ignore[arg-type]
            elif remembered is None:
                self._record(findings)
            else:
                self._record(remembered, owners, index)
        if counted:
            self._count_types(counted)

    def _count_types(self, types: list[str]) -> None:
        self.found += len(types)
        self.counts.update(types)
        category_of = self.scanner.category_of
        for entity_type, times in Counter(types).items():
            category = category_of(entity_type)
            self.categories[category.value] += times
            for clause in clauses_for(entity_type, category, self.scanner.categories):
                self.clauses[clause] += times

    def _marks(
        self, text: str, starts: list[int], ends: list[int], headers: list[str]
    ) -> list[bool]:
        """The gate's candidates among the joined texts (every non-empty one while ungated)."""
        if self.ungated:
            self.ungated -= 1
            return list(map(int.__lt__, starts, ends))
        return self._dense(self.gate.candidates_in(text, starts, ends, headers))

    def _marks_of(self, texts: list[str], headers: list[str]) -> list[bool]:
        """The same for texts apart; a text under a header whose cells the gate nearly
        always passes is a candidate without it (``denseheaders``)."""
        if not texts:
            return []
        if self.ungated:
            self.ungated -= 1
            return list(map(bool, texts))
        gate = self.gate
        taken = gate.dense.taken(headers)
        if taken is None:
            marks = gate.candidates(texts, headers)
            gate.dense.judged(headers, marks)
            return self._dense(marks)
        marks = list(map(bool, texts))
        rest = list(compress(range(len(texts)), map(not_, taken)))
        if rest:
            judged = [headers[index] for index in rest]
            gated = gate.candidates([texts[index] for index in rest], judged)
            gate.dense.judged(judged, gated)
            for index, mark in zip(rest, gated, strict=True):
                marks[index] = mark
        return self._dense(marks)

    def _dense(self, marks: list[bool]) -> list[bool]:
        if len(marks) >= _DENSE_SAMPLE and sum(marks) >= _DENSE_SHARE * len(marks):
            self.ungated = _UNGATED_BATCHES
        return marks

    def _scan_candidates(
        self, texts: list[str], contexts: list[str], locations: CandidateLocations
    ) -> list[list[Finding]]:
        """Each candidate's findings, in the order of its own scan (by start, end, type): the
        candidates as one packed scan (``celltable.packed``: what ``dlp.packing`` does for the
        gateway, equal to scanning each alone). A scan's fixed cost (normalizing, indexing,
        the prefilter pass) was most of a sheet's detection time, paid per cell.

        Each finding names its cell's own ``Location`` object, which says whose it is; when
        two candidates share one object (never from a sheet), they are scanned one by one."""
        started = time.perf_counter()
        if len(texts) < 2 or locations.shared():
            by_cell = [
                self.scanner.scan(Segment(*one))
                for one in zip(texts, locations, contexts, strict=True)
            ]
            self.detect += time.perf_counter() - started
            return by_cell
        found = self.scanner.scan(packed(texts, contexts, locations))
        self.detect += time.perf_counter() - started
        owner = locations.owners()
        by_cell = [[] for _ in texts]
        for finding in found:  # in the order of each cell's own scan: by start, end, type
            by_cell[owner[id(finding.location)]].append(finding)
        return by_cell

    def _cut_candidates(
        self, texts: list[str], contexts: list[str], cut: PreviewCut
    ) -> list[list[Finding | str]]:
        """``_scan_candidates``, making only the findings a preview may be left for, and
        only counting the others (``PreviewCut``): each candidate's findings, or entity types."""
        started = time.perf_counter()
        lists = cut.lists
        if len(texts) < 2 or cut.real.shared():
            for number, text in enumerate(texts):
                location = cut.real[number]
                take = partial(cut.take_for, number)
                lists[number] += self.scanner.scan(Segment(text, location, contexts[number]), take)
        else:
            settled = cut.settled()
            locations: Sequence[Location] = settled or cut
            asked = cut.take_cell if settled is None else cut.take_cell_settled
            found = self.scanner.scan(packed(texts, contexts, locations), take_cell=asked)
            for finding in found:
                lists[cut.owner[id(finding.location)]].append(finding)
        self.detect += time.perf_counter() - started
        return lists

    def _scan_one(self, segment: Segment, counted: bool = False) -> None:
        if not counted:
            self.chars += len(segment.text)
        started = time.perf_counter()
        left = self._previews_left()
        if left is not None:
            cut = PreviewCut(CandidateLocations(), [False], [0], left)
            held = cut.lists[0]
            held += self.scanner.scan(segment, partial(cut.take_for, 0))
            self.detect += time.perf_counter() - started
            self._record_in_order(None, {0: held}, Owners([]))
            return
        found = self.scanner.scan(segment)
        self.detect += time.perf_counter() - started
        self._record(found)

    def _record(
        self, found: Sequence[Finding | str], owners: Owners | None = None, index: int = -1
    ) -> None:
        """``owners`` and ``index``: the findings are a remembered cell's (``cellmemo``),
        recorded as text ``index`` of the batch's own; a cell is no name, so it masks none."""
        self.found += len(found)
        if owners is None:
            # A member's name comes before what it holds: masked from here on (identifiers).
            self.shown.add(names_of(found))  # type: ignore[arg-type]
        where: Location | None = None
        shown = ""
        for finding in found:
            # (entity types alone are only counted, once every preview is taken)
            assert isinstance(finding, Finding)
            clauses = clauses_for(finding.entity_type, finding.category, self.scanner.categories)
            self.counts[finding.entity_type] += 1
            self.categories[finding.category.value] += 1
            for clause in clauses:
                self.clauses[clause] += 1
            if len(self.findings) < r.MAX_PREVIEWS:
                if owners is None:
                    if finding.location is not where:  # (a text's findings share one)
                        where = finding.location
                        shown = self.shown(where)
                elif where is None:
                    where = owners.location_of(index)
                    shown = self.shown(where)
                self.findings.append(
                    {
                        "location": shown,
                        "entity_type": finding.entity_type,
                        "category": finding.category.value,
                        "clauses": list(clauses),
                        "masked": finding.masked,
                        "score": round(finding.score, 3),
                        "digest": finding.digest,
                    }
                )

    def _unscannable(self, item: Unscannable) -> None:
        self.unscannable_total += 1
        if len(self.unscannable) < r.MAX_UNSCANNABLE:
            self.unscannable.append(
                replace(item, location=renamed(item.location, self.names)).to_dict()
            )

    def _result(self, status: str) -> r.FileResult:
        file, meta = self.file, self.task.meta
        counts = dict(self.counts)
        shown = shown_path(file.location, file.drive_path, self.names, self.shown.mask)
        return r.FileResult(
            key=path_digest(self.secret, file.key),
            drive_key=path_digest(self.secret, file.drive_key),
            location=shown.location,
            folder=shown.folder,
            size=file.size,
            mtime=file.mtime,
            content_hash=self.content_hash,
            owner=meta.owner,
            shared_with=meta.shared_with,
            exposure=self.task.exposure,
            status=status,
            metadata_source=meta.source,
            counts=counts,
            categories=dict(self.categories),
            clauses=dict(self.clauses),
            findings=tuple(self.findings),
            findings_total=sum(counts.values()),
            unscannable=tuple(self.unscannable),
            unscannable_total=self.unscannable_total,
            risk=risk_score(counts, self.task.exposure),
            truncated=self.truncated,
            chars=self.chars,
            seconds_read=round(self.read, 6),
            seconds_extract=round(self.extract, 6),
            seconds_detect=round(self.detect, 6),
            ocr_pages=self.ocr.pages,
            seconds_ocr=round(self.ocr.seconds, 6),
        )
