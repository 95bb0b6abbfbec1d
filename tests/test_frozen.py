"""``quick_init`` makes the objects the generated ``__init__`` makes, from the same arguments,
with the same signature, as frozen as before; what it cannot do it refuses."""

from __future__ import annotations

import inspect
import pickle
from dataclasses import FrozenInstanceError, dataclass, field, fields, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.matches import RawMatch
from dlp.frozen import quick_init, quick_new
from dlp.model import Category, Finding, Location, TextAt


@dataclass(frozen=True, slots=True)
class Generated:
    name: str
    count: int
    words: tuple[str, ...] = ()
    where: Location = field(default_factory=Location)
    items: list[int] = field(default_factory=list)
    note: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Quick:
    name: str
    count: int
    words: tuple[str, ...] = ()
    where: Location = field(default_factory=Location)
    items: list[int] = field(default_factory=list)
    note: str | None = None


def _values(made: object) -> tuple[object, ...]:
    return tuple(getattr(made, item.name) for item in fields(made))  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=5),
    st.integers(),
    st.integers(0, 4),
    st.dictionaries(
        st.sampled_from(["words", "where", "items", "note"]),
        st.sampled_from([("a",), Location(("x",)), [1], "n", None]),
    ),
)
def test_the_generated_init_by_position_and_keyword(
    name: str, count: int, given_positionally: int, keywords: dict[str, object]
) -> None:
    optional = ["words", "where", "items", "note"][:given_positionally]
    positional: list[Any] = [name, count, *(keywords.get(key, ()) for key in optional)]
    rest: dict[str, Any] = {key: value for key, value in keywords.items() if key not in optional}
    expected, made = Generated(*positional, **rest), Quick(*positional, **rest)
    assert _values(made) == _values(expected)


def test_signature_defaults_and_frozen() -> None:
    assert str(inspect.signature(Quick)) == str(inspect.signature(Generated))
    first, second = Quick("a", 1), Quick("a", 1)
    assert first.items == [] and first.items is not second.items  # a new default each time
    assert first == second and first.where == Location()
    with pytest.raises(FrozenInstanceError):
        first.count = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        Quick("a")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick("a", 1, unknown=3)  # type: ignore[call-arg]


def test_the_model_classes() -> None:
    finding = Finding(
        "US_SSN", Category.IDENTIFIER, 5, 16, 0.85, "UsSsnRecognizer", "ssn dashed",
        "***-**-6789", "ab" * 16, at=TextAt(3, 7, 120),
    )  # fmt: skip
    assert finding.location == Location() and finding.paragraph is None
    assert pickle.loads(pickle.dumps(finding)) == finding
    assert replace(finding, paragraph=2).paragraph == 2
    assert TextAt() == TextAt(1, 1, 0)
    assert RawMatch("X", 1, 2, 0.5, "R", "p").context_words == ()
    for made in (finding, TextAt(), RawMatch("X", 1, 2, 0.5, "R", "p")):
        names = list(inspect.signature(type(made)).parameters)
        assert names == [item.name for item in fields(made)]
        with pytest.raises(FrozenInstanceError):
            setattr(made, names[0], None)


def test_what_it_refuses() -> None:
    with pytest.raises(TypeError):

        @quick_init
        @dataclass(frozen=True, slots=True)
        class Checked:
            value: int

            def __post_init__(self) -> None:
                pass

    with pytest.raises(TypeError):

        @quick_init
        @dataclass(frozen=True)
        class Unslotted:
            value: int


@dataclass(frozen=True, slots=True)
class GeneratedWide:
    name: str
    count: int
    a: int = 0
    b: str = "b"
    c: float = 0.5
    words: tuple[str, ...] = ()
    items: list[int] = field(default_factory=list)
    note: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class Wide:
    """Enough fields for the ``__init__`` that lends the object to an open twin."""

    name: str
    count: int
    a: int = 0
    b: str = "b"
    c: float = 0.5
    words: tuple[str, ...] = ()
    items: list[int] = field(default_factory=list)
    note: str | None = None


class WideChild(Wide):
    """A subclass (with a ``__dict__``: another layout) is made by the setters."""


# Wide's optional fields, in order: a call gives the first few by position, others by keyword.
_WIDE_OPTIONAL = ["a", "b", "c", "words", "items", "note"]
_WIDE_CALLS = given(
    st.text(max_size=5),
    st.integers(),
    st.integers(0, 6),
    st.dictionaries(
        st.sampled_from(_WIDE_OPTIONAL),
        st.sampled_from([1, "x", 2.5, ("a",), [1], None]),
    ),
)


def _wide_arguments(
    name: str, count: int, given_positionally: int, keywords: dict[str, object]
) -> tuple[list[Any], dict[str, Any]]:
    """A call's positional and keyword arguments for Wide."""
    optional = _WIDE_OPTIONAL[:given_positionally]
    positional: list[Any] = [name, count, *(keywords.get(key, 0) for key in optional)]
    rest: dict[str, Any] = {key: value for key, value in keywords.items() if key not in optional}
    return positional, rest


@settings(max_examples=200, deadline=None)
@_WIDE_CALLS
def test_the_open_twin_init_by_position_and_keyword(
    name: str, count: int, given_positionally: int, keywords: dict[str, object]
) -> None:
    positional, rest = _wide_arguments(name, count, given_positionally, keywords)
    expected = GeneratedWide(*positional, **rest)
    for made in (Wide(*positional, **rest), WideChild(*positional, **rest)):
        assert _values(made) == _values(expected)


def test_the_open_twin_gives_the_object_back_frozen() -> None:
    made, child = Wide("a", 1), WideChild("a", 1)
    assert type(made) is Wide and type(child) is WideChild
    assert made.items == [] and made.items is not Wide("a", 1).items
    assert made == Wide("a", 1) and made != Wide("a", 2)
    assert pickle.loads(pickle.dumps(made)) == made
    for frozen in (made, child):
        with pytest.raises(FrozenInstanceError):
            frozen.count = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        Wide("a")  # type: ignore[call-arg]
    assert str(inspect.signature(Wide)) == str(inspect.signature(GeneratedWide))


@settings(max_examples=200, deadline=None)
@_WIDE_CALLS
def test_quick_new_makes_what_the_class_makes(
    name: str, count: int, given_positionally: int, keywords: dict[str, object]
) -> None:
    positional, rest = _wide_arguments(name, count, given_positionally, keywords)
    made = quick_new(Wide)(*positional, **rest)
    assert type(made) is Wide and _values(made) == _values(GeneratedWide(*positional, **rest))
    assert made == Wide(*positional, **rest)


def test_quick_new_of_the_model_classes() -> None:
    for cls, arguments in (
        (TextAt, (3, 7, 120)),
        (RawMatch, ("X", 1, 2, 0.5, "R", "p", ("ssn",))),
        (Finding, ("US_SSN", Category.IDENTIFIER, 5, 16, 0.85, "R", "p", "***", "ab" * 16)),
        (Quick, ("a", 1)),
    ):
        new = quick_new(cls)
        expected = inspect.signature(cls).parameters.values()
        assert [(p.name, p.default) for p in inspect.signature(new).parameters.values()] == [
            (p.name, p.default) for p in expected
        ]
        made = new(*arguments)
        assert type(made) is cls and made == cls(*arguments)
        assert _values(made) == _values(cls(*arguments))
        assert pickle.loads(pickle.dumps(made)) == made
        if cls is not Quick:  # (a list field: not hashable)
            assert hash(made) == hash(cls(*arguments))
        with pytest.raises(FrozenInstanceError):
            setattr(made, fields(made)[0].name, None)
    first, second = quick_new(Quick)("a", 1), quick_new(Quick)("a", 1)
    assert first.items == [] and first.items is not second.items  # a new default each time
    with pytest.raises(TypeError):
        quick_new(Generated)
    with pytest.raises(TypeError):
        quick_new(Wide)("a")
