"""The national-form phone pattern "area in parentheses" leaves out a US number in its usual
form ("(559) 327-1234"), which phone_number.toml finds at a higher score: the findings are
the same as with the pattern as it was before (kept here), on numbers of every shape next to
the context words of both recognizers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.engine import DetectionConfig, Scanner, build_scanner
from dlp.model import Segment

REPO = Path(__file__).resolve().parents[2]
SECRET = b"phone-national-overlap-secret-0123"
CURRENT = (
    r"""(?<![\w+./-])(?!\([2-9](?!11\))\d\d\)[ ]?\d(?!11)\d\d[ .-]\d{4}(?![0-9]))\(0?\d{1,3}\)"""
)
BEFORE = r"(?<![\w+./-])\(0?\d{1,3}\)"


@pytest.fixture(scope="module")
def scanners(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scanner, Scanner]:
    """The shipped recognizers, and a copy with the pattern as it was."""
    old = tmp_path_factory.mktemp("before") / "recognizers"
    shutil.copytree(REPO / "recognizers", old)
    spec = old / "entities" / "phone_national.toml"
    text = spec.read_text(encoding="utf-8")
    assert CURRENT in text, "the pattern changed: update this test's copy"
    spec.write_text(text.replace(CURRENT, BEFORE), encoding="utf-8")
    return (
        build_scanner(DetectionConfig(secret=SECRET)),
        build_scanner(DetectionConfig(secret=SECRET, recognizers_dir=old)),
    )


_DIGITS = st.text("0123456789", min_size=1, max_size=4)
_NUMBER = st.builds(
    lambda area, gap, exchange, sep, line, ext, after: (
        f"({area}){gap}{exchange}{sep}{line}{ext}{after}"
    ),
    st.one_of(_DIGITS, st.sampled_from(["559", "211", "011", "911", "555"])),
    st.sampled_from(["", " ", "  "]),
    st.one_of(_DIGITS, st.sampled_from(["411", "327", "555", "011"])),
    st.sampled_from(["-", " ", ".", ""]),
    st.one_of(_DIGITS, st.sampled_from(["1234", "5555", "0000"])),
    st.sampled_from(["", " x12", "ext.7", " x123456"]),
    st.sampled_from(["", " ", ".", "-5", "5", "A", "CELL", "b", ")", "\n"]),
)
_BEFORE = st.sampled_from(
    ["", "call ", "office ", "Phone: ", "cel ", "+1 ", "1 ", "/", "tel.", "order #", "desk "]
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=_BEFORE, number=_NUMBER)
def test_the_same_findings_as_the_pattern_before(
    scanners: tuple[Scanner, Scanner], before: str, number: str
) -> None:
    now, then = scanners
    text = f"Notes for the family. {before}{number} thanks"
    assert now.scan(Segment(text)) == then.scan(Segment(text)), text
