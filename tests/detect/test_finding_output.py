"""A finding's JSON line, made as one string (``Finding.json_line``), is what the encoder
writes for ``Finding.to_dict``, byte for byte, whatever its text and numbers."""

from __future__ import annotations

import json
import math
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.model import Category, Finding, Location, TextAt

ENCODER = json.JSONEncoder(ensure_ascii=False)
TEXT = st.text(max_size=12) | st.sampled_from(['a"b', "back\\slash", "tab\there", "é\u2028\x00"])


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    start = draw(st.integers(0, 10**9))
    return Finding(
        draw(TEXT),
        Category(draw(st.sampled_from(["IDENTIFIER", "CONTACT", "GRADES"]))),
        start,
        start + draw(st.integers(0, 40)),
        draw(
            st.floats(allow_nan=True, allow_infinity=True)
            | st.sampled_from([0.4, 0.85, 1.0, 0.1 + 0.2, 1e-7, 0.0005])
            | st.integers(-5, 5)
        ),
        draw(TEXT),
        draw(TEXT),
        draw(TEXT),
        draw(TEXT),
        tuple(draw(st.lists(TEXT, max_size=3))),
        Location(("a.txt",)),
        draw(st.none() | TEXT),
        draw(st.booleans()),
        draw(st.none() | st.builds(TextAt, st.integers(1, 10**6), st.integers(1, 500))),
        draw(st.none() | st.integers(-2, 9)),
    )


@settings(max_examples=500, deadline=None)
@given(findings(), TEXT)
def test_json_line_is_the_encoded_dict(finding: Finding, masked_location: str) -> None:
    line = finding.json_line(masked_location)
    score = round(finding.score, 3)
    if isinstance(score, float) and math.isfinite(score):
        assert line == ENCODER.encode(finding.to_dict(masked_location)) + "\n"
    else:
        assert line is None  # the encoder's own way (NaN, Infinity, an integer score)


def test_a_text_file_finding() -> None:
    finding = Finding(
        "US_SSN", Category.IDENTIFIER, 5, 16, 0.85, "UsSsnRecognizer", "ssn dashed",
        "***-**-6789", "ab" * 16, ("ssn", "social security"), Location(("a.txt",)),
        None, False, TextAt(3, 7, 120),
    )  # fmt: skip
    assert finding.json_line("a.txt / row 1") == (
        '{"kind": "finding", "location": "a.txt / row 1", "entity_type": "US_SSN", '
        '"category": "IDENTIFIER", "start": 5, "end": 16, "score": 0.85, '
        '"recognizer": "UsSsnRecognizer", "pattern": "ssn dashed", '
        '"context_words": ["ssn", "social security"], "masked": "***-**-6789", '
        f'"digest": "{"ab" * 16}", "line": 3, "column": 7, "absolute_start": 120, '
        '"absolute_end": 131}\n'
    )


def test_scores_whose_values_are_equal_but_written_apart() -> None:
    """A score's text is kept by its value: 0.0 and -0.0, 1 and 1.0 and True are equal keys
    but are written apart (or by the encoder), however often and in whatever order."""
    base = Finding("X", Category.IDENTIFIER, 0, 1, 0.5, "R", "p", "*", "d")
    for score in (0.85, -0.0, 0.0, -0.0, 1.0, 1, True, 1.0, 0.0005, 0.0004, float("nan")) * 2:
        finding = replace(base, score=score)
        line = finding.json_line("a.txt")
        rounded = round(score, 3)
        if isinstance(rounded, float) and math.isfinite(rounded):
            assert line == ENCODER.encode(finding.to_dict("a.txt")) + "\n"
        else:
            assert line is None
