"""The roster's answers to "who is this address?": guardians, eligible students, staff.

Loaded with the matcher from the same `RosterTables`, so a decision always reads the roster its
scan matched against. An address is looked up by the keyed hash of its exact spelling
(`addresses.exact_address`): the first eight bytes in a sorted array, the next eight to confirm.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlp.roster.addresses import exact_address
from dlp.roster.household import NOBODY, Household
from dlp.roster.people import Role
from dlp.roster.tables import RosterTables, split_mac

HOUSEHOLD_CACHE_SIZE = 1 << 12  # addresses (as keyed hashes) -> their household


class Families:
    def __init__(
        self,
        tables: RosterTables,
        address_mac: Callable[[bytes], bytes],
        group_members: Callable[[str], tuple[str, ...]],
    ) -> None:
        """``group_members``: the matcher's candidates for a shared name's group subject."""
        self._tables = tables
        self._mac = address_mac
        self._group_members = group_members
        self.version = tables.version()
        # Subjects by their first eight bytes, for `members` (a shared name's are not here).
        # Native byte order: searchsorted on a big-endian array converts all of it per call.
        heads = tables.person_subject[:, :8].copy().view(">u8").ravel().astype(np.uint64)
        self._order = np.argsort(heads, kind="stable")
        self._heads = heads[self._order]
        self._cache: dict[tuple[bytes, bool], Household] = {}

    def forget(self) -> None:
        """Drop the remembered households (a benchmark's cold look-ups)."""
        self._cache.clear()

    def _people(self, mac: bytes) -> list[int]:
        key, check = split_mac(mac)
        keys, checks = self._tables.address_key, self._tables.address_check
        slot = int(keys.searchsorted(np.uint64(key)))
        people = []
        while slot < len(keys) and keys.item(slot) == key:
            if checks.item(slot) == check:
                people.append(int(self._tables.address_person[slot]))
            slot += 1
        return people

    def household(self, address: str, parents_of_eligible: bool = True) -> Household:
        """Whose ``address`` is. A restricted guardian (custody, no contact) is nobody's
        guardian here; a parent of a student of 18 or more counts only with
        ``parents_of_eligible``; an eligible student counts for their own record."""
        exact = exact_address(address)
        if not exact:
            return NOBODY
        mac = self._mac(exact.encode("utf-8"))
        cached = self._cache.get((mac, parents_of_eligible))
        if cached is not None:
            return cached
        tables = self._tables
        guards: set[str] = set()
        staff: set[str] = set()
        for person in self._people(mac):
            role = tables.person_role.item(person)
            if role == Role.STAFF:
                staff.add(self._subject(person))
            elif role == Role.STUDENT:
                if tables.person_eligible.item(person):
                    guards.add(self._subject(person))
            else:
                low, high = int(tables.link_start[person]), int(tables.link_start[person + 1])
                for student, restricted in zip(
                    tables.link_person[low:high].tolist(),
                    tables.link_restricted[low:high].tolist(),
                    strict=True,
                ):
                    if restricted:
                        continue
                    if tables.person_eligible.item(student) and not parents_of_eligible:
                        continue
                    guards.add(self._subject(student))
        found = Household(frozenset(guards), frozenset(staff)) if guards or staff else NOBODY
        if len(self._cache) >= HOUSEHOLD_CACHE_SIZE:
            self._cache.clear()
        self._cache[(mac, parents_of_eligible)] = found
        return found

    def members(self, subject: str) -> tuple[str, ...]:
        try:
            raw = bytes.fromhex(subject)
        except ValueError:
            return ()
        if len(raw) == 16:
            head = int.from_bytes(raw[:8], "big")
            slot = int(self._heads.searchsorted(np.uint64(head)))
            subjects = self._tables.person_subject
            while slot < len(self._heads) and self._heads.item(slot) == head:
                person = int(self._order[slot])
                if subjects[person].tobytes() == raw:
                    return (subject,)
                slot += 1
        return self._group_members(subject)

    def _subject(self, person: int) -> str:
        return self._tables.person_subject[person].tobytes().hex()
