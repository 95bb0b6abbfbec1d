"""Loading and validating a policy file. Every error names the file, the line and the key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dlp.detect.categories import CategoryInfo, shipped_categories
from dlp.domains import ascii_address, ascii_domain
from dlp.model import Category, UnscannableReason
from dlp.policy.config import (
    MESSAGE_FLAGS,
    RECIPIENT_FLAGS,
    WITHOUT_CERTIFICATE_ALIASES,
    Authorization,
    EncryptionPolicy,
    EntityThreshold,
    FamilyPolicy,
    Mode,
    NotificationPolicy,
    Policy,
    Rule,
    UnscannablePolicy,
    Verdict,
    WithoutCertificate,
    known_entities,
)
from dlp.policy.expression import ExpressionError, Flag, Node, Ref, parse
from dlp.policy.lookalike import LookalikeDetector
from dlp.policy.summary import LABELS
from dlp.tomlreader import MISSING, ConfigError, Reader, Table

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_RESERVED = frozenset({"and", "or", "not", "true", "false", "count", "distinct", "score"})


class _PolicyReader(Reader):
    """The policy file being read, with the category names recognizers/ declares."""

    def __init__(self, source: str, text: str, categories: frozenset[str]) -> None:
        super().__init__(source, text, PolicyError)
        self.categories = categories


def _declared(table: Table) -> frozenset[str]:
    reader = table.reader
    return reader.categories if isinstance(reader, _PolicyReader) else frozenset()


class PolicyError(ConfigError):
    """A policy that cannot be used. ``str()`` reads ``FILE:LINE: KEY: what is wrong``.

    The loader reports every error it finds: the first one is this error's own source, line,
    key and message, and ``errors`` holds them all (one line each in ``str()``).
    """


def _verdict(table: Table, key: str, default: Any = MISSING) -> Verdict:
    return table.choice(key, Verdict, default)


def _domain(table: Table, key: str, value: str) -> str:
    normalized = ascii_domain(value)  # the one form recipients are compared in
    if not _DOMAIN.match(normalized):
        raise table.error(key, f"{value!r} is not a domain name")
    return normalized


def _category(table: Table, key: str, name: str) -> Category:
    declared = _declared(table)
    if name not in declared:
        allowed = ", ".join(sorted(declared))
        raise table.error(key, f"unknown category {name!r}; categories are {allowed}")
    return Category(name)


def _categories(table: Table, key: str) -> frozenset[Category]:
    return frozenset(_category(table, key, name) for name in table.strings(key, []))


def _clauses(table: Table, key: str, known: dict[str, str]) -> tuple[str, ...]:
    clauses = table.strings(key, [])
    for clause in clauses:
        if clause not in known:
            raise table.error(key, f"clause {clause!r} is not declared under [clauses]")
    return clauses


class _Symbols:
    """Resolves names in expressions, compiling composites on first use (cycles are errors)."""

    def __init__(self, table: Table, entities: dict[str, Category]) -> None:
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
            table.reader.report(table.error(name, problem))
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

    def compile(self, text: str, where: tuple[str, ...], table: Table | None = None) -> Node:
        owner = table or self.table
        try:
            return parse(text, self.resolve, self.countable)
        except ExpressionError as error:
            raise owner.error(where[-1], f"{error} in {text!r}") from None


def _threshold(table: Table, base: EntityThreshold) -> EntityThreshold:
    threshold = EntityThreshold(
        min_score=table.number("min_score", base.min_score, minimum=0.0, maximum=1.0),
        min_count=table.integer("min_count", base.min_count, minimum=1),
        weight=table.number("weight", base.weight, minimum=0.0),
        weight_cap=table.integer("weight_cap", base.weight_cap, minimum=1),
    )
    return threshold


def _entities(
    root: Table, base: EntityThreshold
) -> tuple[dict[str, EntityThreshold], dict[str, Category]]:
    table = root.table("entities")
    thresholds: dict[str, EntityThreshold] = {}
    known = known_entities(_declared(root))
    categories = dict(known)

    def read(name: str) -> None:
        entry = table.table(name)
        if not _NAME.match(name) or name in _RESERVED:
            raise entry.error(None, "an entity type is a letter or _ then letters, digits, _")
        if name not in known:
            # A district's own recognizer: the policy must say what category it reports.
            categories[name] = _category(entry, "category", entry.string("category"))
        elif "category" in entry.data:
            raise entry.error("category", "built-in entity types have a fixed category")
        thresholds[name] = _threshold(entry, base)
        entry.done()

    for name in table.data:
        table.read.add(name)
        table.reader.attempt(None, read, name)
    return thresholds, categories


def _rules(root: Table, symbols: _Symbols, clauses: dict[str, str]) -> tuple[Rule, ...]:
    names: set[str] = set()

    def read(table: Table) -> Rule:
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
            overridable=table.boolean("overridable", False),
        )
        table.done()
        return rule

    return tuple(root.array("rules", read))


def _entity_names(table: Table, key: str, known: dict[str, Category]) -> frozenset[str]:
    names = table.strings(key, [])
    declared = _declared(table)
    unknown = [name for name in names if name not in known or name in declared]
    if unknown:
        raise table.error(
            key, f"{unknown[0]!r} is not an entity type (categories go under 'categories')"
        )
    return frozenset(names)


def _authorized(root: Table, known: dict[str, Category]) -> tuple[Authorization, ...]:

    def read(table: Table) -> Authorization:
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

    return tuple(root.array("authorized", read))


_DIGEST = re.compile(r"[0-9a-f]{32}")  # as dlp.detect.masking.keyed_digest writes it


def _allowed(root: Table) -> frozenset[tuple[str, str]]:
    """``[[allow]]`` entries: a value marked "not sensitive", by its keyed digest.

    The digest is ``Finding.digest`` (HMAC-SHA256 under the district's secret), as
    ``dlp quarantine false-positives --format toml`` prints it: the value itself is never
    written down, and an entry means nothing under another secret.
    """

    def read(table: Table) -> tuple[str, str]:
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

    return frozenset(root.array("allow", read))


def _unscannable(root: Table, clauses: dict[str, str]) -> UnscannablePolicy:
    table = root.table("unscannable")
    by_reason: dict[UnscannableReason, Verdict] = {}
    reasons = table.table("by_reason")
    for key in reasons.data:
        try:
            reason = UnscannableReason(key)
        except ValueError:
            allowed = ", ".join(f'"{item.value}"' for item in UnscannableReason)
            reasons.read.add(key)
            reasons.reader.report(reasons.error(key, f"unknown reason; reasons are {allowed}"))
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


def _without_certificate(table: Table) -> WithoutCertificate:
    words = (*(item.value for item in WithoutCertificate), *WITHOUT_CERTIFICATE_ALIASES)
    value = table.one_of("without_certificate", words, WithoutCertificate.REQUIRE_TLS.value)
    return WithoutCertificate(WITHOUT_CERTIFICATE_ALIASES.get(value, value))


def _encryption(root: Table, clauses: dict[str, str]) -> EncryptionPolicy:
    table = root.table("encryption")
    policy = EncryptionPolicy(
        subject_tags=table.strings("subject_tags", ("[secure]",)),
        without_certificate=_without_certificate(table),
        neutral_subject=table.string("neutral_subject", None),
        certificates=table.string("certificates", None),
        clauses=_clauses(table, "clauses", clauses),
        portal_with_certificate=table.boolean("portal_with_certificate", False),
    )
    if any(not tag.strip() for tag in policy.subject_tags):
        raise table.error("subject_tags", "a subject tag cannot be empty")
    table.done()
    return policy


def _notifications(root: Table) -> NotificationPolicy:
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


def _families(root: Table) -> FamilyPolicy:
    table = root.table("families")
    policy = FamilyPolicy(
        eligible_student_parents=root.reader.attempt(
            False, table.boolean, "eligible_student_parents", False
        )
    )
    table.done()
    return policy


def _district(root: Table) -> tuple[str, tuple[str, ...], bool]:
    district = root.table("district")
    attempt = root.reader.attempt

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


def _lookalike(root: Table, protected: list[str], authorized: list[str]) -> LookalikeDetector:
    table = root.table("lookalike")
    attempt = root.reader.attempt
    include: bool = attempt(True, table.boolean, "include_authorized", True)
    detector = LookalikeDetector(
        [*protected, *authorized] if include else protected,
        max_distance=attempt(1, table.integer, "max_distance", 1, minimum=0),
        min_length=attempt(4, table.integer, "min_length", 4, minimum=1),
        other_suffix=attempt(True, table.boolean, "other_suffix", True),
    )
    table.done()
    return detector


def parse_policy(
    text: str, source: str = "<policy>", categories: Mapping[str, CategoryInfo] | None = None
) -> Policy:
    """Validate the TOML ``text`` of a policy file; ``source`` names it in errors.

    ``categories`` are the ones the scanner's recognizer folders declare (``build_scanner``'s
    ``Scanner.categories``); None: the shipped recognizers'. Reading goes on past an error,
    so that the `PolicyError` raised lists every one found.
    """
    declared = shipped_categories() if categories is None else categories
    reader = _PolicyReader(source, text, frozenset(declared))
    root = reader.parse()
    attempt = reader.attempt

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
    families = attempt(FamilyPolicy(), _families, root)
    root.done()
    if reader.errors or unscannable is None or encryption is None or notifications is None:
        raise PolicyError.combined(reader.errors)
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
        categories=reader.categories,
        labels={**{name: info.label for name, info in declared.items()}, **LABELS},
        families=families,
    )


def load_policy(path: str | Path, categories: Mapping[str, CategoryInfo] | None = None) -> Policy:
    """Read and validate a policy file. Raises `PolicyError` (also for an unreadable file)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(str(file), 1, "", f"cannot read the policy: {error}") from None
    return parse_policy(text, str(file), categories)
