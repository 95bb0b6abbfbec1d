"""The hashed roster: flat numpy arrays, the only thing ever written to disk.

Nothing in here is a clear value. Forms are keyed by the first eight bytes of their HMAC (with
the next eight kept to confirm); people by a keyed digest of their role and ID.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from dlp.roster.addresses import ADDRESS_PURPOSE, exact_address
from dlp.roster.fingerprint import (
    FP_BITS,
    FingerprintKeys,
    prefix_fingerprints,
    sequence_fingerprints,
    token_hashes,
    tokenize,
)
from dlp.roster.forms import Field, Form, Spelling, guardian_forms, person_forms
from dlp.roster.people import Guardian, Person, Role
from dlp.roster.secret import RosterKeys
from dlp.roster.text import normalize_token


@dataclass(frozen=True, slots=True)
class RosterTables:
    # Forms, sorted by `form_key`; entries of form i are entry_*[form_start[i]:form_start[i+1]].
    form_key: np.ndarray  # uint64: HMAC bytes 0-7 (big-endian)
    form_check: np.ndarray  # uint64: HMAC bytes 8-15
    form_start: np.ndarray  # uint32, len = forms + 1
    form_length: np.ndarray  # uint8: tokens in the form
    entry_person: np.ndarray  # uint32
    entry_field: np.ndarray  # uint8 (`Field`)
    # People (students, staff, then guardians).
    person_subject: np.ndarray  # uint8 (n, 16): keyed digest of role and ID
    person_role: np.ndarray  # uint8 (`Role`)
    person_opt_out: np.ndarray  # bool; for a guardian: any of their students opted out
    person_birth: np.ndarray  # uint8 (n, 16): keyed digest of subject and birth date, or zeros
    person_content: np.ndarray  # uint8 (n, 16): keyed digest of the whole record (for diffs)
    person_eligible: np.ndarray  # bool: a student 18 or older on the day of the import
    # Guardian -> students, as CSR over people.
    link_start: np.ndarray  # uint32, len = people + 1
    link_person: np.ndarray  # uint32
    link_restricted: np.ndarray  # bool, beside link_person: custody or no-contact restriction
    # Exact e-mail addresses (`addresses.exact_address`), sorted by `address_key`: a person's
    # own (staff, student) or a guardian's; several people may share one.
    address_key: np.ndarray  # uint64: HMAC bytes 0-7
    address_check: np.ndarray  # uint64: HMAC bytes 8-15
    address_person: np.ndarray  # uint32
    # Filters.
    token_prints: np.ndarray  # uint32, sorted unique 24-bit prefix fingerprints
    sequence_prints: np.ndarray  # uint32, sorted unique: form length << 24 | 24-bit fingerprint

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> RosterTables:
        return cls(**{f.name: arrays[f.name] for f in fields(cls)})

    @property
    def people(self) -> int:
        return len(self.person_role)

    def role_counts(self) -> dict[str, int]:
        counts = np.bincount(self.person_role, minlength=len(Role))
        return {role.label: int(counts[role]) for role in Role}

    def version(self) -> str:
        """A digest of everything a decision reads (people, links, restrictions, ages,
        addresses): the roster version a decision and a disclosure record name."""
        digest = hashlib.sha256()
        for name in (
            "person_subject",
            "person_content",
            "person_eligible",
            "link_start",
            "link_person",
            "link_restricted",
            "address_key",
            "address_person",
        ):
            digest.update(np.ascontiguousarray(getattr(self, name)).tobytes())
        return digest.hexdigest()[:16]


def split_mac(mac: bytes) -> tuple[int, int]:
    return int.from_bytes(mac[:8], "big"), int.from_bytes(mac[8:16], "big")


def _canonical(*values: object) -> bytes:
    return "\x1e".join(str(value) for value in values).encode("utf-8")


def _hash_spellings(
    spellings: Sequence[Spelling], fingerprint_keys: FingerprintKeys
) -> tuple[np.ndarray, dict[str, int]]:
    """Prefix fingerprints and whole-token hashes of every distinct token, in one numpy pass."""
    vocabulary = sorted({token for spelling in spellings for token in spelling})
    table = tokenize(" ".join(vocabulary))
    if len(table) != len(vocabulary):  # a token the code table splits: hash one at a time
        raise AssertionError("roster token split differently by the matcher's tokenizer")
    hashes = token_hashes(table, fingerprint_keys, np.arange(len(table)))
    prints = prefix_fingerprints(table, fingerprint_keys)
    index = {token: i for i, token in enumerate(vocabulary)}
    return np.stack([hashes, prints.view(np.uint64)], axis=1), index


ELIGIBLE_AGE = 18  # FERPA: the rights pass from the parents to the student (34 CFR 99.5)


def _eligible(birth: date | None, today: date) -> bool:
    if birth is None:
        return False
    try:
        coming_of_age = birth.replace(year=birth.year + ELIGIBLE_AGE)
    except ValueError:  # born on 29 February
        coming_of_age = date(birth.year + ELIGIBLE_AGE, 3, 1)
    return coming_of_age <= today


def compile_roster(
    people: Iterable[Person], keys: RosterKeys, today: date | None = None
) -> RosterTables:
    """``today``: the day eligibility (18 or older) is judged on; the import's, by default.
    Only the answer is kept, never the birth date, so a student who comes of age counts as
    eligible from the next import on."""
    day = today or date.today()
    fingerprint_keys = FingerprintKeys.derive(keys)
    address_mac = keys.macer(ADDRESS_PURPOSE)
    subject_mac = keys.macer("subject")
    birth_mac = keys.macer("birth-date")
    content_mac = keys.macer("content")
    form_mac = keys.macer("form")

    subjects: list[bytes] = []
    roles: list[int] = []
    opt_outs: list[bool] = []
    births: list[bytes] = []
    contents: list[bytes] = []
    person_forms_list: list[list[Form]] = []
    eligible: list[bool] = []
    own_addresses: list[tuple[str, ...]] = []
    guardian_index: dict[str, int] = {}
    guardian_students: list[list[tuple[int, bool]]] = []
    guardians: list[Guardian] = []
    guardian_addresses: list[dict[str, None]] = []
    seen_subjects: set[bytes] = set()

    for person in people:
        identity = person.local_id or person.state_id
        if not identity:
            name = person.name
            identity = "name:" + " ".join(
                normalize_token(part)
                for part in (name.first, name.middle, name.last, str(person.birth_date))
            )
        subject = subject_mac(_canonical(person.role.label, identity))
        if subject in seen_subjects:
            continue  # the same person listed twice (e.g. in two school files)
        seen_subjects.add(subject)
        index = len(subjects)
        subjects.append(subject)
        roles.append(person.role)
        opt_outs.append(person.directory_opt_out)
        births.append(
            birth_mac(subject + person.birth_date.isoformat().encode())
            if person.birth_date
            else bytes(16)
        )
        contents.append(
            content_mac(
                _canonical(
                    person.local_id,
                    person.state_id,
                    person.name,
                    person.birth_date,
                    person.directory_opt_out,
                    sorted(repr(g) for g in person.guardians),
                    sorted(person.emails),
                )
            )
        )
        eligible.append(person.role == Role.STUDENT and _eligible(person.birth_date, day))
        own_addresses.append(person.emails)
        person_forms_list.append(person_forms(person))
        for guardian in person.guardians:
            if guardian.key not in guardian_index:
                guardian_index[guardian.key] = len(guardians)
                guardians.append(guardian)
                guardian_students.append([])
                guardian_addresses.append({})
            number = guardian_index[guardian.key]
            guardian_students[number].append((index, guardian.restricted))
            # Siblings' records may list a guardian's addresses differently: all of them count.
            guardian_addresses[number].update(dict.fromkeys(guardian.emails))

    students_and_staff = len(subjects)
    link_start = [0] * (students_and_staff + 1)
    link_person: list[int] = []
    link_restricted: list[bool] = []
    for guardian, links, emails in zip(
        guardians, guardian_students, guardian_addresses, strict=True
    ):
        students = [student for student, _ in links]
        subject = subject_mac(_canonical(Role.GUARDIAN.label, guardian.key))
        subjects.append(subject)
        roles.append(Role.GUARDIAN)
        opt_outs.append(any(opt_outs[s] for s in students))
        births.append(bytes(16))
        eligible.append(False)
        own_addresses.append(tuple(emails))
        contents.append(content_mac(_canonical(repr(guardian), sorted(links), sorted(emails))))
        person_forms_list.append(guardian_forms(guardian))
        link_person.extend(students)
        link_restricted.extend(restricted for _, restricted in links)
        link_start.append(len(link_person))

    address_entries: set[tuple[int, int, int]] = set()
    for person_index, addresses in enumerate(own_addresses):
        for address in addresses:
            exact = exact_address(address)
            if exact:
                key, check = split_mac(address_mac(exact.encode("utf-8")))
                address_entries.add((key, check, person_index))
    address_rows = sorted(address_entries)

    # Every form, grouped by its HMAC.
    entries: dict[bytes, list[tuple[int, Field]]] = {}
    form_tokens: dict[bytes, Form] = {}
    all_spellings: list[Spelling] = []
    for person_index, forms in enumerate(person_forms_list):
        for form in forms:
            mac = form_mac(form.hashed_text)
            entries.setdefault(mac, []).append((person_index, form.field))
            if mac not in form_tokens:
                form_tokens[mac] = form
                all_spellings.extend(form.spellings)

    token_prints: np.ndarray = np.zeros(0, dtype=np.uint32)
    sequence_prints: np.ndarray = np.zeros(0, dtype=np.uint32)
    if all_spellings:
        hashed, token_index = _hash_spellings(all_spellings, fingerprint_keys)
        token_prints = np.unique(hashed[:, 1].astype(np.uint32))
        by_length: dict[int, list[list[int]]] = {}
        for spelling in set(all_spellings):
            by_length.setdefault(len(spelling), []).append([token_index[t] for t in spelling])
        # The length goes above the fingerprint, so each length is filtered on its own.
        prints = [
            sequence_fingerprints(hashed[np.array(rows), 0], fingerprint_keys)
            | np.uint64(length << FP_BITS)
            for length, rows in by_length.items()
        ]
        sequence_prints = np.unique(np.concatenate(prints).astype(np.uint32))

    order = sorted(entries)
    form_start = [0]
    entry_person: list[int] = []
    entry_field: list[int] = []
    for mac in order:
        for person_index, field in entries[mac]:
            entry_person.append(person_index)
            entry_field.append(field)
        form_start.append(len(entry_person))
    keys_and_checks = [split_mac(mac) for mac in order]

    def digests(values: list[bytes]) -> np.ndarray:
        return np.frombuffer(b"".join(values), dtype=np.uint8).reshape(-1, 16).copy()

    return RosterTables(
        form_key=np.array([k for k, _ in keys_and_checks], dtype=np.uint64),
        form_check=np.array([c for _, c in keys_and_checks], dtype=np.uint64),
        form_start=np.array(form_start, dtype=np.uint32),
        form_length=np.array([len(form_tokens[mac].tokens) for mac in order], dtype=np.uint8),
        entry_person=np.array(entry_person, dtype=np.uint32),
        entry_field=np.array(entry_field, dtype=np.uint8),
        person_subject=digests(subjects),
        person_role=np.array(roles, dtype=np.uint8),
        person_opt_out=np.array(opt_outs, dtype=bool),
        person_birth=digests(births),
        person_content=digests(contents),
        person_eligible=np.array(eligible, dtype=bool),
        link_start=np.array(link_start, dtype=np.uint32),
        link_person=np.array(link_person, dtype=np.uint32),
        link_restricted=np.array(link_restricted, dtype=bool),
        address_key=np.array([k for k, _, _ in address_rows], dtype=np.uint64),
        address_check=np.array([c for _, c, _ in address_rows], dtype=np.uint64),
        address_person=np.array([p for _, _, p in address_rows], dtype=np.uint32),
        token_prints=token_prints,
        sequence_prints=sequence_prints,
    )
