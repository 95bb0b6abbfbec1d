"""The token sequences a person can appear as in text: their "forms".

"Lisa Sybil Woods" yields "lisa woods", "lisa s woods", "lisa sybil woods", "woods lisa",
"woods lisa s" (for "Woods, Lisa S."), ... and the same with the preferred names; an ID yields
its tokens and its joined spelling; a guardian's phone number yields "950 342 7522" and
"9503427522". Each form keeps the raw spellings it may be written with (for the fingerprint
filter) beside the normalized tokens that are hashed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from dlp.roster.fingerprint import MAX_FORM_TOKENS, WEAK_DIGITS, fold, is_weak
from dlp.roster.people import Guardian, Person, PersonName
from dlp.roster.text import normalize_token, split_tokens

MIN_ID_CHARS = 4  # shorter IDs ("7") would match everywhere
MIN_PHONE_DIGITS = 7
# No form is a single token shorter than this: the matcher does not look up one-token
# sequences of shorter tokens ("10", "a", "C": a third of a school text's candidates).
MIN_SINGLE_TOKEN_CHARS = MIN_ID_CHARS

Spelling = tuple[str, ...]
_LETTERS_OR_DIGITS = re.compile(r"[^\W\d_]+|\d+")


class Field(IntEnum):
    LOCAL_ID = 0
    STATE_ID = 1
    NAME = 2
    PREFERRED_NAME = 3
    EMAIL = 4
    PHONE = 5
    ADDRESS = 6

    @property
    def kind(self) -> str:
        if self in (Field.LOCAL_ID, Field.STATE_ID):
            return "id"
        if self in (Field.NAME, Field.PREFERRED_NAME):
            return "name"
        return "contact"


@dataclass(frozen=True, slots=True)
class Form:
    field: Field
    tokens: Spelling  # normalized: what the HMAC covers
    spellings: tuple[Spelling, ...]  # raw spellings (NFC, any case) the text may use

    @property
    def hashed_text(self) -> bytes:
        return " ".join(self.tokens).encode("utf-8")


@dataclass(frozen=True, slots=True)
class _Part:
    raw: Spelling
    norm: Spelling


def _weak(token: str) -> bool:
    """`fingerprint.is_weak` of a raw token, as the matcher will see it in text."""
    if token.isascii():  # a raw ASCII token is letters and digits: its codes are itself
        return len(token) == 1 or (len(token) <= WEAK_DIGITS and token.isdigit())
    return is_weak(fold(token)[0])


def _parts(value: str) -> list[_Part]:
    """A name part split into tokens, plus its joined spelling ("O'Brien" -> "obrien")."""
    raw = tuple(split_tokens(value))
    if not raw:
        return []
    norm = tuple(normalize_token(token) for token in raw)
    parts = [_Part(raw, norm)]
    if len(raw) > 1:
        parts.append(_Part(("".join(raw),), ("".join(norm),)))
    return parts


def _middles(middle: str) -> list[_Part]:
    options = [_Part((), ())]
    for part in _parts(middle)[:1]:
        # "Ana Anita" is written "A.", "A. A." or in full.
        options.append(_Part((part.raw[0][0],), (part.norm[0][0],)))
        if len(part.raw) > 1:
            options.append(_Part(tuple(t[0] for t in part.raw), tuple(t[0] for t in part.norm)))
        options.append(part)
    return options


class _Collector:
    def __init__(self) -> None:
        self._forms: dict[Spelling, tuple[Field, set[Spelling]]] = {}

    def add(self, field: Field, pieces: Iterable[_Part]) -> None:
        pieces = list(pieces)
        norm = tuple(token for piece in pieces for token in piece.norm)
        raw = tuple(token for piece in pieces for token in piece.raw)
        if not norm or len(norm) > MAX_FORM_TOKENS:
            return
        if len(norm) == 1 and len(norm[0]) < MIN_SINGLE_TOKEN_CHARS:
            return  # none is made (IDs and phones are longer); the matcher relies on it
        known = self._forms.get(norm)
        if known is None:
            self._forms[norm] = (field, {raw, norm})
        else:
            # The legal name wins over a preferred one that happens to spell the same.
            self._forms[norm] = (min(known[0], field), known[1] | {raw, norm})

    def forms(self) -> list[Form]:
        # A form none of whose spellings has a token that is not weak could not be found: the
        # matcher does not look up runs of weak tokens (`fingerprint.is_weak`).
        return [
            Form(field, norm, tuple(sorted(spellings)))
            for norm, (field, spellings) in self._forms.items()
            if any(not all(map(_weak, spelling)) for spelling in spellings)
        ]


def _add_names(collector: _Collector, name: PersonName) -> None:
    legal_given = _parts(name.first)
    legal_family = _parts(name.last)
    given = [(part, False) for part in legal_given]
    given += [(part, True) for part in _parts(name.preferred_first)]
    family = [(part, False) for part in legal_family]
    family += [(part, True) for part in _parts(name.preferred_last)]
    middles = _middles(name.middle)
    for first, first_preferred in given:
        for last, last_preferred in family:
            field = Field.PREFERRED_NAME if first_preferred or last_preferred else Field.NAME
            for middle in middles:
                collector.add(field, (first, middle, last))  # Lisa S. Woods
                collector.add(field, (last, first, middle))  # Woods, Lisa S.


def _add_id(collector: _Collector, field: Field, value: str) -> None:
    parts = _parts(value)
    if not parts or sum(len(token) for token in parts[0].norm) < MIN_ID_CHARS:
        return
    for part in parts:
        collector.add(field, (part,))
    # "S1001" is also written "S-1001": split where letters and digits meet.
    joined = "".join(parts[0].norm)
    pieces = tuple(m.group() for m in _LETTERS_OR_DIGITS.finditer(joined))
    if len(pieces) > 1:
        collector.add(field, (_Part(pieces, pieces),))


def _add_phone(collector: _Collector, value: str) -> None:
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) < MIN_PHONE_DIGITS:
        return
    for part in _parts(value):
        collector.add(Field.PHONE, (part,))
    if len(digits) == 10:
        groups = (digits[:3], digits[3:6], digits[6:])
        collector.add(Field.PHONE, (_Part(groups, groups),))
        collector.add(Field.PHONE, (_Part((digits,), (digits,)),))


_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "road": "rd",
    "drive": "dr",
    "lane": "ln",
    "boulevard": "blvd",
    "court": "ct",
    "place": "pl",
    "circle": "cir",
    "parkway": "pkwy",
    "highway": "hwy",
    "terrace": "ter",
    "trail": "trl",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}
_STREET_WORDS |= {short: long for long, short in list(_STREET_WORDS.items())}


def _add_address(collector: _Collector, value: str) -> None:
    parts = _parts(value)
    if not parts or len(parts[0].norm) < 2:
        return
    part = parts[0]
    collector.add(Field.ADDRESS, (part,))
    swapped = tuple(_STREET_WORDS.get(token, token) for token in part.norm)
    if swapped != part.norm:
        collector.add(Field.ADDRESS, (_Part(swapped, swapped),))


def person_forms(person: Person) -> list[Form]:
    collector = _Collector()
    _add_id(collector, Field.LOCAL_ID, person.local_id)
    _add_id(collector, Field.STATE_ID, person.state_id)
    _add_names(collector, person.name)
    return collector.forms()


def guardian_forms(guardian: Guardian) -> list[Form]:
    collector = _Collector()
    _add_names(collector, guardian.name)
    for email in guardian.emails:
        parts = _parts(email)
        if parts and len(parts[0].norm) >= 2:
            collector.add(Field.EMAIL, parts[:1])
    for phone in guardian.phones:
        _add_phone(collector, phone)
    for address in guardian.addresses:
        _add_address(collector, address)
    return collector.forms()
