"""The body of an Outlook message (.msg or TNEF): plain text, else HTML, else compressed RTF.

Outlook stores the same body up to three ways; the first one present is read, so that one
text is not scanned (and reported) three times.
"""

from __future__ import annotations

from collections.abc import Iterator

from dlp.extract import htmldoc, rtfdoc
from dlp.extract.context import Context, Item
from dlp.extract.plaintext import text_segments
from dlp.model import Location

# Outlook keeps RTF bodies compressed ("LZFu") or wrapped uncompressed ("MELA"); a reader that
# has already unpacked one hands over plain RTF.
_COMPRESSED_RTF = (b"LZFu", b"MELA")


def body_items(
    plain: str | None,
    html: str | bytes | None,
    rtf: bytes | None,
    location: Location,
    ctx: Context,
) -> Iterator[Item]:
    if plain and plain.strip():
        yield from text_segments(plain, location.with_detail(part="body"), ctx)
    elif html is not None:
        yield from htmldoc.html_segments(
            htmldoc.html_texts(html, None), location.with_detail(part="html body"), ctx
        )
    elif rtf is not None:
        if rtf[8:12] in _COMPRESSED_RTF:
            rtf = rtfdoc.decompress(rtf, ctx.limits.max_file_bytes)
        yield from text_segments(rtfdoc.rtf_text(rtf), location.with_detail(part="body"), ctx)
