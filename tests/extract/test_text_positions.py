"""Findings in a text file say where they are in the whole file: line, column and offset.

`dlp scan letter.txt` placed an SSN on line 4 at "row 1" with offsets inside a block. The file
is read in blocks, re-cut at line ends, small pieces packed together; each finding's position
must still be the one an editor shows, whichever block it was read in.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.extract import Limits, extract_path
from dlp.model import TextAt
from dlp.pipeline import scan_items

SSN = "536-22-1234"


def expected(text: str, index: int) -> TextAt:
    before = text[:index]
    return TextAt(before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1, index)


lines = st.lists(st.text(st.sampled_from("ab é\t.,;"), max_size=30), min_size=0, max_size=40)


@given(st.text(st.sampled_from("ab\né\t"), max_size=60), st.data())
def test_advancing_in_steps_is_advancing_at_once(text: str, data: st.DataObject) -> None:
    middle = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(middle, len(text)))
    start = TextAt()
    assert start.advance(text, 0, end) == expected(text, end)
    assert start.advance(text, 0, middle).advance(text, middle, end) == expected(text, end)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=lines, after=lines, column=st.integers(0, 20), block=st.sampled_from([64, 200]))
def test_an_ssn_anywhere_in_a_file_is_placed_in_the_file(
    scanner, tmp_path_factory, before: list[str], after: list[str], column: int, block: int
) -> None:
    """Blocks of 64 or 200 characters: the SSN's line is read in a later block, packed with
    others, or split from its context across blocks; its place is the file's all the same."""
    line = " " * column + f"SSN {SSN} on file"
    text = "\n".join([*before, line, *after]) + "\n"
    path = tmp_path_factory.mktemp("text") / "letter.txt"
    path.write_text(text, encoding="utf-8")
    found = [
        item
        for item in scan_items(extract_path(path, Limits(segment_chars=block)), scanner)
        if getattr(item, "entity_type", None) == "US_SSN"
    ]
    index = text.index(SSN)
    assert [item.at for item in found] == [expected(text, index)]  # type: ignore[union-attr]
    assert found[0].to_dict()["absolute_end"] == index + len(SSN)


def test_windows_line_ends_count_once(scanner, tmp_path: Path) -> None:
    """Read with universal newlines: CRLF is one character, and columns are characters."""
    path = tmp_path / "letter.txt"
    path.write_bytes("Dear parent,\r\n\r\nRé: records\r\nSSN: 536-22-1234\r\n".encode())
    [finding] = scan_items(extract_path(path), scanner)
    assert finding.at == TextAt(4, 6, 31)  # type: ignore[union-attr]
