"""The masked preview's fast form for ASCII values is the per-character rule, character for
character; a finding's written form keeps its keys and their order."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.masking import masked_preview
from dlp.model import Category, Finding, Location, TextAt

_NON_DIGITS = re.compile(r"\D")


def per_character_last4(value: str) -> str:
    """The rule as it was first written: one step per character."""
    total = len(_NON_DIGITS.sub("", value))
    if total == 0:
        return "*" * len(value)
    keep_from = max(total - 4, total // 2)
    seen, out = 0, []
    for char in value:
        if char.isdigit():
            out.append(char if seen >= keep_from else "*")
            seen += 1
        elif char.isalpha():
            out.append("*")
        else:
            out.append(char)
    return "".join(out)


VALUES = st.text(alphabet=st.sampled_from("0123456789-. ()+/#aZxk@_\t٣²é"), max_size=30)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_last4_is_the_per_character_rule(value: str) -> None:
    assert masked_preview(value, "last4") == per_character_last4(value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_last4_on_any_text(value: str) -> None:
    assert masked_preview(value, "last4") == per_character_last4(value)


def test_known_previews() -> None:
    assert masked_preview("123-45-6789", "last4") == "***-**-6789"
    assert masked_preview("(555) 010-7788", "last4") == "(***) ***-7788"
    assert masked_preview("AB12", "last4") == "***2"  # half the digits stay hidden
    assert masked_preview("1", "last4") == "1"
    assert masked_preview("--", "last4") == "**"


def _finding(subject: str | None, opt_out: bool, at: TextAt | None) -> Finding:
    return Finding(
        "US_SSN",
        Category.IDENTIFIER,
        5,
        16,
        0.85,
        "UsSsnRecognizer",
        "ssn dashed",
        "***-**-6789",
        "ab" * 16,
        ("ssn",),
        Location(path=("a.txt",)),
        subject,
        opt_out,
        at,
    )


def test_finding_written_keys_in_order() -> None:
    plain = _finding(None, False, None).to_dict()
    assert list(plain)[-2:] == ["masked", "digest"]
    assert "subject" not in plain and "line" not in plain
    full = _finding("s-1", True, TextAt(3, 7, 40)).to_dict("a.txt")
    assert list(full)[-6:] == [
        "subject",
        "directory_opt_out",
        "line",
        "column",
        "absolute_start",
        "absolute_end",
    ]
    assert (full["line"], full["column"], full["absolute_start"], full["absolute_end"]) == (
        3,
        7,
        40,
        51,
    )
    assert json.loads(json.dumps(full))["directory_opt_out"] is True
