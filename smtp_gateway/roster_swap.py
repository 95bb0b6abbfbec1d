"""A new roster for a scanning process, between two messages.

The gateway sends a `RosterSwap` naming a checked private copy of the roster
(`dlp.roster.snapshot`); the process loads it whole, checks that it is the named version,
warms its kernel, and only then replaces its one reference to the roster. It handles one
message at a time, so each message is scanned and decided against one roster, old or new,
never a mix; a copy that does not load leaves the old roster in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlp.roster.matcher import RosterMatcher
from dlp.roster.snapshot import check_version
from dlp.roster.store import RosterStore


@dataclass(frozen=True, slots=True)
class RosterSwap:
    path: Path  # the checked copy, named by its version
    version: str


def load_matcher(swap: RosterSwap, secret: bytes) -> RosterMatcher:
    """The roster of ``swap``, loaded and warmed, or `RosterStoreError`."""
    check_version(swap.path, swap.version)
    matcher = RosterStore.open(swap.path, secret).matcher()
    matcher.warm()
    return matcher
