"""Loading recognizer definitions from the data files in ``recognizers/``."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from dlp.model import Category
from dlp.tomlreader import ConfigError, Reader, Table

_FLAG_NAMES = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL}
MASK_STYLES = ("last4", "email", "date", "words", "hidden", "term")


class SpecError(ConfigError):
    """An entity file that cannot be used: ``FILE:LINE: KEY: what is wrong``, one line each."""


@dataclass(frozen=True, slots=True)
class PatternSpec:
    name: str
    regex: str
    score: float


@dataclass(frozen=True, slots=True)
class EntitySpec:
    entity_type: str
    category: Category
    recognizer: str
    patterns: tuple[PatternSpec, ...]
    context_words: tuple[str, ...]
    # Words that make a match less believable ("invoice", "room"): see dlp.detect.context.
    negative_words: tuple[str, ...]
    # False: the context words are looked for around each match instead of in the shared index
    # (common words such as "school" or "class", next to rare terms): see dlp.detect.context.
    context_indexed: bool
    context_before: int
    context_after: int
    flags: int
    mask: str
    validate: str | None
    invalidate: str | None
    source: str
    # A column header that is this entity's label only in a table whose header row also names
    # one of ``columns_with`` ("Name | ID | Score": "ID" alone labels a student's ID in a
    # gradebook, not in an order list): see dlp.detect.context.
    columns: tuple[str, ...] = ()
    columns_with: tuple[str, ...] = ()


# How people abbreviate the words of a label ("Pupil no.", "Phone #") and how OCR reads them:
# "Student1D:4481902", "PermlD 4481902" (I as 1 or l), "SocialSecurityNurnber" (m as rn).
_OCR_READINGS = (
    (re.compile(r"(?<![^\W_])id(?![^\W_])", re.IGNORECASE), ("1d", "ld")),
    (re.compile(r"(?<![^\W_])number(?![^\W_])", re.IGNORECASE), ("nurnber", "no", "#", "num")),
)


def ocr_spellings(words: tuple[str, ...]) -> tuple[str, ...]:
    """The context words, each also as people abbreviate it and as OCR often reads it."""
    extra = [
        pattern.sub(reading, word)
        for word in words
        for pattern, readings in _OCR_READINGS
        if pattern.search(word)
        for reading in readings
    ]
    return tuple(dict.fromkeys((*words, *extra)))


def _pattern(table: Table, flags: int) -> PatternSpec:
    name = table.string("name")
    regex = table.string("regex")
    score = table.number("score", 0.5, exclusive_minimum=0.0, maximum=1.0)
    try:
        re.compile(regex, flags | re.ASCII)
    except re.error as error:
        raise table.error("regex", f"pattern {name!r}: bad regex: {error}") from None
    return PatternSpec(name, regex, score)


def _flags(table: Table) -> int:
    flags = 0
    for flag in table.strings("flags", ("IGNORECASE",)):
        if flag not in _FLAG_NAMES:
            raise table.error("flags", f"unknown flag {flag!r}")
        flags |= _FLAG_NAMES[flag]
    return flags


def parse_entity_spec(
    text: str, source: str, categories: Collection[str] | None = None
) -> EntitySpec:
    """The recognizer ``text`` declares; a `SpecError` lists every error found in it.

    Keys this reader does not know are passed over, as they always were (a district's file
    may carry notes of its own)."""
    reader = Reader(source, text, SpecError)
    root = reader.parse()
    attempt = reader.attempt
    entity_type: str = attempt("", root.string, "entity_type")
    category_name: str = attempt("", root.string, "category")
    # --- the category: one of those recognizers/ declares (dlp.detect.categories) ---
    if categories is None:
        from dlp.detect.categories import shipped_categories  # it reads this module's files

        categories = shipped_categories()
    if category_name and category_name not in categories:
        known = ", ".join(sorted(categories))
        reader.report(
            root.error(
                "category",
                f"unknown {category_name!r} (one of {known}; a new one is declared in "
                "categories.toml or a dictionary)",
            )
        )
    # --- end of the category ---
    flags = attempt(re.IGNORECASE, _flags, root)
    patterns: list[PatternSpec] = []
    if "patterns" not in root.data:
        reader.report(root.error(None, "missing key 'patterns'"))
    elif root.data["patterns"] == []:
        reader.report(root.error("patterns", "is empty"))
    else:
        patterns = attempt([], root.array, "patterns", partial(_pattern, flags=flags))
    context = root.table("context")
    words: tuple[str, ...] = ocr_spellings(attempt((), context.strings, "words", ()))
    negative: tuple[str, ...] = attempt((), context.strings, "negative", ())
    indexed: bool = attempt(True, context.boolean, "indexed", True)
    # No bounds: the window sizes have never had any.
    before: int = attempt(64, context.integer, "before", 64)
    after: int = attempt(24, context.integer, "after", 24)
    columns: tuple[str, ...] = attempt((), context.strings, "columns", ())
    columns_with: tuple[str, ...] = attempt((), context.strings, "columns_with", ())
    if columns and not columns_with:
        reader.report(
            context.error("columns", "needs columns_with: the header row words that make it count")
        )
    mask: str = attempt("last4", root.string, "mask", "last4")
    if mask not in MASK_STYLES:
        reader.report(root.error("mask", f"unknown style {mask!r} (one of {MASK_STYLES})"))
    default_name = "".join(part.title() for part in entity_type.split("_")) + "Recognizer"
    recognizer: str = attempt(default_name, root.string, "recognizer", default_name)
    validate: str | None = attempt(None, root.string, "validate", None)
    invalidate: str | None = attempt(None, root.string, "invalidate", None)
    reader.check()
    return EntitySpec(
        entity_type=entity_type,
        category=Category(category_name),
        recognizer=recognizer,
        patterns=tuple(patterns),
        context_words=words,
        negative_words=negative,
        context_indexed=indexed,
        context_before=before,
        context_after=after,
        flags=flags,
        mask=mask,
        validate=validate,
        invalidate=invalidate,
        source=source,
        columns=columns,
        columns_with=columns_with,
    )


def load_entity_specs(
    folder: Path, categories: Collection[str] | None = None, overlay: Path | None = None
) -> list[EntitySpec]:
    """The entity files of ``folder``; one of the same name in ``overlay`` replaces it."""
    if not folder.is_dir():
        raise SpecError(str(folder), None, "", "recognizer folder not found")
    paths = {path.name: path for path in sorted(folder.glob("*.toml"))}
    if overlay is not None:
        paths.update((path.name, path) for path in sorted(overlay.glob("*.toml")))
    return [
        parse_entity_spec(path.read_text(encoding="utf-8"), str(path), categories)
        for _, path in sorted(paths.items())
    ]
