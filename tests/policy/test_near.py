"""near(): a name identifies a student only beside a student signal (issue 18).

Table-driven over the probe set of tests/data/proximity/ (staff mail and student records,
English and Spanish, signatures, quoted replies, tables) through the real pipeline and the
sample policy; exact paragraph indices and pairings; Hypothesis properties of the window.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.detection_quality import RECIPIENT, SENDER, ham_scanner
from benchmarks.proximity_probes import Probe, load_probes, verdict
from dlp.engine import Scanner
from dlp.model import Category, CellTable, Finding, Location, Segment
from dlp.paragraphs import (
    LABELED,
    SIGNATURE,
    label_ends,
    paragraph_starts,
    signature_spans,
    with_paragraphs,
)
from dlp.policy import Policy
from dlp.policy.expression import ExpressionError, Flag, Node, parse
from dlp.policy.facts import NEAR_WINDOW, near_keys
from tests.policy.conftest import SAMPLE_POLICY

PROBES = list(load_probes())
BODY = Location(path=("message",), part="body")


@cache
def _scanner() -> Scanner:
    return ham_scanner()


@cache
def _policy() -> Policy:
    from dlp.policy import load_policy

    return load_policy(SAMPLE_POLICY)


def test_probe_set_is_varied() -> None:
    kinds = {(probe.kind, probe.lang, probe.expect) for probe in PROBES}
    assert {("staff", "en", "deliver"), ("staff", "es", "deliver")} <= kinds
    assert {("record", "en", "hold"), ("record", "es", "hold")} <= kinds
    assert {("table", "en", "hold"), ("table", "en", "deliver")} <= kinds


@pytest.mark.parametrize("probe", PROBES, ids=[probe.id for probe in PROBES])
def test_probe_verdict(probe: Probe) -> None:
    assert verdict(probe, _scanner(), _policy(), SENDER, RECIPIENT) == probe.expect


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("one paragraph\nstill one", []),
        ("first\n\nsecond", [7]),
        ("first\n  \t\nsecond\n\n\nthird", [10, 19]),
        ("a\r\n\r\nb", [5]),
    ],
)
def test_paragraph_starts(text: str, starts: list[int]) -> None:
    assert paragraph_starts(text) == starts


@given(st.text(alphabet="ab \n\t\r", max_size=60))
def test_paragraph_starts_follow_blank_lines(text: str) -> None:
    """A paragraph starts after a blank line (only spaces or tabs) at the first line that is
    not blank itself."""

    def starts_one(i: int) -> bool:
        before = text.rfind("\n", 0, i - 1)
        return (
            text[i - 1] == "\n"
            and before != -1
            and not text[before + 1 : i - 1].strip(" \t\r")
            and re.match(r"[ \t\r]*\n", text[i:]) is None
        )

    assert paragraph_starts(text) == [i for i in range(1, len(text) + 1) if starts_one(i)]


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("Hi.\n\nThanks,\nMs. Ann Lee\nIEP coordinator\n\n> quoted", [(5, 40)]),
        ("Hi.\n\nBest regards\n\nMr. Bo Li\nTeacher", [(5, 36)]),
        ("Saludos cordiales,\nSra. Ana Torres", [(0, 34)]),
        ("Thanks to Ann for the IEP notes.", []),
        ("Hi.\n-- \nAnn", [(4, 11)]),
    ],
)
def test_signature_spans(text: str, spans: list[tuple[int, int]]) -> None:
    assert signature_spans(text) == spans


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("Student Name: Dan Kim\nDate: today", [14]),
        ("x\n  student's name:\tDan", [20]),
        ("Estudiante: Sofía\nNombre del alumno: Diego", [12, 37]),
        ("Name: Ann Lee\nThe student: no", []),
    ],
)
def test_label_ends(text: str, ends: list[int]) -> None:
    assert label_ends(text) == ends


def test_a_labeled_name_is_near_its_whole_segment() -> None:
    text = "Student: Dan Kim\n\nNotes\n\nIEP goals\n\nThanks,\nMs. Ann Lee\nIEP team"
    name = _at("PERSON", "Dan Kim", 9, None)
    term = _at("SPECIAL_EDUCATION", "IEP", text.index("IEP goals"), None)
    marked = with_paragraphs(Segment(text, BODY), [name, term])
    assert [f.paragraph for f in marked] == [LABELED, 2]
    assert near_keys(marked[:1], marked[1:]) == {f"v:{name.digest}"}
    signed = _at("SPECIAL_EDUCATION", "IEP", text.rindex("IEP"), SIGNATURE)
    assert near_keys(marked[:1], [signed]) == set()
    elsewhere = replace(marked[1], location=Location(path=("message", "b.txt")))
    assert near_keys(marked[:1], [elsewhere]) == set()


def test_with_paragraphs_marks_only_segments_with_names() -> None:
    text = "Ms. Karen Miller covers Friday.\n\nIEP paperwork is due.\n\nThanks,\nMr. Bo Li"
    person, term, signed = (
        _at("PERSON", "Karen Miller", 4, None),
        _at("SPECIAL_EDUCATION", "IEP", 33, None),
        _at("PERSON", "Bo Li", text.index("Bo Li"), None),
    )
    marked = with_paragraphs(Segment(text, BODY), [person, term, signed])
    assert [f.paragraph for f in marked] == [0, 1, SIGNATURE]
    alone = [term]
    assert with_paragraphs(Segment(text, BODY), alone) is alone


def test_with_paragraphs_in_a_packed_segment_counts_from_each_cell() -> None:
    first, second = Location(path=("message",), part="body"), Location(path=("a.txt",))
    text = "x\n\ny\u0000Dan Kim\n\nIEP"
    cells = CellTable(first, starts=[0, 5], ends=[4, 15], locations=[first, second])
    name = _at("PERSON", "Dan Kim", 0, None, second)
    term = _at("SPECIAL_EDUCATION", "IEP", 9, None, second)
    marked = with_paragraphs(Segment(text, first, cells=cells), [name, term])
    assert [f.paragraph for f in marked] == [1, 2]


def _at(
    entity: str, value: str, start: int, paragraph: int | None, where: Location = BODY
) -> Finding:
    """A finding of ``entity`` (PERSON is CONTACT, as the shipped categories have it)."""
    return Finding(
        entity,
        Category.CONTACT if entity == "PERSON" else Category(entity),
        start,
        start + len(value),
        0.9,
        "test",
        "test",
        "****",
        hashlib.sha256(value.encode()).hexdigest(),
        location=where,
        paragraph=paragraph,
    )


@pytest.mark.parametrize(
    ("subject", "signal", "near"),
    [
        (_at("PERSON", "Dan Kim", 0, 0), _at("SPECIAL_EDUCATION", "IEP", 20, 0), True),
        (_at("PERSON", "Dan Kim", 0, 0), _at("SPECIAL_EDUCATION", "IEP", 20, 1), False),
        (
            _at("PERSON", "Dan Kim", 0, SIGNATURE),
            _at("SPECIAL_EDUCATION", "IEP", 9, SIGNATURE),
            False,
        ),
        (_at("PERSON", "Dan Kim", 0, 0), _at("SPECIAL_EDUCATION", "IEP", 7 + NEAR_WINDOW, 0), True),
        (
            _at("PERSON", "Dan Kim", 0, 0),
            _at("SPECIAL_EDUCATION", "IEP", 8 + NEAR_WINDOW, 0),
            False,
        ),
        (_at("PERSON", "Dan Kim", 500, 0), _at("SPECIAL_EDUCATION", "IEP", 10, 0), False),
        # Unplaced (made without the pipeline): same location, within the window.
        (_at("PERSON", "Dan Kim", 0, None), _at("SPECIAL_EDUCATION", "IEP", 40, None), True),
        # Another attachment: never near.
        (
            _at("PERSON", "Dan Kim", 0, 0),
            _at("SPECIAL_EDUCATION", "IEP", 20, 0, Location(path=("message", "b.txt"))),
            False,
        ),
        # One table row, however far apart; another row is not.
        (
            _at("PERSON", "Dan Kim", 0, None, Location(("g.csv",), row=3, column="Name")),
            _at("GRADE_VALUE", "F", 0, None, Location(("g.csv",), row=3, column="Grade")),
            True,
        ),
        (
            _at("PERSON", "Dan Kim", 0, None, Location(("g.csv",), row=3, column="Name")),
            _at("GRADE_VALUE", "F", 0, None, Location(("g.csv",), row=4, column="Grade")),
            False,
        ),
    ],
)
def test_near_keys(subject: Finding, signal: Finding, near: bool) -> None:
    assert bool(near_keys([subject], [signal])) is near


@given(
    st.lists(st.integers(0, 2000), min_size=1, max_size=20),
    st.lists(st.integers(0, 2000), max_size=20),
)
def test_near_keys_is_the_brute_force_pairing(names: list[int], terms: list[int]) -> None:
    subjects = [_at("PERSON", f"Name{i} Kim", start, 0) for i, start in enumerate(names)]
    signals = [_at("GRADES", "report card", start, 0) for start in terms]
    expected = {
        f"v:{s.digest}"
        for s in subjects
        if any(max(t.start - s.end, s.start - t.end) <= NEAR_WINDOW for t in signals)
    }
    assert near_keys(subjects, signals) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("near(PERSON) >= 1", "near\\(\\) takes a name and what it must be near"),
        ("near(PERSON, nope) >= 1", "near\\(\\) takes entity types or categories"),
    ],
)
def test_near_needs_a_name_and_signals(expression: str, message: str) -> None:
    def resolve(name: str) -> Node:
        raise KeyError(name)

    with pytest.raises(ExpressionError, match=message):
        parse(expression, resolve, lambda name: name in {"PERSON", "GRADES"})


def test_near_counts_people_beside_signals() -> None:
    class Facts:
        def near(self, name: str, others: tuple[str, ...]) -> int:
            return 2 if (name, others) == ("PERSON", ("GRADES", "IEP")) else 0

    node = parse("near(PERSON, GRADES, IEP) >= 2", lambda n: Flag(n), lambda n: True)
    assert node.evaluate(Facts()) is True  # type: ignore[arg-type]
