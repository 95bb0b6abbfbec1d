"""The policy's shortcuts for speed give the answers of the plain definitions: And and Or as
all() and any() over their nodes, a look-alike check remembered per domain (also across a
pickle to a scanning process, which leaves the answers behind), recipients' addresses
normalized once."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.policy.expression import And, Const, Flag, Node, Not, Or
from dlp.policy.lookalike import ANSWERS, LookalikeDetector
from dlp.policy.recipients import normalize_address

NAMES = ("SSN", "IEP", "EXTERNAL", "INTERNAL")


class Present:
    """Facts with some flags present, and a count of flag lookups (short-circuit order)."""

    def __init__(self, present: frozenset[str]) -> None:
        self.present = present
        self.asked: list[str] = []

    def flag(self, name: str) -> bool:
        self.asked.append(name)
        return name in self.present


def reference(node: Node, facts: Present) -> bool:
    if isinstance(node, And):
        return all(reference(child, facts) for child in node.nodes)
    if isinstance(node, Or):
        return any(reference(child, facts) for child in node.nodes)
    if isinstance(node, Not):
        return not reference(node.node, facts)
    return node.evaluate(facts)  # type: ignore[arg-type]


leaves = st.one_of(st.sampled_from(NAMES).map(Flag), st.booleans().map(Const))
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        children.map(Not),
        st.lists(children, min_size=1, max_size=4).map(lambda nodes: And(tuple(nodes))),
        st.lists(children, min_size=1, max_size=4).map(lambda nodes: Or(tuple(nodes))),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(node=trees, present=st.frozensets(st.sampled_from(NAMES)))
def test_and_or_answer_and_stop_as_all_and_any(node: Node, present: frozenset[str]) -> None:
    ours, plain = Present(present), Present(present)
    assert node.evaluate(ours) == reference(node, plain)  # type: ignore[arg-type]
    assert ours.asked == plain.asked  # the same flags looked up, in the same order


DOMAINS = ["cusd.corn", "cusd.co", "cusd.org", "example.org", "cusd.com", "xn--cud-ghd.com"]


def test_remembered_answers_are_the_checks_answers() -> None:
    detector = LookalikeDetector(["cusd.com", "clovisusd.k12.ca.us"])
    fresh = [LookalikeDetector(["cusd.com", "clovisusd.k12.ca.us"]).check(d) for d in DOMAINS]
    assert [detector.check(d) for d in DOMAINS] == fresh
    assert [detector.check(d) for d in DOMAINS] == fresh  # now from memory
    copy = pickle.loads(pickle.dumps(detector))
    assert copy.protected == detector.protected
    assert copy._answers == {}  # the answers stay behind
    assert [copy.check(d) for d in DOMAINS] == fresh


def test_the_memory_is_bounded() -> None:
    detector = LookalikeDetector(["cusd.com"])
    for number in range(ANSWERS + 10):
        detector.check(f"school{number}.example")
    assert len(detector._answers) <= ANSWERS
    assert detector.check("cusd.corn") is not None


def test_normalized_addresses_are_the_same_each_time() -> None:
    first = normalize_address('"Ms. Doe" <Jane@Bücher.Example>')
    assert first == ("Jane@xn--bcher-kva.example", "xn--bcher-kva.example")
    assert normalize_address('"Ms. Doe" <Jane@Bücher.Example>') == first
