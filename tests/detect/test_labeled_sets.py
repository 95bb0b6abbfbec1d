"""The labeled K-12 sets (tests/data/labeled/): SSN and student-ID targets, scored exactly as
``benchmarks/detection_quality.py`` scores them (``benchmarks/labeled_scoring.py``).

Targets (issue 18): SSN precision and recall at least 0.99; student-ID precision at least 0.95
and recall at least 0.99, over all the K-12 sets; each style of set is held a little lower, so
that one style cannot hide behind the others.
"""

from __future__ import annotations

import json

import pytest

from benchmarks.labeled_scoring import (
    TESTS_DATA,
    Counts,
    Finder,
    count,
    format_set,
    labeled_set_paths,
    load_records,
    score_set,
    total,
)

K12 = sorted(p for p in labeled_set_paths(TESTS_DATA) if p.name.startswith(("k12_", "heldout_k12")))
TARGETS = {"US_SSN": (0.99, 0.99), "STUDENT_ID": (0.95, 0.99)}  # (precision, recall)
PER_SET = {"US_SSN": (0.97, 0.97), "STUDENT_ID": (0.93, 0.95)}


@pytest.fixture(scope="module")
def finder(scanner) -> Finder:
    return lambda text: [(f.start, f.end, f.entity_type) for f in scanner.scan_text(text)]


def test_the_sets_are_there_and_labeled() -> None:
    names = {path.stem for path in K12}
    assert {"k12_forms", "k12_ocr", "k12_tables", "k12_informal", "k12_spanish"} <= names
    assert "heldout_k12" in names
    for path in K12:
        records = load_records(path)
        assert len(records) >= 100, path
        for text, spans in records:
            for start, end, label in spans:
                assert 0 <= start < end <= len(text)
                assert label in {"US_SSN", "STUDENT_ID", "PHONE_NUMBER", "EMAIL_ADDRESS", "PERSON"}
                assert text[start:end].strip() == text[start:end]


def test_k12_targets(finder, capsys) -> None:
    scores = [score_set(path.name, load_records(path), finder, None) for path in K12]
    with capsys.disabled():
        print()
        for score in scores:
            print("\n".join(format_set(score)))
    for score in scores:
        for entity, (precision, recall) in PER_SET.items():
            if entity in score.labeled:
                c = score.ours[entity]
                assert c.precision >= precision, (score.name, entity, c)
                assert c.recall >= recall, (score.name, entity, c)
    summed = total(scores, "ours")
    for entity, (precision, recall) in TARGETS.items():
        assert summed[entity].precision >= precision, (entity, summed[entity])
        assert summed[entity].recall >= recall, (entity, summed[entity])


def test_counting_overlaps() -> None:
    """The scorer itself: a finding overlapping a label is a hit; one over nothing is a false
    positive; a label nothing overlaps is a miss."""
    records = [("SSN 536-22-1234 and 4481902", [(4, 15, "US_SSN"), (20, 27, "STUDENT_ID")])]

    def found(text: str) -> list[tuple[int, int, str]]:
        return [(5, 15, "US_SSN"), (0, 3, "US_SSN")]

    counts = count(records, found, "ours")
    assert counts["US_SSN"] == Counts(tp=1, fn=0, fp=1)
    assert counts["STUDENT_ID"] == Counts(tp=0, fn=1, fp=0)
    assert counts["US_SSN"].precision == 0.5 and counts["STUDENT_ID"].recall == 0.0


def test_set_files_are_presidio_research_format() -> None:
    for path in K12:
        first = json.loads(path.read_text(encoding="utf-8"))[0]
        assert {"full_text", "spans"} <= first.keys()
        assert {"entity_type", "start_position", "end_position"} <= first["spans"][0].keys()
