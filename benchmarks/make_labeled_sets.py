"""Write the labeled K-12 sets under ``tests/data/labeled/`` (SSNs and student IDs in school mail).

    .venv/bin/python benchmarks/make_labeled_sets.py [--seed 7] [--records 300]

Each set is a JSON list in presidio-research's format (``full_text`` and ``spans`` with
``start_position``, ``end_position``, ``entity_type``), so ``benchmarks/detection_quality.py``
scores it beside the public sets. Every planted value is labeled: US_SSN, STUDENT_ID,
PHONE_NUMBER, EMAIL_ADDRESS and PERSON; every other number in a text (invoices, orders, rooms,
copier codes, ZIP codes, dates, employee numbers, links) is a deliberate negative. Names come from
the Ed-Fi "Grand Bend" fictitious district (Apache-2.0, ``../shared/corpus/k12/``); values are
random (SSNs in the issued ranges, never the advertised ones). The same seed writes the same
files. ``tests/data/labeled/README.md`` describes the styles.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "data" / "labeled"
EDFI = REPO.parent / "shared" / "corpus" / "k12" / "edfi-grand-bend" / "Student.xml"


@dataclass
class Text:
    """A text being written, with the spans of what was planted in it."""

    parts: list[str] = field(default_factory=list)
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    size: int = 0

    def add(self, text: str, label: str | None = None) -> Text:
        if label is not None:
            self.spans.append((self.size, self.size + len(text), label))
        self.parts.append(text)
        self.size += len(text)
        return self

    def record(self) -> dict[str, object]:
        text = "".join(self.parts)
        return {
            "full_text": text,
            "spans": [
                {
                    "entity_type": label,
                    "entity_value": text[start:end],
                    "start_position": start,
                    "end_position": end,
                }
                for start, end, label in self.spans
            ],
        }


class Values:
    """Random values of each kind, and names from the Ed-Fi sample district."""

    def __init__(self, rng: random.Random, first: list[str], last: list[str]) -> None:
        self.rng = rng
        self.first = first
        self.last = last

    def ssn(self) -> tuple[str, str, str]:
        r = self.rng
        area = r.choice([n for n in range(1, 900) if n != 666])
        return f"{area:03d}", f"{r.randint(1, 99):02d}", f"{r.randint(1, 9999):04d}"

    def ssn_text(self, style: str | None = None) -> str:
        a, g, s = self.ssn()
        style = style or self.rng.choice(["dash", "dash", "dash", "bare", "space", "dot"])
        sep = {"dash": "-", "bare": "", "space": " ", "dot": "."}[style]
        return f"{a}{sep}{g}{sep}{s}"

    def student_id(self) -> str:
        r = self.rng
        length = r.choice([6, 7, 7, 8, 9, 10, 10])
        return str(r.randint(1, 9)) + "".join(str(r.randint(0, 9)) for _ in range(length - 1))

    def phone(self) -> str:
        r = self.rng
        area, exchange, line = r.randint(201, 989), r.randint(201, 989), r.randint(0, 9999)
        return r.choice(
            [
                f"({area}) {exchange}-{line:04d}",
                f"{area}-{exchange}-{line:04d}",
                f"{area}.{exchange}.{line:04d}",
                f"{area} {exchange} {line:04d}",
                f"+1 {area} {exchange} {line:04d}",
                f"+52 55 {r.randint(1000, 9999)} {r.randint(1000, 9999)}",
                f"+52 1 33 {r.randint(1000, 9999)} {r.randint(1000, 9999)}",
                f"+44 20 {r.randint(7000, 8999)} {r.randint(1000, 9999)}",
                f"+44 7700 {r.randint(100000, 999999)}",
            ]
        )

    def name(self) -> tuple[str, str]:
        return self.rng.choice(self.first), self.rng.choice(self.last)

    def email(self, first: str, last: str) -> str:
        domain = self.rng.choice(["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"])
        return f"{first.lower()}.{last.lower()}{self.rng.randint(1, 99)}@{domain}"

    def digits(self, low: int, high: int) -> str:
        length = self.rng.randint(low, high)
        return str(self.rng.randint(1, 9)) + "".join(
            str(self.rng.randint(0, 9)) for _ in range(length - 1)
        )


# Labels as forms, SIS exports and people write them.
SSN_LABELS = [
    "SSN",
    "SSN:",
    "SSN #",
    "SSN#",
    "Social Security Number:",
    "Social Security #:",
    "Social Security No.",
    "Soc. Sec. No.",
    "Soc Sec #",
    "SS#",
    "SS No.",
    "SOCIALNUM",
    "Social Sec Number:",
    "Employee SSN:",
    "Parent/Guardian SSN:",
    "Student SSN:",
]
SSN_LABELS_ES = [
    "Número de seguro social:",
    "número de Seguro Social",
    "Num. de Seguro Social:",
    "No. de Seguro Social:",
    "Seguro Social:",
]
ID_LABELS = [
    "Student ID:",
    "Student ID",
    "Student ID #",
    "Student #",
    "Student Number:",
    "Student No.",
    "Stu ID:",
    "ID#",
    "Perm ID:",
    "Perm #",
    "Permanent ID:",
    "SSID:",
    "Statewide Student ID:",
    "CALPADS ID:",
    "Local ID:",
    "Pupil ID:",
    "Lunch #",
    "Student Identifier:",
]
ID_LABELS_ES = [
    "Número de estudiante:",
    "Numero de estudiante:",
    "ID del estudiante:",
    "Identificación del estudiante:",
    "No. de estudiante:",
]
PHONE_LABELS = ["Phone:", "Cell:", "Home phone:", "Mobile:", "Tel.", "Parent cell:", "Work phone:"]
PHONE_LABELS_ES = ["Teléfono:", "Celular:", "Cel.", "Tel.:"]

# Numbers that are not SSNs or student IDs, each with what it is.
NEGATIVE_LINES: list[Callable[[Values], str]] = [
    lambda v: f"Invoice #{v.digits(6, 9)} is paid.",
    lambda v: f"Invoice {v.ssn_text('dash')} was sent to accounting.",
    lambda v: f"Order {v.digits(7, 10)} shipped on Monday.",
    lambda v: f"PO {v.digits(6, 8)} covers the field trip buses.",
    lambda v: f"Tracking number {v.digits(9, 10)}{v.digits(2, 4)} (UPS).",
    lambda v: f"Room {v.digits(3, 4)} is open for the IEP team.",
    lambda v: f"The copier code is {v.digits(6, 7)}.",
    lambda v: f"Park in lot {v.digits(1, 2)}; your permit is {v.digits(6, 7)}.",
    lambda v: f"Confirmation number: {v.digits(8, 10)}",
    lambda v: f"Reference {v.digits(7, 9)} on the district's purchase.",
    lambda v: f"Our ZIP is {v.digits(5, 5)}-{v.digits(4, 4)}.",
    lambda v: f"The district serves {v.rng.randint(10, 99)},{v.rng.randint(100, 999)} students.",
    lambda v: (
        f"Budget line {v.digits(2, 2)}-{v.digits(4, 4)}-{v.digits(3, 3)}: $1,{v.digits(3, 3)}.00"
    ),
    lambda v: f"Meeting ID: {v.digits(3, 3)} {v.digits(4, 4)} {v.digits(4, 4)}",
    lambda v: f"Zoom passcode {v.digits(6, 6)}",
    lambda v: f"Employee ID: {v.digits(5, 7)}",
    lambda v: f"Case No. {v.digits(4, 4)}-{v.digits(6, 7)}",
    lambda v: f"ISBN 978{v.digits(10, 10)}",
    lambda v: (
        f"See https://news.example.org/story?sid={v.digits(2, 2)}/{v.digits(2, 2)}/{v.digits(7, 7)}"
    ),
    lambda v: f"Saved in /srv/share/records/{v.digits(7, 7)}.pdf",
    lambda v: f"Wi-Fi SSID: CUSD-Guest, code {v.digits(8, 8)}",
    lambda v: (
        f"Date: 20{v.rng.randint(10, 25)}-{v.rng.randint(1, 12):02d}-{v.rng.randint(1, 28):02d}"
    ),
    lambda v: f"Account number {v.digits(8, 10)} (cafeteria vendor)",
    lambda v: f"Ticket {v.digits(6, 7)} was opened with the help desk.",
    lambda v: f"Serial number {v.digits(8, 10)} on the Chromebook cart.",
    lambda v: f"Bus {v.digits(2, 2)} leaves at 3:15; route {v.digits(6, 6)}.",
]
NEGATIVE_LINES_ES = [
    lambda v: f"La factura {v.digits(6, 9)} ya está pagada.",
    lambda v: f"El pedido {v.digits(7, 9)} llegó ayer.",
    lambda v: f"La reunión es en el salón {v.digits(3, 3)}.",
    lambda v: f"Código postal {v.digits(5, 5)}.",
]

OCR_CONFUSIONS = {"ID": ["ID", "1D", "lD", "ID", "ID"], "Number": ["Number", "Nurnber", "Number"]}


def glue(label: str, rng: random.Random) -> str:
    """A label as OCR reads it: spaces dropped, I and l for 1, a colon kept or lost."""
    glued = label.replace(" ", "")
    for word, variants in OCR_CONFUSIONS.items():
        if word in glued:
            glued = glued.replace(word, rng.choice(variants))
    if rng.random() < 0.3:
        glued = glued.rstrip(":")
    return glued


def form(v: Values, spanish: bool = False) -> Text:
    """A filled-in form or an SIS record pasted into mail: one label and value a line, a
    label sometimes on its own line above its value."""
    r = v.rng
    t = Text()
    first, last = v.name()
    heading = r.choice(
        ["STUDENT INFORMATION", "Enrollment Form", "Emergency Card", "504 Referral", "Intake"]
    )
    if spanish:
        heading = r.choice(["FORMULARIO DE INSCRIPCIÓN", "Información del estudiante"])
    t.add(heading + "\n\n")
    t.add("Nombre: " if spanish else r.choice(["Student Name: ", "Name: ", "Student: "]))
    t.add(f"{first} {last}", "PERSON").add("\n")
    fields = ["id", "ssn", "phone", "neg", "email", "grade"]
    r.shuffle(fields)
    for item in fields:
        above = r.random() < 0.2
        sep = "\n" if above else " "
        if item == "id":
            t.add(r.choice(ID_LABELS_ES if spanish else ID_LABELS) + sep)
            t.add(v.student_id(), "STUDENT_ID").add("\n")
        elif item == "ssn" and r.random() < 0.7:
            t.add(r.choice(SSN_LABELS_ES if spanish else SSN_LABELS) + sep)
            t.add(v.ssn_text(), "US_SSN").add("\n")
        elif item == "phone":
            t.add(r.choice(PHONE_LABELS_ES if spanish else PHONE_LABELS) + sep)
            t.add(v.phone(), "PHONE_NUMBER").add("\n")
        elif item == "email":
            t.add("Correo: " if spanish else "Parent email: ")
            t.add(v.email(first, last), "EMAIL_ADDRESS").add("\n")
        elif item == "grade":
            t.add(("Grado: " if spanish else "Grade: ") + str(r.randint(1, 12)) + "\n")
        elif item == "neg":
            t.add(r.choice(NEGATIVE_LINES_ES if spanish else NEGATIVE_LINES)(v) + "\n")
    return t


def ocr(v: Values) -> Text:
    """A scanned form as OCR reads it: labels glued to values, I read as 1 or l, stray marks."""
    r = v.rng
    t = Text()
    first, last = v.name()
    t.add(r.choice(["ENROLLMENTFORM\n", "Student lnformation\n", "|EP Meeting Notice\n"]))
    t.add(r.choice(["StudentName:", "Name:", "Student Name "]))
    t.add(f"{first} {last}", "PERSON").add(r.choice(["\n", " | ", "  "]))
    fields = ["id", "ssn", "neg", "phone"]
    r.shuffle(fields)
    for item in fields:
        glued = r.random() < 0.75
        if item == "id":
            label = r.choice(ID_LABELS)
            t.add(glue(label, r) if glued else label + " ")
            t.add(v.student_id(), "STUDENT_ID")
        elif item == "ssn":
            label = r.choice([*SSN_LABELS, "SocialSecurityNumber:", "SOCIALSECURITYNO."])
            t.add(glue(label, r) if glued else label + " ")
            t.add(v.ssn_text(r.choice(["dash", "dash", "bare"])), "US_SSN")
        elif item == "phone":
            t.add(glue(r.choice(PHONE_LABELS), r) if glued else "Phone: ")
            t.add(v.phone(), "PHONE_NUMBER")
        else:
            t.add(r.choice(NEGATIVE_LINES)(v))
        t.add(r.choice(["\n", "\n", " | ", "  ", "_\n"]))
    return t


TABLE_ID_HEADERS = ["Student ID", "Student #", "Perm ID", "SSID", "ID#", "Local ID", "Stu ID"]


def table(v: Values) -> Text:
    """A class list pasted from a spreadsheet into mail: tabs, pipes or commas, a header row."""
    r = v.rng
    t = Text()
    sep = r.choice(["\t", " | ", ","])
    with_ssn = r.random() < 0.3
    t.add(r.choice(["Here is the list for period 3:\n\n", "Roster below.\n\n", ""]))
    headers = [r.choice(TABLE_ID_HEADERS), "Last Name", "First Name", "Grade"]
    if with_ssn:
        headers.append(r.choice(["SSN", "Social Security Number", "SS#"]))
    headers.append(r.choice(["Parent Phone", "Phone", "Contact"]))
    t.add(sep.join(headers) + "\n")
    for _ in range(r.randint(3, 14)):
        first, last = v.name()
        t.add(v.student_id(), "STUDENT_ID").add(sep)
        t.add(last, "PERSON").add(sep).add(first, "PERSON").add(sep)
        t.add(str(r.randint(1, 12)) + sep)
        if with_ssn:
            t.add(v.ssn_text(r.choice(["dash", "bare"])), "US_SSN").add(sep)
        t.add(v.phone(), "PHONE_NUMBER").add("\n")
    if r.random() < 0.5:
        t.add("\n" + r.choice(NEGATIVE_LINES)(v) + "\n")
    return t


def informal(v: Values) -> Text:
    """Staff writing to each other or to parents: ids in sentences, negatives around them."""
    r = v.rng
    t = Text()
    first, last = v.name()
    t.add(r.choice(["Hi,\n\n", "Hey team -\n", "Good morning,\n\n", ""]))
    if r.random() < 0.5:
        t.add(r.choice(NEGATIVE_LINES)(v) + " ")
    t.add(r.choice(["Can you check on ", "Please update ", "I'm worried about ", "FYI: "]))
    t.add(f"{first} {last}", "PERSON")
    choice = r.random()
    if choice < 0.45:
        t.add(r.choice(["'s record (", " (", ", "]))
        t.add(r.choice(["student id ", "student ID# ", "stu id ", "perm # ", "SSID ", "ID# "]))
        t.add(v.student_id(), "STUDENT_ID")
        t.add(r.choice([")", "", ","]) + " before Friday.")
    elif choice < 0.75:
        t.add(r.choice([", his student number is ", ", her student ID is ", ", student #"]))
        t.add(v.student_id(), "STUDENT_ID").add(".")
    else:
        t.add(r.choice([", mom says his SSN is ", ", the SSN on the form is ", ", SS# "]))
        t.add(v.ssn_text(), "US_SSN").add(".")
    if r.random() < 0.5:
        t.add(" " + r.choice(["Call mom at ", "Dad's cell: ", "Please dial "]))
        t.add(v.phone(), "PHONE_NUMBER").add(".")
    if r.random() < 0.6:
        t.add("\n\n" + r.choice(NEGATIVE_LINES)(v))
    t.add("\n\nThanks,\n" + r.choice(["Ms. Rivera", "Coach T", "Front office"]) + "\n")
    return t


def spanish_mail(v: Values) -> Text:
    """A letter to a family in Spanish."""
    r = v.rng
    t = Text()
    first, last = v.name()
    t.add(r.choice(["Estimada familia:\n\n", "Buenos días,\n\n", "Hola,\n"]))
    t.add(r.choice(["El número de estudiante de ", "El ID del estudiante de "]))
    t.add(f"{first} {last}", "PERSON").add(" es ")
    t.add(v.student_id(), "STUDENT_ID").add(". ")
    if r.random() < 0.5:
        t.add(r.choice(["Necesitamos su número de seguro social: ", "Seguro Social del padre: "]))
        t.add(v.ssn_text(), "US_SSN").add(". ")
    if r.random() < 0.6:
        t.add(r.choice(["Llame al ", "Mi celular es ", "Teléfono de la oficina: "]))
        t.add(v.phone(), "PHONE_NUMBER").add(". ")
    if r.random() < 0.6:
        t.add("\n\n" + r.choice(NEGATIVE_LINES_ES)(v))
    t.add("\n\nAtentamente,\nLa oficina\n")
    return t


def hr_ssn(v: Values) -> Text:
    """Benefits, payroll and enrollment mail with SSNs, and numbers that only look like them."""
    r = v.rng
    t = Text()
    first, last = v.name()
    t.add(r.choice(["Benefits enrollment\n", "W-4 correction\n", "Dependent verification\n"]))
    t.add("Employee: ").add(f"{first} {last}", "PERSON").add("\n")
    for _ in range(r.randint(1, 3)):
        label = r.choice(SSN_LABELS)
        t.add(label + r.choice([" ", " ", "\n", ""]))
        t.add(v.ssn_text(), "US_SSN").add("\n")
    if r.random() < 0.5:
        t.add("Unlabeled on the scan: ").add(v.ssn_text(r.choice(["dash", "dot"])), "US_SSN")
        t.add("\n")
    for _ in range(r.randint(1, 3)):
        t.add(r.choice(NEGATIVE_LINES)(v) + "\n")
    t.add("SSN (last four): XXX-XX-" + v.digits(4, 4) + "\n")
    return t


def heldout(v: Values) -> Text:
    """Written after the recognizers were fixed against the other sets, and not tuned on:
    reply threads, SIS exports as key=value and JSON, numbered lists, subject lines, W-2
    lists, and numbers that look like SSNs but are not (EINs, last four)."""
    r = v.rng
    t = Text()
    first, last = v.name()
    kind = r.randrange(7)
    if kind == 0:
        t.add("On Tue, Ms. Rivera wrote:\n> Can you resend the record for ")
        t.add(f"{first} {last}", "PERSON").add("?\n> Student ID ")
        t.add(v.student_id(), "STUDENT_ID").add("\n\nSure, attached.\n")
    elif kind == 1:
        key = r.choice(["student_id", "StudentNumber", "stu_id", "perm_id", "local_student_id"])
        t.add(f'{{"{key}": "').add(v.student_id(), "STUDENT_ID").add('", "grade": ')
        t.add(f'"{r.randint(1, 12)}", "last_name": "').add(last, "PERSON").add('"}\n')
    elif kind == 2:
        t.add(f"RE: Transcript request - SID {''}")
        t.add(v.student_id(), "STUDENT_ID").add(f" ({first[0]}. ").add(last, "PERSON").add(")\n")
        t.add("Please process by Friday. " + r.choice(NEGATIVE_LINES)(v) + "\n")
    elif kind == 3:
        t.add("W-2 corrections:\n")
        for n in range(r.randint(2, 5)):
            a, b = v.name()
            t.add(f"{n + 1}. ").add(f"{a} {b}", "PERSON").add(", SSN ")
            t.add(v.ssn_text(r.choice(["dash", "bare"])), "US_SSN").add("\n")
        t.add(f"Employer EIN {v.digits(2, 2)}-{v.digits(7, 7)}\n")
    elif kind == 4:
        t.add("Key=value export\nStudentID=").add(v.student_id(), "STUDENT_ID")
        t.add(";SSN=").add(v.ssn_text("dash"), "US_SSN").add(f";Room={v.digits(3, 4)}\n")
    elif kind == 5:
        t.add("The SSN on the form ends in ").add(v.digits(4, 4)).add("; please confirm.\n")
        t.add("Ticket #").add(v.digits(7, 9)).add(" for the student portal reset.\n")
    else:
        t.add("Pupil no. ").add(v.student_id(), "STUDENT_ID").add(" - ")
        t.add(f"{first} {last}", "PERSON").add(", social security ")
        t.add(v.ssn_text(), "US_SSN").add(", mother's cell ")
        t.add(v.phone(), "PHONE_NUMBER").add("\n")
    return t


STYLES: dict[str, Callable[[Values], Text]] = {
    "k12_forms": form,
    "k12_ocr": ocr,
    "k12_tables": table,
    "k12_informal": informal,
    "k12_spanish": lambda v: form(v, spanish=True) if v.rng.random() < 0.5 else spanish_mail(v),
    "k12_hr_ssn": hr_ssn,
    "heldout_k12": heldout,
}


def edfi_names(path: Path = EDFI) -> tuple[list[str], list[str]]:
    text = path.read_text(encoding="utf-8")
    first = sorted(set(re.findall(r"<FirstName>([^<]+)</FirstName>", text)))
    last = sorted(set(re.findall(r"<LastSurname>([^<]+)</LastSurname>", text)))
    return first, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--records", type=int, default=300, help="records per set")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    first, last = edfi_names()
    args.out.mkdir(parents=True, exist_ok=True)
    for offset, (name, style) in enumerate(STYLES.items()):
        values = Values(random.Random(args.seed * 1000 + offset), first, last)
        count = args.records // 2 if name == "k12_tables" else args.records  # many rows each
        texts = [style(values) for _ in range(count)]
        records = [text.record() for text in texts]
        path = args.out / f"{name}.json"
        # One record a line: the files stay small and their diffs readable.
        lines = ",\n".join(json.dumps(record, ensure_ascii=False) for record in records)
        path.write_text(f"[\n{lines}\n]\n", "utf-8")
        labels = sum(len(text.spans) for text in texts)
        print(f"{path.relative_to(REPO)}: {len(records)} records, {labels} labels")


if __name__ == "__main__":
    main()
