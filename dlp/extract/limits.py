"""The explicit bounds every extraction runs under."""

from __future__ import annotations

from dataclasses import dataclass

from dlp.model import UnscannableReason

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """How far extraction may go before it stops and reports why.

    Sizes are checked before anything is read where the size is known in advance (a file's
    size on disk, an archive member's declared size) and again while bytes are read, because
    declared sizes can lie.

    Nesting deeper than ``max_depth`` containers (archives, compressed files, attached
    messages) is reported as ``BOMB``: real exports do not nest that deep, recursive
    archives do.
    """

    # One file, attachment or archive member that is not itself an archive.
    max_file_bytes: int = 256 * MiB
    # One mail message (an .eml, a message of a mailbox, an attached message): the mail parser
    # holds a message in memory several times over, so its bound is lower than a file's.
    max_message_bytes: int = 64 * MiB
    # An archive or mailbox file (zip, tar, gz, mbox): its members obey max_file_bytes.
    max_archive_bytes: int = 16 * 1024 * MiB
    # Characters extracted from one item (one file given, one file of a folder, one message).
    max_chars: int = 64 * MiB
    max_depth: int = 5
    max_members: int = 10_000
    # Uncompressed/compressed size; only judged once the uncompressed size passes ratio_floor.
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MiB
    # Time spent inside the extractor of one file (not in the caller, not in nested members).
    max_seconds: float = 60.0
    # A table's first cells are handed over before their block is complete, for a consumer
    # that may stop at its first findings (the export's finding limit); one that reads every
    # cell anyway (the gateway) turns this off and gets whole blocks, never re-joined.
    early_blocks: bool = True
    # Prose is cut into segments of about this many characters, at line boundaries.
    segment_chars: int = 64 * 1024
    # OCR of images and scanned PDF pages (dlp.extract.ocr). The page and second budgets are
    # per top-level item (one message, one file): past them the rest is ``OCR_LIMIT``.
    ocr: bool = True
    ocr_engine: str = "rapidocr"
    ocr_max_pages: int = 10
    ocr_max_seconds: float = 10.0
    # An image or rendered page over this many pixels is a BOMB (never decoded); 50 MP holds a
    # 48 MP phone photo. Read images are shrunk to ``ocr_max_side`` first (text stays legible).
    ocr_max_pixels: int = 50_000_000
    ocr_max_side: int = 2600
    # 12-point type is 25 pixels high at 150 DPI, legible to both engines; 200 DPI costs
    # RapidOCR half as much time again on a dense page.
    ocr_dpi: int = 150
    # Smaller on either side: an icon, a logo or a spacer, not a document.
    ocr_min_side: int = 64


class LimitExceeded(Exception):
    """Raised inside an extractor to stop it and report an Unscannable."""

    def __init__(self, reason: UnscannableReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
