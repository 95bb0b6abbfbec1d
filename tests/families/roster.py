"""A roster with families, for the tests of decisions that know who receives a record.

Mariana Quintero-Ruiz (her mother's address; her father restricted by a custody order), José
Ángel Núñez-García, the Okafor siblings (one guardian's address is also a staff address),
two students called John Smith (one family each; a grandmother who is both's guardian),
Sofía Álvarez (18: her own address, and her father's), and the teacher Lisa Harmon.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dlp.roster.people import Guardian, Person, PersonName, Role
from dlp.roster.store import RosterStore

TODAY = date(2026, 12, 1)
ANA = "ana.ruiz@gmail.com"  # Mariana's mother
RAUL = "raul.quintero@gmail.com"  # Mariana's father, restricted
CARLOS = "Carlos.Nunez@Yahoo.com"  # José Ángel's father (mixed case on purpose)
CHIOMA = "chioma.okafor@outlook.com"  # the Okafor siblings' mother
GRACE = "grace.okafor@cusd.com"  # their other guardian, a district employee
SMITH_A = "smith.family@gmail.com"  # John Smith (S3006)'s
SMITH_B = "the.smiths@gmail.com"  # John Smith (S3007)'s
GRANDMA = "grandma.smith@gmail.com"  # guardian of both John Smiths
PEDRO = "pedro.alvarez@gmail.com"  # Sofía's father
SOFIA = "sofia.alvarez@gmail.com"  # Sofía herself (18)
PARK = "jin.park@gmail.com"  # Noah Park's mother; Noah's directory information is restricted
TEACHER = "lharmon@cusd.com"
IDN_PARENT = "eltern@bücher.example"  # an IDN domain, stored as A-labels

_ANA = Guardian("g-ana", PersonName("Ana", "Ruiz"), emails=(ANA,))
_RAUL = Guardian("g-raul", PersonName("Raul", "Quintero"), emails=(RAUL,), restricted=True)
_CHIOMA = Guardian("g-chioma", PersonName("Chioma", "Okafor"), emails=(CHIOMA,))
_GRACE = Guardian("g-grace", PersonName("Grace", "Okafor"), emails=(GRACE,))
_GRANDMA = Guardian("g-grandma", PersonName("Edna", "Smith"), emails=(GRANDMA,))

PEOPLE = [
    Person(
        Role.STUDENT,
        "3001001",
        PersonName("Mariana", "Quintero-Ruiz"),
        birth_date=date(2012, 4, 2),
        guardians=(_ANA, _RAUL),
    ),
    Person(
        Role.STUDENT,
        "3001002",
        PersonName("José Ángel", "Núñez-García"),
        birth_date=date(2013, 6, 9),
        guardians=(Guardian("g-carlos", PersonName("Carlos", "Núñez"), emails=(CARLOS,)),),
    ),
    Person(
        Role.STUDENT,
        "3001003",
        PersonName("Chinedu", "Okafor"),
        birth_date=date(2011, 1, 5),
        guardians=(_CHIOMA, _GRACE),
    ),
    Person(
        Role.STUDENT,
        "3001004",
        PersonName("Adaeze", "Okafor"),
        birth_date=date(2014, 2, 7),
        guardians=(_CHIOMA, _GRACE),
    ),
    Person(
        Role.STUDENT,
        "3001006",
        PersonName("John", "Smith"),
        birth_date=date(2012, 5, 6),
        guardians=(
            Guardian("g-smith-a", PersonName("Mary", "Smith"), emails=(SMITH_A,)),
            _GRANDMA,
        ),
    ),
    Person(
        Role.STUDENT,
        "3001007",
        PersonName("John", "Smith"),
        birth_date=date(2013, 7, 8),
        guardians=(
            Guardian("g-smith-b", PersonName("Paul", "Smith"), emails=(SMITH_B,)),
            _GRANDMA,
        ),
    ),
    Person(
        Role.STUDENT,
        "3001008",
        PersonName("Sofía", "Álvarez"),
        birth_date=date(2008, 3, 3),
        emails=(SOFIA,),
        guardians=(Guardian("g-pedro", PersonName("Pedro", "Álvarez"), emails=(PEDRO,)),),
    ),
    Person(
        Role.STUDENT,
        "3001009",
        PersonName("Wilhelmina", "Brandt"),
        birth_date=date(2012, 8, 8),
        guardians=(Guardian("g-idn", PersonName("Klaus", "Brandt"), emails=(IDN_PARENT,)),),
    ),
    Person(
        Role.STUDENT,
        "3001010",
        PersonName("Noah", "Parkinson"),
        birth_date=date(2013, 9, 9),
        directory_opt_out=True,
        guardians=(Guardian("g-park", PersonName("Jin", "Parkinson"), emails=(PARK,)),),
    ),
    Person(Role.STAFF, "E5001", PersonName("Grace", "Okafor"), emails=(GRACE,)),
    Person(Role.STAFF, "E5003", PersonName("Lisa", "Harmon"), emails=(TEACHER,)),
]


def family_roster(path: Path, secret: bytes) -> Path:
    """The roster imported at ``path`` (judged on `TODAY`: Sofía is 18 whatever the date)."""
    RosterStore.open(path, secret).import_people(PEOPLE, "test", TODAY)
    return path
