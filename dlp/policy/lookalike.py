"""Recipient domains that look like the district's or a trusted partner's (AR 7203 E.3).

A message to ``cusd.corn`` or ``cusd.co`` or ``cusd.com`` spelled with a Cyrillic ``\u0441`` is
almost always a slip of the keyboard or a trap, and data sent there is lost. Two tests, both on
the registrable part of the domain (no public-suffix download: a small built-in rule):

- edit distance: Damerau-Levenshtein distance of at most ``max_distance`` (transpositions
  count as one edit), for names of at least ``min_length`` characters, so that short unrelated
  names are not flagged;
- confusable skeleton: both names reduce to the same string once look-alike characters are
  folded (``rn``->``m``, ``0``->``o``, ``1``/``i``->``l``, Cyrillic and Greek letters ...),
  after IDNA (punycode) decoding.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from dlp.domains import unicode_domain

# Second-level labels under which registration happens one level down (co.uk, k12.ca.us ...).
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "sch", "k12", "mil"})

# Single characters folded to the Latin letter they imitate.
_CONFUSABLE_CHARS = {
    # Cyrillic
    "\u0430": "a", "\u0432": "b", "\u0435": "e", "\u0451": "e", "\u043a": "k", "\u043c": "m",
    "\u043d": "h", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0442": "t", "\u0443": "y",
    "\u0445": "x", "\u0455": "s", "\u0456": "l", "\u0457": "l", "\u0458": "j", "\u0501": "d",
    "\u04bb": "h", "\u051b": "q", "\u051d": "w", "\u04cf": "l",
    # Armenian
    "\u0578": "n", "\u057d": "u",
    # Greek
    "\u03b1": "a", "\u03b2": "b", "\u03b5": "e", "\u03b7": "n", "\u03b9": "l", "\u03ba": "k",
    "\u03bd": "v", "\u03bf": "o", "\u03c1": "p", "\u03c4": "t", "\u03c5": "u", "\u03c7": "x",
    "\u03c9": "w",
    # Digits, signs and Latin look-alikes (written as escapes: they are the point)
    "\u0261": "g", "0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "$": "s", "@": "a",
    "\u0131": "l", "\u0142": "l",
}  # fmt: skip
# Sequences that render like one letter; folded after single characters.
_CONFUSABLE_SEQUENCES = (("rn", "m"), ("vv", "w"), ("cl", "d"))


@dataclass(frozen=True, slots=True)
class LookalikeMatch:
    """A recipient domain and the protected domain it imitates, with the reason in words."""

    domain: str
    resembles: str
    reason: str

    def describe(self) -> str:
        return f"{self.domain} looks like {self.resembles} ({self.reason})"


def decode_domain(domain: str) -> str:
    """Lower-case, without trailing dot, with punycode labels (``xn--``) decoded: the U-label
    form of the one normalization (`dlp.domains.ascii_domain`) every match uses."""
    return unicode_domain(domain)


def scripts(text: str) -> frozenset[str]:
    """The scripts of ``text``'s letters (``LATIN``, ``CYRILLIC`` ...), from their names."""
    return frozenset(
        unicodedata.name(char, "UNKNOWN").split(" ", 1)[0] for char in text if char.isalpha()
    )


def registrable(domain: str) -> str:
    """The part of ``domain`` someone registers: ``mail.cusd.com`` -> ``cusd.com``."""
    labels = domain.split(".")
    if len(labels) <= 2:
        return domain
    # US schools: district.k12.ca.us; other US locality names: city.ca.us
    if labels[-1] == "us" and len(labels[-2]) == 2:
        keep = 4 if len(labels) >= 4 and labels[-3] == "k12" else 3
        return ".".join(labels[-keep:])
    if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def skeleton(text: str) -> str:
    """``text`` with look-alike characters folded, for confusable comparison."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = "".join(_CONFUSABLE_CHARS.get(char, char) for char in folded)
    # Accents are a cheap disguise: drop combining marks.
    folded = "".join(
        char for char in unicodedata.normalize("NFD", folded) if not unicodedata.combining(char)
    )
    for sequence, letter in _CONFUSABLE_SEQUENCES:
        folded = folded.replace(sequence, letter)
    return folded


def damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, or ``limit + 1`` once it is certainly above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    # The last row can still end above the limit when its smallest entry did not.
    return min(previous[-1], limit + 1)


# Domains whose answer a detector remembers; past that it starts again (a bound on memory).
ANSWERS = 4096


@dataclass(frozen=True, slots=True)
class _Protected:
    domain: str
    name: str  # registrable domain
    label: str  # the registered label, without the public suffix
    suffix: str
    skeleton: str


_State = tuple[tuple[_Protected, ...], int, int, bool]


def _split(name: str) -> tuple[str, str]:
    label, _, suffix = name.partition(".")
    return label, suffix


class LookalikeDetector:
    """Checks recipient domains against the protected ones given at construction.

    ``protected`` holds domains or e-mail addresses; an address protects its domain.
    """

    __slots__ = ("_answers", "_protected", "max_distance", "min_length", "other_suffix")

    def __init__(
        self,
        protected: Iterable[str],
        max_distance: int = 1,
        min_length: int = 4,
        other_suffix: bool = True,
    ) -> None:
        self.max_distance = max_distance
        self.min_length = min_length
        # Same name under another suffix (cusd.org for cusd.com) counts as a look-alike.
        self.other_suffix = other_suffix
        entries: dict[str, _Protected] = {}
        for item in protected:
            # A partner named only by an address (sped-records@fcoe.example) is imitated
            # through its domain just the same.
            decoded = decode_domain(item.rpartition("@")[2])
            name = registrable(decoded)
            label, suffix = _split(name)
            entries.setdefault(name, _Protected(decoded, name, label, suffix, skeleton(name)))
        self._protected = tuple(entries.values())
        self._answers: dict[str, LookalikeMatch | None] = {}

    def __getstate__(self) -> _State:
        # Sent to each scanning process with the policy: the answers stay behind.
        return (self._protected, self.max_distance, self.min_length, self.other_suffix)

    def __setstate__(self, state: _State) -> None:
        self._protected, self.max_distance, self.min_length, self.other_suffix = state
        self._answers = {}

    @property
    def protected(self) -> tuple[str, ...]:
        return tuple(entry.name for entry in self._protected)

    def check(self, domain: str) -> LookalikeMatch | None:
        """The protected domain ``domain`` imitates, or None (also for the protected ones).

        Remembered per domain (up to `ANSWERS`): a decision checks every outside recipient,
        most mail goes to the same few domains, and a check costs a decision's rules twice."""
        try:
            return self._answers[domain]
        except KeyError:
            pass
        answer = self._check(domain)
        if len(self._answers) >= ANSWERS:
            self._answers.clear()
        self._answers[domain] = answer
        return answer

    def _check(self, domain: str) -> LookalikeMatch | None:
        decoded = decode_domain(domain)
        name = registrable(decoded)
        if any(entry.name == name for entry in self._protected):
            return None
        label, suffix = _split(name)
        shape = skeleton(name)
        used = scripts(label)
        # A label mixing scripts (Latin with Cyrillic) is what a homograph looks like: say so.
        mixed = f" ({' and '.join(sorted(n.title() for n in used))} mixed)" if len(used) > 1 else ""
        chars = f"look-alike characters{mixed}"
        for entry in self._protected:
            if shape == entry.skeleton:
                return LookalikeMatch(domain, entry.name, chars)
        for entry in self._protected:
            if len(entry.label) >= self.min_length and len(label) >= self.min_length:
                distance = damerau_levenshtein(name, entry.name, self.max_distance)
                if distance <= self.max_distance:
                    apart = f"{distance} character(s) apart{mixed}"
                    return LookalikeMatch(domain, entry.name, apart)
                if damerau_levenshtein(shape, entry.skeleton, self.max_distance) <= (
                    self.max_distance
                ):
                    return LookalikeMatch(domain, entry.name, f"{chars} and a small misspelling")
            if self.other_suffix and label == entry.label and suffix != entry.suffix:
                return LookalikeMatch(domain, entry.name, "same name under another ending")
        return None
