"""A reproducible corpus of school-like mail and documents with PII planted at known offsets.

Shared by the benchmarks. Background text is written to contain no planted entity types (no
SSN-, ID-, phone- or e-mail-shaped values), but plenty of ordinary numbers, dates and times, so
that the labels are the whole truth for those entity types.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

FIRST = [
    "Maria",
    "James",
    "Aiden",
    "Sofia",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Mateo",
    "Ava",
    "Ethan",
    "Mia",
    "Lucas",
    "Isabella",
    "Elijah",
    "Camila",
    "Jayden",
    "Harper",
    "Nguyen",
]
LAST = [
    "Garcia",
    "Smith",
    "Hernandez",
    "Johnson",
    "Lopez",
    "Nguyen",
    "Patel",
    "Kim",
    "Brown",
    "Martinez",
    "Davis",
    "Rodriguez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Jackson",
]
SUBJECTS = [
    "Algebra I",
    "Biology",
    "English 10",
    "World History",
    "Chemistry",
    "PE",
    "Art",
    "Spanish II",
    "Geometry",
    "US Government",
]
SENTENCES = [
    "Thanks for coming to back-to-school night on {date}; we had {n} families in room {room}.",
    "The field trip to the science center leaves at {time} and returns by {time2}.",
    "Please remind students that the library closes at {time} on {weekday}s.",
    "Our {subject} class finished chapter {n} and the unit test is on {weekday}.",
    "The PTA bake sale raised ${money} for the music program this semester.",
    "Bus {n} will run about {m} minutes late on {date} because of road work on Shaw.",
    "Staff meeting moved to {time} in the multipurpose room, agenda attached.",
    "We ordered {n} new chromebooks; the cart will be in room {room} by {date}.",
    "Reminder: minimum day on {date}, dismissal at {time}.",
    "Thank you all for a great week, enjoy the weekend!",
    "The {subject} department needs {n} volunteers for the science fair on {date}.",
    "Lunch schedule for {weekday}: period {m} eats at {time}.",
    "Please submit your attendance by {time} each morning so the office can make calls.",
    "Parking lot C is closed from {date} to {date2} for resurfacing.",
    "Version {n}.{m} of the district app is available in the portal.",
    "Chapter {n}, pages {room} to {page2}, is due {weekday}.",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


@dataclass(frozen=True)
class Label:
    entity_type: str
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    text: str
    labels: tuple[Label, ...]


def _valid_ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        group, serial = rng.randint(1, 99), rng.randint(1, 9999)
        value = f"{area:03d}-{group:02d}-{serial:04d}"
        if value not in ("078-05-1120", "219-09-9999", "123-45-6789"):
            return value


def _background(rng: random.Random) -> str:
    template = rng.choice(SENTENCES)
    return template.format(
        date=f"{rng.randint(1, 12)}/{rng.randint(1, 28)}",
        date2=f"{rng.randint(1, 12)}/{rng.randint(1, 28)}",
        n=rng.randint(2, 60),
        m=rng.randint(1, 45),
        room=rng.randint(100, 420),
        page2=rng.randint(421, 600),
        time=f"{rng.randint(7, 11)}:{rng.choice(['00', '15', '30', '45'])}",
        time2=f"{rng.randint(1, 4)}:{rng.choice(['00', '30'])} pm",
        weekday=rng.choice(WEEKDAYS),
        subject=rng.choice(SUBJECTS),
        money=f"{rng.randint(100, 4000)}.{rng.randint(0, 99):02d}",
    )


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.labels: list[Label] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def plant(self, entity_type: str, value: str) -> None:
        self.labels.append(Label(entity_type, self.length, self.length + len(value)))
        self.add(value)

    def document(self) -> Document:
        return Document("".join(self.parts), tuple(self.labels))


def _planted_sentence(rng: random.Random, b: _Builder) -> None:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    kind = rng.randrange(9)
    if kind == 0:
        b.add(f"{first} {last}'s SSN is ")
        b.plant("US_SSN", _valid_ssn(rng))
        b.add(" per the enrollment packet.")
    elif kind == 1:
        b.add("Student ID: ")
        b.plant("STUDENT_ID", str(rng.randint(10**9, 10**10 - 1)))
        b.add(f" ({first} {last}) was marked absent.")
    elif kind == 2:
        b.add(f"{first}'s perm ID ")
        b.plant("STUDENT_ID", str(rng.randint(10**5, 10**7 - 1)))
        b.add(" needs a schedule change.")
    elif kind == 3:
        b.add("DOB ")
        b.plant(
            "DATE_OF_BIRTH",
            f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2005, 2019)}",
        )
        b.add(f" for {first} {last}.")
    elif kind == 4:
        b.add(f"Please call {first}'s mom at ")
        b.plant(
            "PHONE_NUMBER",
            f"({rng.randint(200, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        )
        b.add(" after 3.")
    elif kind == 5:
        b.add("Guardian email: ")
        b.plant("EMAIL_ADDRESS", f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@gmail.com")
        b.add(".")
    elif kind == 6:
        b.add(f"{first} {last} has an ")
        b.plant("SPECIAL_EDUCATION", "IEP")
        b.add(" and the team meets soon.")
    elif kind == 7:
        b.add("The ")
        b.plant("SPECIAL_EDUCATION", "504 plan")
        b.add(f" for {first} lists extra time.")
    else:
        b.add("SSN ")
        b.plant("US_SSN", _valid_ssn(rng).replace("-", ""))
        b.add(f" belongs to {first} {last}.")


def generate(total_chars: int, seed: int = 7203, pii_rate: float = 0.03) -> Iterator[Document]:
    """Documents (mails and memos of 1-12 KB) until ``total_chars`` characters are produced."""
    rng = random.Random(seed)
    produced = 0
    while produced < total_chars:
        b = _Builder()
        teacher = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        b.add(f"Subject: {rng.choice(SUBJECTS)} update for {rng.choice(WEEKDAYS)}\r\n\r\n")
        b.add("Hi all,\r\n\r\n")
        target = rng.randint(1000, 12000)
        while b.length < target:
            if rng.random() < pii_rate:
                _planted_sentence(rng, b)
            else:
                b.add(_background(rng))
            b.add("\r\n" if rng.random() < 0.3 else " ")
        b.add(f"\r\nThanks,\r\n{teacher}\r\n")
        document = b.document()
        produced += len(document.text)
        yield document
