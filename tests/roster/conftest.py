from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dlp.roster import kernel
from dlp.roster.matcher import RosterMatcher
from dlp.roster.people import Guardian, Person, PersonName, Role
from dlp.roster.secret import RosterKeys
from dlp.roster.store import RosterStore

SECRET = b"roster-test-secret-0123456789abcdef"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
GRAND_BEND = CORPUS / "k12" / "edfi-grand-bend"

PEOPLE = [
    Person(
        Role.STUDENT,
        "S1001",
        PersonName("Lisa", "Woods", "Sybil", preferred_first="Lisarae"),
        state_id="TX-000123456",
        birth_date=date(2008, 9, 13),
        guardians=(
            Guardian(
                "g1",
                PersonName("Madelyn", "Woods"),
                emails=("madelyn.woods@example.org",),
                phones=("(950) 943-8054",),
                addresses=("54 Rocky Clarendon Avenue",),
            ),
        ),
    ),
    Person(
        Role.STUDENT, "S1002", PersonName("María José", "García-López"), birth_date=date(2010, 1, 2)
    ),
    Person(Role.STUDENT, "S1003", PersonName("Sean", "O'Brien", "Patrick"), directory_opt_out=True),
    Person(Role.STUDENT, "S1004", PersonName("Jürgen", "Strauß"), birth_date=date(2011, 3, 4)),
    Person(Role.STUDENT, "S1005", PersonName("John", "Smith"), birth_date=date(2012, 5, 6)),
    Person(Role.STUDENT, "S1006", PersonName("John", "Smith"), birth_date=date(2013, 7, 8)),
    Person(Role.STUDENT, "S1007", PersonName("Mathias", "Bogert", "Ana Anita")),
    Person(Role.STAFF, "E2001", PersonName("Barry", "Tanner", preferred_first="Dave")),
]


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> RosterStore:
    store = RosterStore.open(tmp_path_factory.mktemp("roster") / "roster.npz", SECRET)
    store.import_people(PEOPLE, "test")
    return store


@pytest.fixture(scope="session")
def matcher(small_store: RosterStore) -> RosterMatcher:
    return small_store.matcher()


@pytest.fixture(scope="session")
def compiled(small_store: RosterStore) -> RosterMatcher:
    """A matcher on the compiled kernel (numba is a pinned dependency: it must be there)."""
    assert kernel.compiled() is not None, "numba is not importable"
    return RosterMatcher(small_store.load(), RosterKeys(SECRET), compiled=True)


@pytest.fixture(scope="session")
def grand_bend() -> Path:
    if not GRAND_BEND.is_dir():
        pytest.skip(f"Ed-Fi sample district not found at {GRAND_BEND} (../shared/corpus)")
    return GRAND_BEND
