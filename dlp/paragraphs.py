"""Which paragraph of its segment each finding is in, for the policy's ``near()``.

A name makes a student identifiable only beside a student signal (an IEP, a grade, a student
ID) in the same paragraph: in staff mail a colleague's name in one paragraph and "IEP" in
another are two different things. Offsets alone cannot tell; a blank line can. The detectors
report where things are; `dlp.policy.facts` decides what counts as near.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from functools import partial

from dlp.frozen import quick_replace
from dlp.model import CellTable, Finding, Location, Segment

# Blank lines: a line break, then lines of only spaces or tabs, each ended by a line break.
_BLANK_LINE = re.compile(r"\n(?:[ \t\r\f\v]*\n)+")
# A closing line: a signature follows it ("Thanks,", "Best regards", "Saludos cordiales",
# "-- "). Short, alone on its line: what follows the line's start.
_CLOSING_LINE = (
    r"[ \t>]*(?:--|(?:many |kind |best |warm )?(?:thanks|thank you|regards|best|cheers|"
    r"sincerely|respectfully|take care)(?: you)?(?: so much| again)?|"
    r"(?:un )?saludos?(?: cordiales)?|atentamente|cordialmente|gracias|muchas gracias)"
    r"[ \t]*[,.!]?[ \t]*\r?$"
)
_CLOSING = re.compile("^" + _CLOSING_LINE, re.IGNORECASE | re.MULTILINE)
# Each also after the line break that starts its line: a pattern that begins with a literal is
# searched for that character first, where one that begins with "^" is tried at every offset
# (most of the time of placing a dense 21 MB scan's findings in paragraphs). A text's first
# line is matched apart (``_line_starts``).
_CLOSING_AFTER_BREAK = re.compile("\n" + _CLOSING_LINE, re.IGNORECASE | re.MULTILINE)
# The paragraph of a finding in a signature block: the sender's own name, title and school
# ("Special Education Teacher") are not about a student, and are near nothing.
SIGNATURE = -1
# A student label at the start of a line ("Student Name:", "Estudiante:"): a form or record
# about the student named after it, however many paragraphs its terms come in.
_LABEL_LINE = (
    r"[ \t]*(?:student(?:'s)?(?: full)?(?: name)?|name of student|child(?:'s name)?|"
    r"estudiante|alumn[oa]|nombre del (?:estudiante|alumn[oa]))[ \t]*:[ \t]*"
)
_STUDENT_LABEL = re.compile("^" + _LABEL_LINE, re.IGNORECASE | re.MULTILINE)
_LABEL_AFTER_BREAK = re.compile("\n" + _LABEL_LINE, re.IGNORECASE | re.MULTILINE)
# How far after a label's colon and spaces the name may start: past a title or a bracket.
_LABEL_GAP = 4
# The paragraph of a name right after a student label: near any student signal of its segment.
LABELED = -2
# The entity types whose findings ask for paragraphs: only a name needs its neighbours placed,
# so a segment without one costs nothing here.
PLACED_ENTITIES = frozenset({"PERSON"})


def paragraph_starts(text: str) -> list[int]:
    """The offsets where each paragraph after the first begins (after each blank-line run)."""
    return [match.end() for match in _BLANK_LINE.finditer(text)]


def signature_spans(text: str) -> list[tuple[int, int]]:
    """Signature blocks: from a closing line through the end of the paragraph after it (a blank
    line right after the closing is skipped: "Thanks,", blank, name and title)."""
    spans = []
    for start, after in _line_starts(_CLOSING, _CLOSING_AFTER_BREAK, text):
        while after < len(text) and text[after] in " \t\r\n":
            after += 1
        blank = _BLANK_LINE.search(text, after)
        spans.append((start, blank.start() if blank else len(text)))
    return spans


def label_ends(text: str) -> list[int]:
    """Where the name after each student label may begin."""
    return [end for _, end in _line_starts(_STUDENT_LABEL, _LABEL_AFTER_BREAK, text)]


def _line_starts(
    at_line_start: re.Pattern[str], after_break: re.Pattern[str], text: str
) -> list[tuple[int, int]]:
    """(start, end) of each match of ``at_line_start`` (a pattern that begins with "^" and
    matches no line break) in ``text``: the first line's, then those ``after_break`` finds
    (the same after its line break), which are ``finditer``'s since no match spans one."""
    first = at_line_start.match(text)
    found = [(first.start(), first.end())] if first else []
    found += [(match.start() + 1, match.end()) for match in after_break.finditer(text)]
    return found


def _merged(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """``spans`` as the starts and ends of disjoint sorted spans covering the same offsets."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(spans):
        if start >= end:
            continue
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _paragraph(
    starts: list[int],
    signatures: tuple[list[int], list[int]],
    labels: list[int],
    entity_type: str,
    offset: int,
) -> int:
    # Bisections, not a walk over every label and signature: a roster or a gradebook puts
    # tens of thousands of findings in one segment.
    if entity_type in PLACED_ENTITIES:
        # A label ending in [offset - _LABEL_GAP, offset] (``labels`` ascending).
        at = bisect_left(labels, offset - _LABEL_GAP)
        if at < len(labels) and labels[at] <= offset:
            return LABELED
    signature_starts, signature_ends = signatures
    at = bisect_right(signature_starts, offset) - 1
    if at >= 0 and offset < signature_ends[at]:
        return SIGNATURE
    return bisect_right(starts, offset)


def paragraph_of(text: str) -> Callable[[str, int], int]:
    """The paragraph index (or ``SIGNATURE``, ``LABELED``) of a finding of this entity type
    at this offset of ``text``, the text's paragraphs, signatures and labels found once: for
    a caller that makes the findings (``Scanner.scan``) and can give each its paragraph as
    it makes it, rather than have ``with_paragraphs`` copy every one."""
    return partial(
        _paragraph, paragraph_starts(text), _merged(signature_spans(text)), label_ends(text)
    )


# A finding with its paragraph, copied slot to slot (``dataclasses.replace`` reads every field
# into a call of ``__init__``, which cost as much as making the finding).
_placed = quick_replace(Finding, "paragraph")


def with_paragraphs(segment: Segment, findings: Sequence[Finding]) -> Sequence[Finding]:
    """``findings`` of ``segment`` with their paragraph's index, when a name is among them.

    In a packed segment a finding's offsets are its cell's: the cell's start is added back, so
    indices count over the packed text (findings are compared within one location only).
    """
    if not any(f.entity_type in PLACED_ENTITIES for f in findings):
        return findings
    place = paragraph_of(segment.text)
    cells = segment.cells
    if cells is None:
        return [_placed(f, place(f.entity_type, f.start)) for f in findings]
    cell_start = cell_starts(cells)
    return [
        _placed(f, place(f.entity_type, cell_start.get(f.location, 0) + f.start)) for f in findings
    ]


def cell_starts(cells: CellTable) -> dict[Location, int]:
    """Where each location's first cell starts in the packed text: a finding's offsets are
    its cell's, and this start added back places it in the packed text's paragraphs."""
    starts: dict[Location, int] = {}
    for index, start in enumerate(cells.starts):
        starts.setdefault(cells.location(index), start)
    return starts
