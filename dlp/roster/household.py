"""What the roster knows of one e-mail address, as the policy reads it (subjects only)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Household:
    guards: frozenset[str] = frozenset()  # students it counts as guardian of (or is, if 18+)
    staff: frozenset[str] = frozenset()  # staff members it belongs to


NOBODY = Household()
