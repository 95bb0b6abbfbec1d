from __future__ import annotations

import pytest

from dlp.policy.expression import ExpressionError, Flag, Node, parse

KNOWN = {"A", "B", "C", "US_SSN", "GRADES"}


class FakeFacts:
    def __init__(self, present: set[str], counts: dict[str, int] | None = None, score: float = 0):
        self.present = present
        self.counts = counts or {}
        self.weight = score

    def flag(self, name: str) -> bool:
        return name in self.present

    def count(self, names: tuple[str, ...]) -> int:
        return sum(self.counts.get(name, 0) for name in names)

    def distinct(self, names: tuple[str, ...]) -> int:
        return len({name for name in names if name in self.present}) * 10

    def near(self, name: str, others: tuple[str, ...]) -> int:
        return int(name in self.present and any(other in self.present for other in others))

    def score(self) -> float:
        return self.weight

    def fact(self, name: str) -> float:
        return 0.0


def resolve(name: str) -> Node:
    if name not in KNOWN:
        raise KeyError(name)
    return Flag(name)


def compile_(text: str) -> Node:
    return parse(text, resolve, lambda name: name in KNOWN)


@pytest.mark.parametrize(
    ("expression", "present", "expected"),
    [
        ("A", {"A"}, True),
        ("A", set(), False),
        ("A and B", {"A"}, False),
        ("A and B", {"A", "B"}, True),
        ("A or B", {"B"}, True),
        ("not A", set(), True),
        ("not not A", {"A"}, True),
        ("A or B and C", {"A"}, True),  # and binds tighter than or
        ("(A or B) and C", {"A"}, False),
        ("A & !B | C", {"A"}, True),
        ("A & !B | C", {"A", "B"}, False),
        ("true", set(), True),
        ("false or A", {"A"}, True),
        ("  A\n and\tB ", {"A", "B"}, True),
    ],
)
def test_boolean_logic(expression: str, present: set[str], expected: bool) -> None:
    assert compile_(expression).evaluate(FakeFacts(present)) is expected


@pytest.mark.parametrize(
    ("expression", "counts", "expected"),
    [
        ("count(A) >= 2", {"A": 2}, True),
        ("count(A) >= 2", {"A": 1}, False),
        ("count(A, B) > 2", {"A": 2, "B": 1}, True),
        ("count(A) == 0", {}, True),
        ("count(A) != 0", {}, False),
        ("count(A) < 1.5", {"A": 1}, True),
        ("count(A) <= 1", {"A": 2}, False),
    ],
)
def test_counts(expression: str, counts: dict[str, int], expected: bool) -> None:
    assert compile_(expression).evaluate(FakeFacts(set(counts), counts)) is expected


def test_distinct_and_score() -> None:
    facts = FakeFacts({"A", "B"}, score=12.5)
    assert compile_("distinct(A, B, C) >= 20").evaluate(facts)
    assert not compile_("distinct(A) >= 20").evaluate(facts)
    assert compile_("score > 12 and not score >= 13").evaluate(facts)


def test_names_are_what_can_make_it_true() -> None:
    node = compile_("A and not B and count(C) >= 1")
    assert list(node.names()) == ["A", "C"]


@pytest.mark.parametrize(
    ("expression", "message", "column"),
    [
        ("", "empty expression", 1),
        ("A and", "expected a name or '(', found end of expression", 6),
        ("A B", "unexpected 'B'", 3),
        ("(A or B", "expected ')', found end of expression", 8),
        ("D", "unknown name 'D'", 1),
        ("A and STUDNT_ID", "unknown name 'STUDNT_ID'", 7),
        ("count(A)", "count is a number: compare it", 9),
        ("count(A) >= B", "expected a number, found 'B'", 13),
        ("count(D) >= 1", "count() takes entity types or categories, not 'D'", 7),
        ("count A >= 1", "expected '(' after count", 7),
        ("count(A B) >= 1", "expected ',' or ')', found 'B'", 9),
        ("A; import os", "unexpected character ';'", 2),
        ("__import__('os')", 'unexpected character "\'"', 12),
        ("__import__(A)", "unknown name '__import__'", 1),
        ("A == 1", "unexpected '=='", 3),
        ("score", "score is a number", 6),
    ],
)
def test_errors_say_what_and_where(expression: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_(expression)
    assert message in caught.value.message
    assert caught.value.column == column
    assert f"(column {column})" in str(caught.value)
