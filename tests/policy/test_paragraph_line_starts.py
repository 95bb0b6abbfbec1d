"""Closing lines and student labels found after each line break are those the "^" patterns
find at every offset (the patterns as they were, with their own walk, kept here as the
reference)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.paragraphs import label_ends, signature_spans

_CLOSING = re.compile(
    r"^[ \t>]*(?:--|(?:many |kind |best |warm )?(?:thanks|thank you|regards|best|cheers|"
    r"sincerely|respectfully|take care)(?: you)?(?: so much| again)?|"
    r"(?:un )?saludos?(?: cordiales)?|atentamente|cordialmente|gracias|muchas gracias)"
    r"[ \t]*[,.!]?[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_STUDENT_LABEL = re.compile(
    r"^[ \t]*(?:student(?:'s)?(?: full)?(?: name)?|name of student|child(?:'s name)?|"
    r"estudiante|alumn[oa]|nombre del (?:estudiante|alumn[oa]))[ \t]*:[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_BLANK_LINE = re.compile(r"\n(?:[ \t\r\f\v]*\n)+")


def _walked_signatures(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _CLOSING.finditer(text):
        after = match.end()
        while after < len(text) and text[after] in " \t\r\n":
            after += 1
        blank = _BLANK_LINE.search(text, after)
        spans.append((match.start(), blank.start() if blank else len(text)))
    return spans


# Lines made of what the patterns read: closings, labels, their spacing and quoting, line
# breaks of both kinds, and words that are neither.
_PIECES = st.sampled_from(
    [
        "\n", "\r\n", "\n\n", " ", "\t", ">", ",", ".", "!", ":", "--", "-",
        "Thanks", "thank you", "Best regards", "REGARDS", "many thanks", "cheers", "Saludos",
        "un saludo cordiales", "Gracias", "Student", "student's full name", "Name of Student",
        "child's name", "Estudiante", "alumna", "Nombre del alumno", "Ana Lopez", "IEP", "x",
        "\u00e9", "\u2028", "\x0b",
    ]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_line_starts_are_the_walks(text: str) -> None:
    assert signature_spans(text) == _walked_signatures(text)
    assert label_ends(text) == [match.end() for match in _STUDENT_LABEL.finditer(text)]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_text(text: str) -> None:
    assert signature_spans(text) == _walked_signatures(text)
    assert label_ends(text) == [match.end() for match in _STUDENT_LABEL.finditer(text)]
