"""Zip files: Office Open XML and OpenDocument files are zips too, told apart by members."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from dlp.extract import docx, iwork, odf, pptx, xlsx
from dlp.extract.context import Context, Item
from dlp.extract.members import check_total, extract_members
from dlp.extract.source import Source
from dlp.model import Location, Unscannable, UnscannableReason

# macOS adds resource-fork copies of every file here; they hold metadata, not content.
_SKIPPED_PREFIXES = ("__MACOSX/",)


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    with source.open() as raw, zipfile.ZipFile(raw) as archive:
        infos = archive.infolist()
        check_total(sum(info.file_size for info in infos), source.size, ctx)
        names = {info.filename for info in infos}
        if "word/document.xml" in names:
            yield from docx.extract(archive, location, ctx)
        elif "xl/workbook.xml" in names:
            yield from xlsx.extract(archive, location, ctx)
        elif "ppt/presentation.xml" in names:
            yield from pptx.extract(archive, location, ctx)
        elif "mimetype" in names and odf.is_odf(archive):
            yield from odf.extract(archive, location, ctx)
        elif iwork.is_iwork(names):
            yield from iwork.extract(archive, location, ctx)
        elif iwork.is_locked_iwork09(infos):
            yield Unscannable(
                location, UnscannableReason.ENCRYPTED, "password-protected iWork '09 document"
            )
        else:
            members = [i for i in infos if not i.filename.startswith(_SKIPPED_PREFIXES)]
            yield from extract_members(archive, members, location, ctx)
