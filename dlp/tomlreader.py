"""Reading a TOML file into validated values: the one reader of the policy, the settings and
the recognizer files.

Reading goes on past an error, so that one run reports every error found, each as
``FILE:LINE: KEY: what is wrong``. A getter states its key's bounds itself (``minimum=``,
``exclusive_minimum=``, ``maximum=``): there is no default bound to forget, since "at least 0"
and "more than 0" are both in use.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from dlp.tomllines import KeyPath, dotted, key_lines, line_of

T = TypeVar("T")
P = ParamSpec("P")
E = TypeVar("E", bound="ConfigError")
E2 = TypeVar("E2", bound=StrEnum)

MISSING: Any = object()  # a getter's default when the key must be there


class ConfigError(ValueError):
    """A file that cannot be used. ``str()`` reads ``FILE:LINE: KEY: what is wrong``, one line
    per error: the first is this error's own source, line, key and message, and ``errors``
    holds them all. ``line`` is None when the error is about the file as a whole (and a bare
    ``ConfigError("what")`` is a message alone)."""

    def __init__(
        self,
        source: str,
        line: int | None = None,
        key: str = "",
        message: str = "",
        others: tuple[ConfigError, ...] = (),
    ) -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.key = key
        self.message = message
        self.errors: tuple[ConfigError, ...] = (self, *others)

    @classmethod
    def combined(cls: type[E], errors: list[ConfigError]) -> E:
        first, *others = errors
        return cls(first.source, first.line, first.key, first.message, tuple(others))

    def line_text(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return ": ".join(part for part in (where, self.key, self.message) if part)

    def __str__(self) -> str:
        return "\n".join(error.line_text() for error in self.errors)


class Reader:
    """One file being read: its key lines, the errors found so far, and the folder relative
    paths in it are taken from. ``kind`` is the error class its callers catch."""

    def __init__(
        self, source: str, text: str, kind: type[ConfigError], base: Path | None = None
    ) -> None:
        self.source = source
        self.text = text
        self.kind = kind
        self.base = base or Path(".")
        self.lines = key_lines(text)
        self.errors: list[ConfigError] = []

    def parse(self) -> Table:
        """The file's top-level table; TOML that does not parse is raised at once."""
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as error:
            # Python 3.11's error has no line attribute, only "(at line N, column M)" in its text.
            found = re.search(r"line (\d+)", str(error))
            line = int(found.group(1)) if found else 1
            raise self.kind(self.source, line, "", f"not valid TOML: {error}") from None
        return Table(self, (), data)

    def error(self, path: KeyPath, message: str) -> ConfigError:
        return self.kind(self.source, line_of(self.lines, path), dotted(path), message)

    def report(self, error: ConfigError) -> None:
        # A name that fails once (a broken symbol) fails again wherever it is used.
        if all(str(error) != str(known) for known in self.errors):
            self.errors.append(error)

    def attempt(self, fallback: T, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``read(...)``, or ``fallback`` once its error is recorded, so reading can go on."""
        try:
            return read(*args, **kwargs)
        except ConfigError as error:
            for each in error.errors:
                self.report(each)
            return fallback

    def check(self) -> None:
        """Raise every error recorded, as one error of the reader's kind."""
        if self.errors:
            raise self.kind.combined(self.errors)


def _bound_problem(
    value: float,
    minimum: float | None,
    exclusive_minimum: float | None,
    maximum: float | None,
) -> str | None:
    """What is wrong with ``value`` under these bounds, in words; None when nothing is."""
    low_ok = (minimum is None or value >= minimum) and (
        exclusive_minimum is None or value > exclusive_minimum
    )
    if low_ok and (maximum is None or value <= maximum):
        return None
    if exclusive_minimum is not None:
        low = f"more than {exclusive_minimum}"
        return f"must be {low} and at most {maximum}" if maximum is not None else f"must be {low}"
    if minimum is not None:
        if maximum is not None:
            return f"must be between {minimum} and {maximum}"
        return f"must be at least {minimum}"
    return f"must be at most {maximum}"


class Table:
    """One TOML table being read: typed getters, and a check that no key was left unread."""

    def __init__(self, reader: Reader, path: KeyPath, data: object) -> None:
        if not isinstance(data, dict):
            raise reader.error(path, "must be a table")
        self.reader = reader
        self.path = path
        self.data: dict[str, Any] = data
        self.read: set[str] = set()

    def error(self, key: str | int | None, message: str) -> ConfigError:
        return self.reader.error((*self.path, key) if key is not None else self.path, message)

    def get(self, key: str, kinds: tuple[type, ...], what: str, default: Any = MISSING) -> Any:
        """The value of ``key`` if it is one of ``kinds`` (``what`` says so in words)."""
        self.read.add(key)
        if key not in self.data:
            if default is MISSING:
                raise self.error(None, f"missing key '{key}'")
            return default
        value = self.data[key]
        # bool is an int in Python, never in one of these files
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.error(key, f"must be {what}, not {type(value).__name__}")
        return value

    def string(self, key: str, default: Any = MISSING) -> Any:
        return self.get(key, (str,), "a string", default)

    def optional_string(self, key: str, default: str | None) -> str | None:
        """A string where "" means none."""
        value = self.string(key, default)
        return value or None

    def boolean(self, key: str, default: Any = MISSING) -> Any:
        return self.get(key, (bool,), "true or false", default)

    def integer(
        self,
        key: str,
        default: Any = MISSING,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> Any:
        value = self.get(key, (int,), "a whole number", default)
        if isinstance(value, int):
            problem = _bound_problem(value, minimum, None, maximum)
            if problem:
                raise self.error(key, problem)
        return value

    def number(
        self,
        key: str,
        default: Any = MISSING,
        *,
        minimum: float | None = None,
        exclusive_minimum: float | None = None,
        maximum: float | None = None,
    ) -> Any:
        """A number (a whole one too), as a float."""
        value = self.get(key, (int, float), "a number", default)
        if not isinstance(value, int | float):
            return value
        problem = _bound_problem(value, minimum, exclusive_minimum, maximum)
        if problem:
            raise self.error(key, problem)
        return float(value)

    def strings(self, key: str, default: Any = MISSING) -> tuple[str, ...]:
        value = self.get(key, (list, tuple), "a list of strings", default)
        for item in value:
            if not isinstance(item, str):
                raise self.error(key, f"must be a list of strings, found {type(item).__name__}")
        return tuple(value)

    def day(self, key: str, default: Any = MISSING) -> Any:
        return self.get(key, (date,), "a date (YYYY-MM-DD, without quotes)", default)

    def one_of(self, key: str, allowed: tuple[str, ...], default: Any = MISSING) -> Any:
        """One of the strings ``allowed``."""
        value = self.string(key, default)
        if isinstance(value, str) and value not in allowed:
            listed = ", ".join(f'"{item}"' for item in allowed)
            raise self.error(key, f"must be one of {listed}, not {value!r}")
        return value

    def choice(self, key: str, kind: type[E2], default: Any = MISSING) -> E2:
        """One of an enum's values, as the enum."""
        value = self.one_of(key, tuple(item.value for item in kind), default)
        return kind(value) if isinstance(value, str) else value

    def path_value(self, key: str, default: Path | None) -> Path | None:
        """A file or folder; a relative one is taken from the file's folder, "" is none."""
        value = self.string(key, default)
        if value is None or value == "":
            return None
        if isinstance(value, Path):
            return value
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.reader.base / path

    def required_path(self, key: str, default: Path) -> Path:
        value = self.path_value(key, default)
        if value is None:
            raise self.error(key, "must name a file or folder")
        return value

    def table(self, key: str) -> Table:
        """The sub-table ``key``; one that is not a table is an error, read on as empty."""
        self.read.add(key)
        data = self.data.get(key, {})
        if not isinstance(data, dict):
            self.reader.report(self.error(key, "must be a table"))
            data = {}
        return Table(self.reader, (*self.path, key), data)

    def array(self, key: str, read: Callable[[Table], T]) -> list[T]:
        """``[[key]]``: ``read`` of each of its tables. One in error is recorded and left out,
        so that reading goes on; a ``key`` that is not an array of tables is raised."""
        self.read.add(key)
        items = self.data.get(key, [])
        if not isinstance(items, list):
            raise self.error(key, f"must be an array of tables: [[{key}]]")
        found: list[T] = []
        for index, item in enumerate(items):
            where = (*self.path, key, index)
            result = self.reader.attempt(_LEFT_OUT, _read_table, self.reader, where, item, read)
            if result is not _LEFT_OUT:
                found.append(result)
        return found

    def done(self) -> None:
        """Record every key nobody read (they are errors, but reading goes on)."""
        for key in self.data:
            if key not in self.read:
                self.reader.report(self.error(key, "unknown key (misspelled?)"))


_LEFT_OUT: Any = object()


def _read_table(reader: Reader, path: KeyPath, data: object, read: Callable[[Table], T]) -> T:
    return read(Table(reader, path, data))
