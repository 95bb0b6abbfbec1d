"""Loading recognizer definitions from the data files in ``recognizers/``."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlp.model import Category

_FLAG_NAMES = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL}
MASK_STYLES = ("last4", "email", "date", "words", "hidden", "term")


class SpecError(ValueError):
    """An entity file that cannot be used; the message names the file and the key."""


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
    context_before: int
    context_after: int
    flags: int
    mask: str
    validate: str | None
    invalidate: str | None
    source: str


def _require(data: dict[str, Any], key: str, kind: type, source: str) -> Any:
    if key not in data:
        raise SpecError(f"{source}: missing key '{key}'")
    value = data[key]
    if not isinstance(value, kind):
        raise SpecError(f"{source}: key '{key}' must be a {kind.__name__}")
    return value


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 0


def parse_entity_spec(
    text: str, source: str, categories: Collection[str] | None = None
) -> EntitySpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{source}: {error}") from None
    entity_type = _require(data, "entity_type", str, source)
    category_name = _require(data, "category", str, source)
    # --- the category: one of those recognizers/ declares (dlp.detect.categories) ---
    if categories is not None and category_name not in categories:
        known = ", ".join(sorted(categories))
        raise SpecError(
            f"{source}:{_line_of(text, 'category')}: key 'category': unknown {category_name!r}"
            f" (one of {known}; a new one is declared in categories.toml or a dictionary)"
        )
    category = Category(category_name)
    # --- end of the category ---
    flags = 0
    for flag in data.get("flags", ["IGNORECASE"]):
        if flag not in _FLAG_NAMES:
            raise SpecError(f"{source}: key 'flags': unknown flag {flag!r}")
        flags |= _FLAG_NAMES[flag]
    patterns = []
    for index, raw in enumerate(_require(data, "patterns", list, source)):
        where = f"{source}: patterns[{index}]"
        name = _require(raw, "name", str, where)
        regex = _require(raw, "regex", str, where)
        score = raw.get("score", 0.5)
        if not isinstance(score, int | float) or not 0 < score <= 1:
            raise SpecError(f"{where}: key 'score' must be a number in (0, 1]")
        try:
            re.compile(regex, flags | re.ASCII)
        except re.error as error:
            line = _line_of(text, regex[:40])
            raise SpecError(f"{source}:{line}: pattern {name!r}: bad regex: {error}") from None
        patterns.append(PatternSpec(name, regex, float(score)))
    if not patterns:
        raise SpecError(f"{source}: key 'patterns' is empty")
    context = data.get("context", {})
    mask = data.get("mask", "last4")
    if mask not in MASK_STYLES:
        raise SpecError(f"{source}: key 'mask': unknown style {mask!r} (one of {MASK_STYLES})")
    default_name = "".join(part.title() for part in entity_type.split("_")) + "Recognizer"
    return EntitySpec(
        entity_type=entity_type,
        category=category,
        recognizer=data.get("recognizer", default_name),
        patterns=tuple(patterns),
        context_words=tuple(context.get("words", ())),
        negative_words=tuple(context.get("negative", ())),
        context_before=int(context.get("before", 64)),
        context_after=int(context.get("after", 24)),
        flags=flags,
        mask=mask,
        validate=data.get("validate"),
        invalidate=data.get("invalidate"),
        source=source,
    )


def load_entity_specs(
    folder: Path, categories: Collection[str] | None = None, overlay: Path | None = None
) -> list[EntitySpec]:
    """The entity files of ``folder``; one of the same name in ``overlay`` replaces it."""
    if not folder.is_dir():
        raise SpecError(f"{folder}: recognizer folder not found")
    paths = {path.name: path for path in sorted(folder.glob("*.toml"))}
    if overlay is not None:
        paths.update((path.name, path) for path in sorted(overlay.glob("*.toml")))
    return [
        parse_entity_spec(path.read_text(encoding="utf-8"), str(path), categories)
        for _, path in sorted(paths.items())
    ]


def default_recognizers_dir() -> Path:
    """The shipped detection content: inside the wheel, or at the top of a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_recognizers"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "recognizers"
