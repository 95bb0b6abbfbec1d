"""Extraction: files, folders, archives and mail messages into located text segments.

Every input yields ``Segment``s or ``Unscannable``s with a reason, never an exception:

- ``extract_path(path, limits)``: a file or a folder (recursing; locations start with the
  folder's own name); archives, compressed files and attachments are opened and read.
- ``extract_bytes(data, name, location, limits)``: content in memory; ``name`` only helps
  recognise the format.
- ``extract_stream(stream, name, location, limits)``: an open binary stream.
- ``extract_message(raw, location, limits)``: one RFC 5322 message (the SMTP gateway's path).

``Limits`` bounds size, characters, nesting depth (deeper is reported as BOMB), member count,
compression ratio and time per file (checked between pages, rows and members; see context.py),
and OCR of images and scanned pages: pages, seconds and pixels (see ocrpage.py and images.py).
"""

from typing import TYPE_CHECKING, Any

from dlp.extract.limits import Limits

if TYPE_CHECKING:
    from dlp.extract.dispatch import extract_bytes, extract_message, extract_path, extract_stream

__all__ = ["Limits", "extract_bytes", "extract_message", "extract_path", "extract_stream"]
_DISPATCH = frozenset(__all__) - {"Limits"}


def __getattr__(name: str) -> Any:
    # The extractors and their libraries (py7zr, PDF, Office) load at the first use of one, not
    # with every module of the package: the scanner needs only `ocrmark`, `dlp --help` none.
    if name in _DISPATCH:
        from dlp.extract import dispatch

        return getattr(dispatch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
