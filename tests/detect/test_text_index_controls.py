"""The text index tells an ASCII text that needs folding by the control characters its
translate marks (no ``needs_folding`` pass of its own): held to ``needs_folding``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.normalize import needs_folding
from dlp.detect.text_index import _LOWER_SKELETON, _LOWER_SKELETON_MARKED


def _marked(text: str) -> bool:
    return b"\x01" in text.encode("ascii").translate(_LOWER_SKELETON_MARKED)


def test_each_ascii_character_is_marked_when_it_needs_folding() -> None:
    for code in range(128):
        char = chr(code)
        assert _marked(char) == needs_folding(char), repr(char)
        assert _marked(char * 300) == needs_folding(char * 300), repr(char)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(max_codepoint=127), max_size=600))
def test_a_text_is_marked_when_it_needs_folding(text: str) -> None:
    assert _marked(text) == needs_folding(text)


def test_the_marked_skeleton_is_the_skeleton_where_nothing_is_marked() -> None:
    for code in range(256):
        if _LOWER_SKELETON_MARKED[code] != 1:
            assert _LOWER_SKELETON_MARKED[code] == _LOWER_SKELETON[code]
