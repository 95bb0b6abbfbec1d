"""``text_index._glued_start`` asks whether the character before a glued label is one the
skeleton keeps by ``isalnum`` and "#" rather than by making its skeleton
(``not skeleton(before).strip()``, two calls a place): the two tests agree on every code
point, and the function agrees with the one that made the skeleton on any text."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.text_index import _glued_start, skeleton


def _glued_start_with_skeleton(text: str, start: int, after_word: bool) -> bool:
    """``_glued_start`` as it was, with the skeleton of the character before."""
    if start == 0:
        return not after_word
    before = text[start - 1]
    if before.isdigit() or not skeleton(before).strip():
        return not after_word
    return before.islower() and text[start].isupper()


def test_the_skeleton_keeps_a_character_exactly_when_it_is_alphanumeric_or_a_hash() -> None:
    differ = [
        code
        for code in range(sys.maxunicode + 1)
        if (not skeleton(chr(code)).strip()) != (not (chr(code).isalnum() or chr(code) == "#"))
    ]
    assert differ == []


# Letters of both cases in and out of ASCII, digits of other scripts, "#", "_", punctuation,
# spaces, symbols that are lower-case letters for ``islower`` but no word characters ("ⓐ").
CHARACTERS = st.sampled_from("aZ9#_ .-:/é\u00c9\u0660\u00b2\u24d0\u00aa\u2160\u00a0\t\n")


@settings(max_examples=400, deadline=None)
@given(text=st.text(CHARACTERS, min_size=1, max_size=6), data=st.data())
def test_glued_start_is_as_with_the_skeleton(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    for after_word in (False, True):
        assert _glued_start(text, start, after_word) == _glued_start_with_skeleton(
            text, start, after_word
        )
