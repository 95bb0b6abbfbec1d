"""Rule expressions: a tiny, safe language over detection symbols (never ``eval``).

Grammar (words or rspamd-style signs)::

    expr    := term (("or" | "|") term)*
    term    := factor (("and" | "&") factor)*
    factor  := ("not" | "!") factor | compare
    compare := numeric OP NUMBER | atom
    numeric := "count" "(" NAME ("," NAME)* ")" | "distinct" "(" NAME ("," NAME)* ")" | "score"
             | "near" "(" NAME "," NAME ("," NAME)* ")"
             | FACT
    FACT    := "sender.students_24h"   (a number kept across messages: `NamedFact`)
    atom    := NAME | "true" | "false" | "(" expr ")"
    OP      := ">=" | ">" | "<=" | "<" | "==" | "!="

A NAME is resolved by the caller (a category, an entity type, a recipient or message flag, or a
named composite), so this module knows nothing about policies: it parses text into a tree that
can be evaluated against any `Facts`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol


class ExpressionError(ValueError):
    """A rule expression that cannot be used; ``column`` is 1-based within the expression."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return f"{self.message} (column {self.column})"


class Facts(Protocol):
    """What an expression is evaluated against: one message as seen for one recipient."""

    def flag(self, name: str) -> bool: ...

    def count(self, names: tuple[str, ...]) -> int: ...

    def distinct(self, names: tuple[str, ...]) -> int: ...

    def near(self, name: str, others: tuple[str, ...]) -> int:
        """How many distinct people or values of ``name`` have a finding of ``others`` near."""
        ...

    def score(self) -> float: ...

    def fact(self, name: str) -> float:
        """A named number from outside the message (one of `FACTS`)."""
        ...


class Node(Protocol):
    def evaluate(self, facts: Facts) -> bool: ...

    def names(self) -> Iterator[str]:
        """The names whose presence can make this expression true (not those under ``not``)."""
        ...


class Numeric(Protocol):
    def value(self, facts: Facts) -> float: ...

    def names(self) -> Iterator[str]: ...


@dataclass(frozen=True, slots=True)
class Const:
    truth: bool

    def evaluate(self, facts: Facts) -> bool:
        return self.truth

    def names(self) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True, slots=True)
class Flag:
    """A symbol that is present or not: a detection name, or a recipient or message flag."""

    name: str

    def evaluate(self, facts: Facts) -> bool:
        return facts.flag(self.name)

    def names(self) -> Iterator[str]:
        yield self.name


@dataclass(frozen=True, slots=True)
class Ref:
    """A named composite, kept by name so explanations can say which one matched."""

    name: str
    node: Node

    def evaluate(self, facts: Facts) -> bool:
        return self.node.evaluate(facts)

    def names(self) -> Iterator[str]:
        return self.node.names()


@dataclass(frozen=True, slots=True)
class Not:
    node: Node

    def evaluate(self, facts: Facts) -> bool:
        return not self.node.evaluate(facts)

    def names(self) -> Iterator[str]:
        # What must be absent is not evidence for anything: nothing to report.
        return iter(())


@dataclass(frozen=True, slots=True)
class _Joined:
    """Expressions joined by ``and`` or ``or``: any of them can be the evidence."""

    nodes: tuple[Node, ...]

    def names(self) -> Iterator[str]:
        for node in self.nodes:
            yield from node.names()


# And and Or evaluate in plain loops, left to right, stopping at the first node that settles
# the answer (as all() and any() would): every rule of the policy is evaluated for every
# recipient of every message, and a generator per node cost more than the nodes themselves.


@dataclass(frozen=True, slots=True)
class And(_Joined):
    def evaluate(self, facts: Facts) -> bool:
        for node in self.nodes:  # noqa: SIM110 (a loop, not all(): see above)
            if not node.evaluate(facts):
                return False
        return True


@dataclass(frozen=True, slots=True)
class Or(_Joined):
    def evaluate(self, facts: Facts) -> bool:
        for node in self.nodes:  # noqa: SIM110 (a loop, not any(): see above)
            if node.evaluate(facts):
                return True
        return False


@dataclass(frozen=True, slots=True)
class _Counted:
    """A number over the findings of some names."""

    symbols: tuple[str, ...]

    def names(self) -> Iterator[str]:
        return iter(self.symbols)


@dataclass(frozen=True, slots=True)
class Count(_Counted):
    def value(self, facts: Facts) -> float:
        return facts.count(self.symbols)


@dataclass(frozen=True, slots=True)
class Distinct(_Counted):
    """How many different people (roster subjects) or values (digests) the names cover."""

    def value(self, facts: Facts) -> float:
        return facts.distinct(self.symbols)


@dataclass(frozen=True, slots=True)
class Near(_Counted):
    """``near(PERSON, GRADES, STUDENT_ID)``: the distinct people or values of the first name
    with a finding of one of the others beside them (same paragraph, or same table row).

    "A name and an IEP somewhere in the message" is not "this person's IEP": a colleague named
    in one paragraph of staff mail and a student term in another are two different things.
    """

    def value(self, facts: Facts) -> float:
        return facts.near(self.symbols[0], self.symbols[1:])


# What `Score.names` yields: the score rests on every counted finding, not on named ones.
SCORE = "score"


@dataclass(frozen=True, slots=True)
class Score:
    def value(self, facts: Facts) -> float:
        return facts.score()

    def names(self) -> Iterator[str]:
        yield SCORE


# Numbers kept across messages: the distinct students in the messages this sender had
# delivered or encrypted outside the district over the last 24 hours, this one included.
SENDER_STUDENTS_24H = "sender.students_24h"
FACTS = frozenset({SENDER_STUDENTS_24H})


@dataclass(frozen=True, slots=True)
class NamedFact:
    name: str

    def value(self, facts: Facts) -> float:
        return facts.fact(self.name)

    def names(self) -> Iterator[str]:
        yield self.name


def counted_comparisons(node: Node) -> Iterator[Compare]:
    """Every comparison of a count() or distinct() in ``node``, composites included."""
    if isinstance(node, Compare):
        if isinstance(node.numeric, Count | Distinct):
            yield node
    elif isinstance(node, And | Or):
        for child in node.nodes:
            yield from counted_comparisons(child)
    elif isinstance(node, Not | Ref):
        yield from counted_comparisons(node.node)


_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True, slots=True)
class Compare:
    numeric: Numeric
    op: str
    threshold: float

    def evaluate(self, facts: Facts) -> bool:
        return _OPERATORS[self.op](self.numeric.value(facts), self.threshold)

    def names(self) -> Iterator[str]:
        return self.numeric.names()


_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<op>>=|<=|==|!=|>|<)|(?P<sign>[()&|!,]))"
)
_KEYWORDS = {"and": "&", "or": "|", "not": "!"}
_FUNCTIONS: dict[str, type[Count] | type[Distinct] | type[Near]] = {
    "count": Count,
    "distinct": Distinct,
    "near": Near,
}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "number", "name", "op", "sign", "end"
    text: str
    column: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].isspace():
            break
        match = _TOKEN.match(text, position)
        if match is None:
            column = len(text) - len(text[position:].lstrip()) + 1
            raise ExpressionError(f"unexpected character {text[column - 1]!r}", column)
        kind = match.lastgroup or ""
        value = match.group(kind)
        column = match.start(kind) + 1
        if kind == "name" and value in _KEYWORDS:
            kind, value = "sign", _KEYWORDS[value]
        tokens.append(_Token(kind, value, column))
        position = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


# Resolves a NAME to a node, or raises KeyError when the name means nothing.
Resolver = Callable[[str], Node]
# Says whether a NAME may appear inside count()/distinct() (detection names only).
Countable = Callable[[str], bool]


class _Parser:
    def __init__(self, text: str, resolve: Resolver, countable: Countable) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.resolve = resolve
        self.countable = countable

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, text: str, what: str) -> _Token:
        token = self.take()
        if token.kind != kind or token.text != text:
            raise ExpressionError(f"expected {what}, found {_describe(token)}", token.column)
        return token

    def parse(self) -> Node:
        node = self.expr()
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(f"unexpected {_describe(token)}", token.column)
        return node

    def expr(self) -> Node:
        return self.joined("|", self.term, Or)

    def term(self) -> Node:
        return self.joined("&", self.factor, And)

    def joined(self, sign: str, part: Callable[[], Node], join: type[And] | type[Or]) -> Node:
        """One ``part``, or several joined by ``sign`` (as ``join``)."""
        nodes = [part()]
        while self.peek().kind == "sign" and self.peek().text == sign:
            self.take()
            nodes.append(part())
        return nodes[0] if len(nodes) == 1 else join(tuple(nodes))

    def factor(self) -> Node:
        token = self.peek()
        if token.kind == "sign" and token.text == "!":
            self.take()
            return Not(self.factor())
        return self.compare()

    def compare(self) -> Node:
        token = self.peek()
        numeric = self.numeric()
        if numeric is None:
            return self.atom()
        op = self.take()
        if op.kind != "op":
            raise ExpressionError(
                f"{token.text} is a number: compare it with >=, >, <=, <, == or !=", op.column
            )
        number = self.take()
        if number.kind != "number":
            raise ExpressionError(f"expected a number, found {_describe(number)}", number.column)
        return Compare(numeric, op.text, float(number.text))

    def numeric(self) -> Numeric | None:
        token = self.peek()
        if token.kind != "name":
            return None
        if token.text == "score":
            self.take()
            return Score()
        if token.text in FACTS:
            self.take()
            return NamedFact(token.text)
        function = _FUNCTIONS.get(token.text)
        if function is None:
            return None
        self.take()
        self.expect("sign", "(", f"'(' after {token.text}")
        names: list[str] = []
        while True:
            name = self.take()
            if name.kind != "name":
                raise ExpressionError(f"expected a name, found {_describe(name)}", name.column)
            if not self.countable(name.text):
                raise ExpressionError(
                    f"{token.text}() takes entity types or categories, not {name.text!r}",
                    name.column,
                )
            names.append(name.text)
            separator = self.take()
            if separator.kind == "sign" and separator.text == ")":
                break
            if separator.kind != "sign" or separator.text != ",":
                raise ExpressionError(
                    f"expected ',' or ')', found {_describe(separator)}", separator.column
                )
        if function is Near and len(names) < 2:
            raise ExpressionError("near() takes a name and what it must be near", token.column)
        return function(tuple(names))

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "sign" and token.text == "(":
            node = self.expr()
            self.expect("sign", ")", "')'")
            return node
        if token.kind == "name":
            if token.text in ("true", "false"):
                return Const(token.text == "true")
            try:
                return self.resolve(token.text)
            except KeyError:
                raise ExpressionError(f"unknown name {token.text!r}", token.column) from None
        raise ExpressionError(f"expected a name or '(', found {_describe(token)}", token.column)


def _describe(token: _Token) -> str:
    return "end of expression" if token.kind == "end" else repr(token.text)


def parse(text: str, resolve: Resolver, countable: Countable) -> Node:
    """Parse ``text``; names are turned into nodes by ``resolve`` as they are met."""
    if not text.strip():
        raise ExpressionError("empty expression", 1)
    return _Parser(text, resolve, countable).parse()
