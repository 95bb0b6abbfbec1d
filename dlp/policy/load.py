"""Loading and validating a policy file. Every error names the file, the line and the key."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from dlp.actions.lookalike import LookalikeDetector
from dlp.domains import ascii_address, ascii_domain
from dlp.model import Category, UnscannableReason
from dlp.policy.config import (
    KNOWN_ENTITIES,
    MESSAGE_FLAGS,
    RECIPIENT_FLAGS,
    Authorization,
    EncryptionPolicy,
    EntityThreshold,
    Mode,
    NotificationPolicy,
    Policy,
    Rule,
    UnscannablePolicy,
    Verdict,
    WithoutCertificate,
)
from dlp.policy.expression import ExpressionError, Flag, Node, Ref, parse
from dlp.policy.lines import KeyPath, dotted, key_lines, line_of

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_RESERVED = frozenset({"and", "or", "not", "true", "false", "count", "distinct", "score"})
_CATEGORIES = frozenset(category.value for category in Category)

T = TypeVar("T")
P = ParamSpec("P")


class PolicyError(ValueError):
    """A policy that cannot be used. ``str()`` reads ``FILE:LINE: KEY: what is wrong``.

    The loader reports every error it finds: the first one is this error's own source, line,
    key and message, and ``errors`` holds them all (one line each in ``str()``).
    """

    def __init__(
        self,
        source: str,
        line: int,
        key: str,
        message: str,
        others: tuple[PolicyError, ...] = (),
    ) -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.key = key
        self.message = message
        self.errors: tuple[PolicyError, ...] = (self, *others)

    @classmethod
    def combined(cls, errors: list[PolicyError]) -> PolicyError:
        first, *others = errors
        return cls(first.source, first.line, first.key, first.message, tuple(others))

    def line_text(self) -> str:
        where = f"{self.source}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    def __str__(self) -> str:
        return "\n".join(error.line_text() for error in self.errors)


class _Context:
    """The file being read, and the errors found so far (reading goes on past each one)."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.lines = key_lines(text)
        self.errors: list[PolicyError] = []

    def error(self, path: KeyPath, message: str) -> PolicyError:
        return PolicyError(self.source, line_of(self.lines, path), dotted(path), message)

    def report(self, error: PolicyError) -> None:
        # A name that fails once (a broken symbol) fails again wherever it is used.
        if all(str(error) != str(known) for known in self.errors):
            self.errors.append(error)

    def attempt(
        self, fallback: T, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``read(...)``, or ``fallback`` once its error is recorded, so reading can go on."""
        try:
            return read(*args, **kwargs)
        except PolicyError as error:
            for each in error.errors:
                self.report(each)
            return fallback


_MISSING: Any = object()


class _Table:
    """One TOML table being read: typed getters, and a check that no key was left unread."""

    def __init__(self, context: _Context, path: KeyPath, data: object) -> None:
        if not isinstance(data, dict):
            raise context.error(path, "must be a table")
        self.context = context
        self.path = path
        self.data: dict[str, Any] = data
        self.read: set[str] = set()

    def error(self, key: str | None, message: str) -> PolicyError:
        return self.context.error((*self.path, key) if key else self.path, message)

    def _get(self, key: str, kinds: tuple[type, ...], what: str, default: Any) -> Any:
        self.read.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise self.error(None, f"missing key '{key}'")
            return default
        value = self.data[key]
        # bool is an int in Python, never in a policy file
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.error(key, f"must be {what}, not {type(value).__name__}")
        return value

    def string(self, key: str, default: Any = _MISSING) -> Any:
        return self._get(key, (str,), "a string", default)

    def boolean(self, key: str, default: Any = _MISSING) -> Any:
        return self._get(key, (bool,), "true or false", default)

    def integer(self, key: str, default: Any = _MISSING, minimum: int = 0) -> Any:
        value = self._get(key, (int,), "a whole number", default)
        if isinstance(value, int) and value < minimum:
            raise self.error(key, f"must be at least {minimum}")
        return value

    def number(
        self, key: str, default: Any = _MISSING, low: float = 0.0, high: float | None = None
    ) -> Any:
        value = self._get(key, (int, float), "a number", default)
        if isinstance(value, (int, float)) and (value < low or (high is not None and value > high)):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise self.error(key, f"must be {bound}")
        return float(value) if isinstance(value, (int, float)) else value

    def strings(self, key: str, default: Any = _MISSING) -> tuple[str, ...]:
        value = self._get(key, (list,), "a list of strings", default)
        for item in value:
            if not isinstance(item, str):
                raise self.error(key, f"must be a list of strings, found {type(item).__name__}")
        return tuple(value)

    def day(self, key: str, default: Any = _MISSING) -> Any:
        return self._get(key, (date,), "a date (YYYY-MM-DD, without quotes)", default)

    def table(self, key: str) -> _Table:
        """The sub-table ``key``; one that is not a table is an error, read on as empty."""
        self.read.add(key)
        data = self.data.get(key, {})
        if not isinstance(data, dict):
            self.context.report(self.error(key, "must be a table"))
            data = {}
        return _Table(self.context, (*self.path, key), data)

    def choice(self, key: str, kind: Callable[[str], T], default: Any = _MISSING) -> T:
        value = self.string(key, default)
        if not isinstance(value, str):
            return value
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(f'"{item}"' for item in getattr(kind, "__members__", {}).values())
            raise self.error(key, f"must be one of {allowed}, not {value!r}") from None

    def done(self) -> None:
        """Record every key nobody read (they are errors, but reading goes on)."""
        for key in self.data:
            if key not in self.read:
                self.context.report(self.error(key, "unknown key (misspelled?)"))


def _verdict(table: _Table, key: str, default: Any = _MISSING) -> Verdict:
    return table.choice(key, Verdict, default)


def _domain(table: _Table, key: str, value: str) -> str:
    normalized = ascii_domain(value)  # the one form recipients are compared in
    if not _DOMAIN.match(normalized):
        raise table.error(key, f"{value!r} is not a domain name")
    return normalized


def _categories(table: _Table, key: str) -> frozenset[Category]:
    names = table.strings(key, [])
    unknown = [name for name in names if name not in _CATEGORIES]
    if unknown:
        allowed = ", ".join(sorted(_CATEGORIES))
        raise table.error(key, f"unknown category {unknown[0]!r}; categories are {allowed}")
    return frozenset(Category(name) for name in names)


def _clauses(table: _Table, key: str, known: dict[str, str]) -> tuple[str, ...]:
    clauses = table.strings(key, [])
    for clause in clauses:
        if clause not in known:
            raise table.error(key, f"clause {clause!r} is not declared under [clauses]")
    return clauses


class _Symbols:
    """Resolves names in expressions, compiling composites on first use (cycles are errors)."""

    def __init__(self, table: _Table, entities: dict[str, Category]) -> None:
        self.table = table
        self.entities = entities
        self.sources: dict[str, str] = {}
        for name, value in table.data.items():
            table.read.add(name)
            if not _NAME.match(name) or name in _RESERVED:
                problem = "a symbol name is a letter or _ then letters, digits, _"
            elif name in entities or name in RECIPIENT_FLAGS or name in MESSAGE_FLAGS:
                problem = f"{name!r} is already a built-in name"
            elif not isinstance(value, str):
                problem = "must be an expression string"
            else:
                self.sources[name] = value
                continue
            table.context.report(table.error(name, problem))
        self.compiled: dict[str, Node] = {}
        self.resolving: list[str] = []

    def countable(self, name: str) -> bool:
        return name in self.entities

    def resolve(self, name: str) -> Node:
        if name in self.entities or name in RECIPIENT_FLAGS or name in MESSAGE_FLAGS:
            return Flag(name)
        if name not in self.sources:
            raise KeyError(name)
        if name in self.compiled:
            return self.compiled[name]
        if name in self.resolving:
            cycle = " -> ".join([*self.resolving[self.resolving.index(name) :], name])
            raise self.table.error(name, f"symbols refer to each other in a loop: {cycle}")
        self.resolving.append(name)
        try:
            node = Ref(name, self.compile(self.sources[name], (name,)))
        finally:
            self.resolving.pop()
        self.compiled[name] = node
        return node

    def compile(self, text: str, where: tuple[str, ...], table: _Table | None = None) -> Node:
        owner = table or self.table
        try:
            return parse(text, self.resolve, self.countable)
        except ExpressionError as error:
            raise owner.error(where[-1], f"{error} in {text!r}") from None


def _threshold(table: _Table, base: EntityThreshold) -> EntityThreshold:
    threshold = EntityThreshold(
        min_score=table.number("min_score", base.min_score, 0.0, 1.0),
        min_count=table.integer("min_count", base.min_count, minimum=1),
        weight=table.number("weight", base.weight),
        weight_cap=table.integer("weight_cap", base.weight_cap, minimum=1),
    )
    return threshold


def _entities(
    root: _Table, base: EntityThreshold
) -> tuple[dict[str, EntityThreshold], dict[str, Category]]:
    table = root.table("entities")
    thresholds: dict[str, EntityThreshold] = {}
    categories = dict(KNOWN_ENTITIES)

    def read(name: str) -> None:
        entry = table.table(name)
        if not _NAME.match(name) or name in _RESERVED:
            raise entry.error(None, "an entity type is a letter or _ then letters, digits, _")
        if name not in KNOWN_ENTITIES:
            # A district's own recognizer: the policy must say what category it reports.
            categories[name] = entry.choice("category", Category)
        elif "category" in entry.data:
            raise entry.error("category", "built-in entity types have a fixed category")
        thresholds[name] = _threshold(entry, base)
        entry.done()

    for name in table.data:
        table.read.add(name)
        table.context.attempt(None, read, name)
    return thresholds, categories


def _rules(root: _Table, symbols: _Symbols, clauses: dict[str, str]) -> tuple[Rule, ...]:
    root.read.add("rules")
    items = root.data.get("rules", [])
    if not isinstance(items, list):
        raise root.error("rules", "must be an array of tables: [[rules]]")
    names: set[str] = set()

    def read(index: int, item: object) -> Rule:
        table = _Table(root.context, ("rules", index), item)
        name = table.string("name")
        if name in names:
            raise table.error("name", f"a rule named {name!r} comes earlier")
        names.add(name)
        expression = table.string("when")
        node = symbols.compile(expression, ("when",), table)
        rule = Rule(
            name=name,
            expression=expression,
            node=node,
            action=_verdict(table, "action"),
            if_authorized=_verdict(table, "if_authorized", None),
            clauses=_clauses(table, "clauses", clauses),
            explain=table.string("explain"),
        )
        table.done()
        return rule

    read_rules = [root.context.attempt(None, read, i, item) for i, item in enumerate(items)]
    return tuple(rule for rule in read_rules if rule is not None)


def _entity_names(table: _Table, key: str, known: dict[str, Category]) -> frozenset[str]:
    names = table.strings(key, [])
    unknown = [name for name in names if name not in known or name in _CATEGORIES]
    if unknown:
        raise table.error(
            key, f"{unknown[0]!r} is not an entity type (categories go under 'categories')"
        )
    return frozenset(names)


def _authorized(root: _Table, known: dict[str, Category]) -> tuple[Authorization, ...]:
    root.read.add("authorized")
    items = root.data.get("authorized", [])
    if not isinstance(items, list):
        raise root.error("authorized", "must be an array of tables: [[authorized]]")

    def read(index: int, item: object) -> Authorization:
        table = _Table(root.context, ("authorized", index), item)
        domains = tuple(_domain(table, "domains", value) for value in table.strings("domains", []))
        addresses = tuple(
            ascii_address(value.strip().lower()) for value in table.strings("addresses", [])
        )
        for address in addresses:
            local, at, domain = address.rpartition("@")
            if not (local and at):
                raise table.error("addresses", f"{address!r} is not an e-mail address")
            _domain(table, "addresses", domain)
        if not domains and not addresses:
            raise table.error(None, "give at least one of 'domains' or 'addresses'")
        expires = table.day("expires", None)
        categories = _categories(table, "categories")
        entities = _entity_names(table, "entities", known)
        if not categories and not entities:
            raise table.error(None, "give at least one of 'categories' or 'entities'")
        entry = Authorization(
            name=table.string("name"),
            domains=domains,
            addresses=addresses,
            categories=categories,
            agreement=table.string("agreement"),
            expires=expires,
            entities=entities,
        )
        table.done()
        return entry

    entries = [root.context.attempt(None, read, i, item) for i, item in enumerate(items)]
    return tuple(entry for entry in entries if entry is not None)


_DIGEST = re.compile(r"[0-9a-f]{32}")  # as dlp.detect.masking.keyed_digest writes it


def _allowed(root: _Table) -> frozenset[tuple[str, str]]:
    """``[[allow]]`` entries: a value marked "not sensitive", by its keyed digest.

    The digest is ``Finding.digest`` (HMAC-SHA256 under the district's secret), as
    ``dlp quarantine false-positives --format toml`` prints it: the value itself is never
    written down, and an entry means nothing under another secret.
    """
    root.read.add("allow")
    items = root.data.get("allow", [])
    if not isinstance(items, list):
        raise root.error("allow", "must be an array of tables: [[allow]]")

    def read(index: int, item: object) -> tuple[str, str]:
        table = _Table(root.context, ("allow", index), item)
        entity_type = table.string("entity_type").strip()
        digest = table.string("digest").strip().lower()
        table.string("note", "")
        table.string("recorded_by", "")
        table.string("masked", "")
        if not entity_type:
            raise table.error("entity_type", "must name the finding's entity type")
        if not _DIGEST.fullmatch(digest):
            raise table.error("digest", "must be the finding's 32-hex-digit digest")
        table.done()
        return entity_type, digest

    entries = [root.context.attempt(None, read, i, item) for i, item in enumerate(items)]
    return frozenset(entry for entry in entries if entry is not None)


def _unscannable(root: _Table, clauses: dict[str, str]) -> UnscannablePolicy:
    table = root.table("unscannable")
    by_reason: dict[UnscannableReason, Verdict] = {}
    reasons = table.table("by_reason")
    for key in reasons.data:
        try:
            reason = UnscannableReason(key)
        except ValueError:
            allowed = ", ".join(f'"{item.value}"' for item in UnscannableReason)
            reasons.read.add(key)
            reasons.context.report(reasons.error(key, f"unknown reason; reasons are {allowed}"))
            continue
        by_reason[reason] = _verdict(reasons, key)
    reasons.done()
    policy = UnscannablePolicy(
        external=_verdict(table, "external", Verdict.QUARANTINE),
        internal=_verdict(table, "internal", Verdict.DELIVER),
        by_reason=by_reason,
        clauses=_clauses(table, "clauses", clauses),
        explain=table.string(
            "explain",
            "Part of this message could not be read, so it cannot be checked for student or "
            "staff information.",
        ),
    )
    table.done()
    return policy


def _encryption(root: _Table, clauses: dict[str, str]) -> EncryptionPolicy:
    table = root.table("encryption")
    policy = EncryptionPolicy(
        subject_tags=table.strings("subject_tags", ("[secure]",)),
        without_certificate=table.choice(
            "without_certificate", WithoutCertificate, WithoutCertificate.REQUIRE_TLS
        ),
        neutral_subject=table.string("neutral_subject", None),
        certificates=table.string("certificates", None),
        clauses=_clauses(table, "clauses", clauses),
    )
    if any(not tag.strip() for tag in policy.subject_tags):
        raise table.error("subject_tags", "a subject tag cannot be empty")
    table.done()
    return policy


def _notifications(root: _Table) -> NotificationPolicy:
    table = root.table("notifications")
    policy = NotificationPolicy(
        sender_subject=table.string("sender_subject", "Your message was not delivered as sent"),
        unscannable_subject=table.string(
            "unscannable_subject",
            "Your message was held: part of it could not be read to check it",
        ),
        authorization_help=table.string(
            "authorization_help",
            "To send this information outside the district, ask Information Technology "
            "Services to approve the recipient and the data they may receive.",
        ),
        template=table.string("template", None),
    )
    table.done()
    return policy


def _district(root: _Table) -> tuple[str, tuple[str, ...], bool]:
    district = root.table("district")
    attempt = root.context.attempt

    def domains() -> list[str]:
        found = [_domain(district, "domains", value) for value in district.strings("domains")]
        if not found:
            raise district.error("domains", "list at least one district domain")
        return found

    name: str = attempt("the district", district.string, "name", "the district")
    found = attempt([], domains)
    include_subdomains: bool = attempt(True, district.boolean, "include_subdomains", True)
    district.done()
    return name, tuple(found), include_subdomains


def _lookalike(root: _Table, protected: list[str], authorized: list[str]) -> LookalikeDetector:
    table = root.table("lookalike")
    attempt = root.context.attempt
    include: bool = attempt(True, table.boolean, "include_authorized", True)
    detector = LookalikeDetector(
        [*protected, *authorized] if include else protected,
        max_distance=attempt(1, table.integer, "max_distance", 1, minimum=0),
        min_length=attempt(4, table.integer, "min_length", 4, minimum=1),
        other_suffix=attempt(True, table.boolean, "other_suffix", True),
    )
    table.done()
    return detector


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Validate the TOML ``text`` of a policy file; ``source`` names it in errors.

    Reading goes on past an error, so that the `PolicyError` raised lists every one found.
    """
    context = _Context(source, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        raise PolicyError(source, int(found.group(1)) if found else 1, "", str(error)) from None
    attempt = context.attempt
    root = _Table(context, (), data)  # tomllib's top level is always a table

    def version() -> None:
        if root.integer("version", 1, minimum=1) != 1:
            raise root.error("version", "this program reads policy version 1")

    attempt(None, version)
    mode = attempt(Mode.ENFORCE, root.choice, "mode", Mode, Mode.ENFORCE)
    district_name, domains, include_subdomains = _district(root)

    clause_table = root.table("clauses")
    clauses: dict[str, str] = {}
    for key in clause_table.data:
        # A clause that is not text is still declared: rules citing it are not errors too.
        clauses[key] = attempt("", clause_table.string, key)
    clause_table.done()

    fallback = EntityThreshold(min_score=0.4, min_count=1, weight=1.0, weight_cap=1)
    defaults = root.table("defaults")
    base = attempt(fallback, _threshold, defaults, fallback)
    defaults.done()
    thresholds, entity_categories = _entities(root, base)

    symbols = _Symbols(root.table("symbols"), entity_categories)
    for name in list(symbols.sources):
        attempt(None, symbols.resolve, name)
    no_rules: tuple[Rule, ...] = ()
    rules = attempt(no_rules, _rules, root, symbols, clauses)
    nobody: tuple[Authorization, ...] = ()
    authorized = attempt(nobody, _authorized, root, entity_categories)
    lookalike = _lookalike(
        root,
        list(domains),
        [item for entry in authorized for item in (*entry.domains, *entry.addresses)],
    )
    no_allowed: frozenset[tuple[str, str]] = frozenset()
    allowed = attempt(no_allowed, _allowed, root)
    unscannable = attempt(None, _unscannable, root, clauses)
    encryption = attempt(None, _encryption, root, clauses)
    notifications = attempt(None, _notifications, root)
    root.done()
    if context.errors or unscannable is None or encryption is None or notifications is None:
        raise PolicyError.combined(context.errors)
    return Policy(
        source=source,
        mode=mode,
        district_name=district_name,
        internal_domains=domains,
        include_subdomains=include_subdomains,
        clauses=clauses,
        default_threshold=base,
        entities=thresholds,
        entity_categories=entity_categories,
        symbols=dict(symbols.sources),
        rules=rules,
        authorized=authorized,
        unscannable=unscannable,
        encryption=encryption,
        notifications=notifications,
        lookalike=lookalike,
        allowed=allowed,
    )


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file. Raises `PolicyError` (also for an unreadable file)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(str(file), 1, "", f"cannot read the policy: {error}") from None
    return parse_policy(text, str(file))
