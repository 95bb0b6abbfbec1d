"""Write a second held-out set (issue 18): styles and phrasings the other labeled sets lack.

    .venv/bin/python benchmarks/make_heldout_styles.py [--seed 18] [--records 400]

Writes ``tests/data/labeled/heldout_styles.json`` (presidio-research's format, scored by
``benchmarks/detection_quality.py``) and ``tests/data/labeled/heldout_probes.jsonl`` (whole
messages a teacher sends to a personal address, with the verdict the sample policy should
reach, decided by ``benchmarks/heldout_probes.py``). Written before the recognizers were looked
at again, in styles ``make_labeled_sets.py`` does not use: counselor notes, 504 and IEP meeting
summaries, attendance and discipline notices, personnel mail (evaluations, reprimands), OCR text
with its spaces lost, forms with the labels above the values in columns, spreadsheet rows with
"Last, First" names, quoted reply threads, subject lines carrying a name, English and Spanish
mixed (with and without accents), phones after "dial", "llame al", "marque", "cel", SSN labels
(``SOCIALNUM``, ``SS No.``, ``Soc. Sec. No.``, ``número de seguro social``, ``SSN-``, ``SS:``),
student ID labels not used before (``Matrícula``, ``Aeries ID``, ``SIS #``, ``Pupil Number``),
and look-alikes that must not match (invoice, order, PO, tracking, lot, room, copier code,
ZIP+4, case and confirmation numbers, dates). The same seed writes the same files.
"""

from __future__ import annotations

import argparse
import json
import random
import unicodedata
from collections.abc import Callable
from pathlib import Path

from benchmarks.make_labeled_sets import OUT, REPO, Text, Values, edfi_names

# Invented names with the accents Spanish-speaking families write (and a few others).
FIRST_ES = ["José", "María", "Sofía", "Andrés", "Jesús", "Ximena", "Valentina", "Mateo",
            "Camila", "Inés", "Joaquín", "Raúl", "Lucía", "Martín", "Guadalupe", "Rocío",
            "Iván", "Ana", "Luis", "Diego", "Elena", "Julián", "Mónica", "Héctor"]  # fmt: skip
LAST_ES = ["Hernández", "Núñez", "Ramírez", "Gómez", "Martínez", "Pérez", "Sánchez",
           "Jiménez", "Álvarez", "Domínguez", "Ibáñez", "Peña", "Muñoz", "Vázquez", "Cortés",
           "Ruiz", "Castañeda", "Rodríguez", "Fernández", "Mendoza", "Ortega", "Ríos"]  # fmt: skip


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class Held(Values):
    """Values, with Spanish names (accented or not) and new phone forms."""

    def person(self) -> tuple[str, str]:
        r = self.rng
        if r.random() < 0.45:
            first, last = r.choice(FIRST_ES), r.choice(LAST_ES)
            if r.random() < 0.4:
                first, last = strip_accents(first), strip_accents(last)
            return first, last
        return self.name()

    def phone2(self) -> str:
        r = self.rng
        a, b, c = r.randint(201, 989), r.randint(201, 989), r.randint(0, 9999)
        return r.choice(
            [
                f"+1.{a}.{b}.{c:04d}",
                f"+1 ({a}) {b}-{c:04d}",
                f"1-{a}-{b}-{c:04d}",
                f"+52 (33) {r.randint(1000, 9999)} {r.randint(1000, 9999)}",
                f"+52 1 55 {r.randint(1000, 9999)} {r.randint(1000, 9999)}",
                f"+52-55-{r.randint(1000, 9999)}-{r.randint(1000, 9999)}",
                f"+44 (0)20 {r.randint(7000, 8999)} {r.randint(1000, 9999)}",
                f"+44 7{r.randint(100, 999)} {r.randint(100000, 999999)}",
                f"{a}.{b}.{c:04d}",
                f"({a}){b}-{c:04d}",
            ]
        )

    def ssn_any(self) -> str:
        a, g, s = self.ssn()
        sep = self.rng.choice(["-", "-", "", " ", ".", "\u2013"])
        return f"{a}{sep}{g}{sep}{s}"


SSN_LABELS = ["SOCIALNUM", "SS No.", "Soc. Sec. No.", "SSN-", "SS:", "S.S.N.", "Social Sec. #",
              "SocSec#", "Soc Sec Nbr", "SSN (full):", "Social Security no.",
              "Número de Seguro Social:", "numero de seguro social", "No. de Seguro Social",
              "Seguro Social #", "NSS:"]  # fmt: skip
ID_LABELS = ["Matrícula:", "Matricula", "Aeries ID", "SIS #", "SIS ID:", "Pupil Number",
             "Student No:", "Stu. No.", "District ID:", "Local Student ID", "Perm #",
             "Student Number -", "ID de alumno:", "Número de identificación estudiantil:",
             "PowerSchool ID", "Statewide ID (SSID):"]  # fmt: skip
PHONE_LEADS = ["please dial", "dial", "llame al", "marque el", "cell", "cel.", "cel:",
               "mom's cell is", "dad's cell:", "call me back at", "text", "WhatsApp",
               "llámenos al", "my number is", "reach her at"]  # fmt: skip
NEGATIVES = [
    "Invoice INV-{d7} is past due.",
    "Order #{d7} shipped; tracking 1Z{d6}A{d8}.",
    "PO {d8} was approved by the business office.",
    "Lot {d3}-{d2}-{d4} of the test booklets was recalled.",
    "Room {d4} is reserved; copier code {d6}.",
    "Mail it to Clovis, CA 93612-{d4}.",
    "Case No. {d4}-{d3}-{d4} (facilities).",
    "Confirmation {d3} {d3} {d3} for the bus rental.",
    "Meeting moved to {m}/{day}/2025 at 3:30.",
    "Ticket {d7} in the help desk queue.",
    "Serial no. {d9} on the Chromebook cart.",
    "Factura número {d7} pendiente.",
    "Pedido {d7} enviado el {day}/{m}/2025.",
    "Salón {d3}, código de la copiadora {d5}.",
    "Asset tag {d7}; warranty ends {m}/{day}/2027.",
]


def negative(v: Held) -> str:
    r = v.rng
    fields = {f"d{n}": v.digits(n, n) for n in range(2, 10)}
    return r.choice(NEGATIVES).format(m=r.randint(1, 12), day=r.randint(1, 28), **fields)


def name_text(v: Held, last_first: bool = False) -> str:
    first, last = v.person()
    return f"{last}, {first}" if last_first else f"{first} {last}"


def counselor(v: Held) -> Text:
    r = v.rng
    t = Text()
    t.add(r.choice(["Counselor note ", "Counseling log - ", "Nota de consejería "]))
    t.add(f"{r.randint(1, 12)}/{r.randint(1, 28)}: met with ")
    t.add(name_text(v), "PERSON")
    t.add(r.choice([" (gr. 9)", "", " and mom", " y su mamá"]))
    t.add(r.choice([" re: anxiety and missed work. ", " about attendance. ",
                    " sobre su ansiedad. ", " re grades slipping. "]))  # fmt: skip
    if r.random() < 0.7:
        t.add(r.choice(ID_LABELS) + " ").add(v.student_id(), "STUDENT_ID").add(". ")
    if r.random() < 0.5:
        t.add(f"Parent asked that I {r.choice(PHONE_LEADS)} ").add(v.phone2(), "PHONE_NUMBER")
        t.add(".")
    t.add("\n" + negative(v) + "\n")
    return t


def meeting_summary(v: Held) -> Text:
    r = v.rng
    t = Text()
    kind = r.choice(["504 Meeting Summary", "IEP Annual Review - notes", "Resumen de la junta IEP",
                     "SST / 504 referral summary"])  # fmt: skip
    t.add(kind + "\n")
    t.add(r.choice(["Student: ", "Alumno: ", "Name (Last, First): ", "Estudiante: "]))
    t.add(name_text(v, last_first=r.random() < 0.5), "PERSON").add("\n")
    t.add(r.choice(ID_LABELS) + " ").add(v.student_id(), "STUDENT_ID").add("\n")
    t.add("Attendees: ")
    for i in range(r.randint(1, 3)):
        if i:
            t.add(", ")
        t.add(r.choice(["Mr. ", "Ms. ", "Sra. ", "Dr. "])).add(name_text(v), "PERSON")
        t.add(r.choice([" (gen ed)", " (psych)", " (parent)", ""]))
    t.add("\n" + negative(v) + "\n")
    if r.random() < 0.4:
        t.add("Parent contact: ").add(v.phone2(), "PHONE_NUMBER").add("\n")
    return t


def attendance_notice(v: Held) -> Text:
    r = v.rng
    t = Text()
    if r.random() < 0.5:
        t.add("Attendance notice: ").add(name_text(v), "PERSON")
        t.add(r.choice([" (ID ", " - student # ", ", Stu# "])).add(v.student_id(), "STUDENT_ID")
        t.add(f") has {r.randint(3, 12)} unexcused absences since {r.randint(1, 12)}/1. ")
        t.add(f"{r.choice(PHONE_LEADS).capitalize()} ").add(v.phone2(), "PHONE_NUMBER")
        t.add(" with questions.\n")
    else:
        t.add("Aviso de ").add(r.choice(["asistencia", "suspension", "suspensión", "disciplina"]))
        t.add(": su hijo(a) ").add(name_text(v), "PERSON")
        t.add(", número de estudiante ").add(v.student_id(), "STUDENT_ID")
        t.add(", faltó tres días. Por favor ")
        lead = r.choice(["llame al ", "marque el ", "comuníquese al "])
        t.add(lead).add(v.phone2(), "PHONE_NUMBER")
        t.add(".\n")
    t.add(negative(v) + "\n")
    return t


def personnel(v: Held) -> Text:
    r = v.rng
    t = Text()
    t.add(r.choice(["Performance evaluation", "Letter of reprimand", "Evaluación del personal",
                    "Personnel file update", "Notice of unsatisfactory evaluation"]))  # fmt: skip
    t.add(" - ").add(name_text(v), "PERSON").add("\n")
    for _ in range(r.randint(1, 2)):
        label = r.choice(SSN_LABELS)
        t.add(label + r.choice([" ", "", "\n"]) if label[-1] in ":-#" else label + " ")
        t.add(v.ssn_any(), "US_SSN").add("\n")
    t.add(f"Employee ID {v.digits(5, 6)} (not an SSN).\n")
    t.add(negative(v) + "\n")
    return t


def ocr_glued(v: Held) -> Text:
    r = v.rng
    t = Text()
    first, last = v.person()
    t.add(r.choice(["NAME:", "StudentName:", "Nombre:"]))
    t.add(f"{first} {last}", "PERSON")
    t.add(r.choice(["StudentNo", "STUDENTNO:", "Matricula:", "PupilNumber"]))
    t.add(v.student_id(), "STUDENT_ID")
    t.add(r.choice(["SOCIALNUM", "SSNo.", "SocSecNo.", "SS:"]))
    t.add(v.ssn_any(), "US_SSN")
    t.add(r.choice(["Cel", "CELL", "Phone#"])).add(v.phone2(), "PHONE_NUMBER")
    t.add("\n" + negative(v).replace(" ", "", 2) + "\n")
    return t


def columns_form(v: Held) -> Text:
    r = v.rng
    t = Text()
    name, sid = name_text(v), v.student_id()
    left = r.choice(["Student Name", "Nombre del estudiante", "Pupil"])
    right = r.choice(["Student ID", "Perm ID", "Matrícula", "SIS ID"])
    width = max(len(left), len(name)) + 4
    t.add(f"{left.ljust(width)}{right}\n")
    t.add(name, "PERSON").add(" " * (width - len(name))).add(sid, "STUDENT_ID").add("\n")
    t.add("Home phone\n").add(v.phone2(), "PHONE_NUMBER").add("\n")
    t.add(negative(v) + "\n")
    return t


def spreadsheet(v: Held) -> Text:
    r = v.rng
    t = Text()
    sep = r.choice(["\t", ";", " | "])
    header = r.choice([["Name", "ID", "Score"], ["Student", "Aeries ID", "Grade"],
                       ["Alumno", "Matrícula", "Calificación"]])  # fmt: skip
    t.add(sep.join(header) + "\n")
    for _ in range(r.randint(3, 8)):
        t.add(name_text(v, last_first=True), "PERSON").add(sep)
        t.add(v.student_id(), "STUDENT_ID").add(sep)
        t.add(r.choice(["A", "B+", "C-", "92", "78.5", "F"]) + "\n")
    t.add(negative(v) + "\n")
    return t


def reply_thread(v: Held) -> Text:
    r = v.rng
    t = Text()
    t.add(r.choice(["Thanks, will do.\n\n", "Got it - fixing today.\n\n", "Gracias.\n\n"]))
    first, last = v.person()
    t.add("On Mon, Mar 3, 2025 at 8:14 AM ").add(f"{first} {last}", "PERSON").add(" <")
    t.add(v.email(strip_accents(first), strip_accents(last)), "EMAIL_ADDRESS").add("> wrote:\n")
    t.add("> Can you fix the record for ").add(name_text(v), "PERSON").add("?\n")
    t.add(f"> {r.choice(ID_LABELS)} ").add(v.student_id(), "STUDENT_ID").add("\n")
    t.add(f"> {r.choice(SSN_LABELS)} ").add(v.ssn_any(), "US_SSN").add("\n")
    t.add("> " + negative(v) + "\n")
    return t


def subject_line(v: Held) -> Text:
    r = v.rng
    t = Text()
    t.add("Subject: ").add(r.choice(["IEP - ", "RE: 504 plan for ", "FW: Boleta - ",
                                       "Discipline referral: "]))  # fmt: skip
    t.add(name_text(v), "PERSON").add("\n\n")
    t.add(r.choice(["See attached. ", "Adjunto la información. "]))
    t.add(r.choice(["SIS # ", "Pupil Number ", "Matrícula "])).add(v.student_id(), "STUDENT_ID")
    t.add("\n" + negative(v) + "\n")
    return t


def mixed_language(v: Held) -> Text:
    r = v.rng
    t = Text()
    t.add("Hi Sra. ").add(name_text(v), "PERSON")
    t.add(", el numero de estudiante de ").add(name_text(v), "PERSON").add(" es ")
    t.add(v.student_id(), "STUDENT_ID")
    t.add(". Su numero de seguro social: ").add(v.ssn_any(), "US_SSN")
    t.add(f". Please {r.choice(PHONE_LEADS)} ").add(v.phone2(), "PHONE_NUMBER").add(". ")
    t.add(negative(v) + "\n")
    return t


def lookalikes(v: Held) -> Text:
    """Nothing to find but names: numbers that only look like IDs, SSNs and phones."""
    r = v.rng
    t = Text()
    t.add(r.choice(["Facilities update\n", "Purchasing\n", "Tech ticket\n"]))
    for _ in range(r.randint(2, 4)):
        t.add(negative(v) + " ")
    t.add(f"\nQuestions? Contact {r.choice(['Ms.', 'Mr.'])} ").add(name_text(v), "PERSON")
    t.add(".\n")
    return t


STYLES: dict[str, Callable[[Held], Text]] = {
    "counselor": counselor,
    "meeting": meeting_summary,
    "attendance": attendance_notice,
    "personnel": personnel,
    "ocr": ocr_glued,
    "columns": columns_form,
    "spreadsheet": spreadsheet,
    "reply": reply_thread,
    "subject": subject_line,
    "mixed": mixed_language,
    "lookalikes": lookalikes,
}


# Whole messages for the sample policy, teacher to a personal address: (id prefix, expect,
# lang, bodies). {name}/{name2} are filled with people, {sid} a student ID, {ssn} an SSN,
# {phone} a phone, {neg} a look-alike line.
PROBES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "record",
        "hold",
        "es",
        (
            "Hola, la boleta de calificaciones de {name} y su plan de educacion individualizado.",
            "Buenas tardes: le envío el expediente académico de {name} para la junta.",
            "Señora, adjunto las calificaciones del primer trimestre de su hija {name}.",
            "Aviso: {name} recibió una suspensión de tres días por pelear en el patio.",
            "Estimada familia de {name}: la evaluación psicoeducativa está lista; se revisará "
            "en la junta del IEP.",
            "El plan 504 de {name} incluye adaptaciones: tiempo extra en los exámenes.",
            "CALIFICACIONES DE {name}: Matemáticas B, Inglés C.",
        ),
    ),
    (
        "record",
        "hold",
        "en",
        (
            "Counselor note: met with {name} re: anxiety; she has a 504 plan and asked for "
            "extended time.",
            "504 Meeting Summary\nStudent: {last}, {first}\nAccommodations: preferential seating, "
            "extended time.",
            "Attendance notice: {name} ({sid_label} {sid}) has 7 unexcused absences.",
            "Subject line was wrong - this is the IEP progress report for {name}, please shred "
            "the other one.",
            "{name} was suspended for two days (discipline referral attached).",
            "Here is {name}'s report card: Math B-, ELA C+.",
            "Reminder that the IEP for {name} is on Tuesday; the psychoeducational evaluation "
            "is attached.",
        ),
    ),
    (
        "id",
        "hold",
        "mixed",
        (
            "Hi, {sid_label} {sid} for {name}, report card attached.",
            "Por favor actualice el registro: {ssn_label} {ssn}.",
            "Employee reprimand on file. {ssn_label} {ssn}",
            "{name} SOCIALNUM{ssn} STUDENTNO{sid}",
        ),
    ),
    (
        "staff",
        "deliver",
        "mixed",
        (
            "Hi {name},\n\nThanks for covering my class on Friday. Dial {phone} if anything "
            "comes up.\n\nBest",
            "Hola {name}, la junta de maestros es el jueves. Llame al {phone} si no puede venir.",
            "On Mon, {name} wrote:\n> Are we still on for lunch? {neg}",
            "Please welcome {name}, our new office manager. Her cell is {phone}.",
            "{neg}\n{neg}\nThanks, {name}",
        ),
    ),
    (
        "ham",
        "deliver",
        "en",
        (
            "Your order has shipped! {neg} Questions? Call {phone}.\n\nThanks for shopping, "
            "{name}.",
            "Book club: {name} is hosting on the 12th; {name2} brings dessert. {neg}",
            "Fantasy league standings\n{name} 112 points\n{name2} 98 points\nGreat week, all!",
            "Itinerary for {name}: flight UA 1234, confirmation {conf}. Gate changes: dial "
            "{phone}.",
            "Church potluck sign-up: {name}, {name2} - salads. {neg}",
            "Reminder from Dr. {name}'s office: your appointment is 3/14 at 10:00. Call {phone} "
            "to reschedule.",
            "Hola {name}, te mando la receta de tamales de mi abuela. Llámame al {phone}.",
            "Soccer team snack schedule: {name} (Sat), {name2} (Sun). Scores: 3-1, 2-2.",
        ),
    ),
)


def probes(v: Held) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for kind, expect, lang, bodies in PROBES:
        for body in bodies:
            first, last = v.person()
            values = {
                "name": f"{first} {last}",
                "first": first,
                "last": last,
                "name2": name_text(v),
                "sid": v.student_id(),
                "sid_label": v.rng.choice(ID_LABELS),
                "ssn": v.ssn_any(),
                "ssn_label": v.rng.choice(SSN_LABELS),
                "phone": v.phone2(),
                "neg": negative(v),
                "conf": v.digits(6, 6),
            }
            out.append(
                {
                    "id": f"{kind}-{len(out):03d}",
                    "lang": lang,
                    "expect": expect,
                    "body": body.format(**values),
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    first, last = edfi_names()
    values = Held(random.Random(args.seed), first, last)
    styles = list(STYLES.values())
    texts = [styles[i % len(styles)](values) for i in range(args.records)]
    records = [text.record() for text in texts]
    path = args.out / "heldout_styles.json"
    lines = ",\n".join(json.dumps(record, ensure_ascii=False) for record in records)
    path.write_text(f"[\n{lines}\n]\n", "utf-8")
    labels = sum(len(text.spans) for text in texts)
    print(f"{path.relative_to(REPO)}: {len(records)} records, {labels} labels")
    probe_path = args.out / "heldout_probes.jsonl"
    written = probes(Held(random.Random(args.seed + 1), first, last))
    probe_path.write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in written), "utf-8"
    )
    print(f"{probe_path.relative_to(REPO)}: {len(written)} probes")


if __name__ == "__main__":
    main()
