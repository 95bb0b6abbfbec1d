"""Write probes.jsonl: staff mail and student records, for the policy's near() (issue 18).

Each probe is one message from a teacher to a personal address: a body, optionally a CSV
attachment, and the verdict the sample policy should reach ("deliver" or "hold"). Staff mail
names a colleague in one paragraph (or a signature, or a quoted reply) and has a student term
elsewhere; student records name the student beside the term. English and Spanish.

    python tests/data/proximity/generate.py   # rewrites probes.jsonl beside this file
"""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

HERE = Path(__file__).resolve().parent

STAFF = ("Ms. Karen Miller", "Mr. David Chen", "Mrs. Linda Garcia")
STAFF_ES = ("la Sra. Ana Torres", "el Sr. Jorge Ramírez")
STUDENTS = ("Daniel Kim", "Emily Johnson", "Sophia Martinez")
STUDENTS_ES = ("Sofía Hernández", "Diego Morales")

# Staff mail: the colleague's name and the student term are in different paragraphs.
STAFF_MAIL = (
    "Hi team,\n\n{staff} will cover my third period class on Friday.\n\n"
    "Reminder: IEP paperwork is due Monday, and progress reports go home next week.\n\nThanks",
    "Hello,\n\nPlease welcome {staff}, our new librarian.\n\n"
    "Grades close on Friday. Enter all grades by noon; report cards print Monday.\n",
    "Hi,\n\nI met with {staff} about the field trip budget and the bus times.\n\n"
    "Separately, the district sent new Section 504 forms. Please use the new 504 plan template "
    "from now on.\n\nBest,\nJamie",
    "Quick note: the staff meeting moved to Thursday.\n\n"
    "The IEP team room is booked all week.\n\nThanks,\n{staff}\nSpecial Education Teacher\n"
    "Lincoln Middle School",
    "Sounds good, see you at 3.\n\n"
    "> On Tue, {staff} wrote:\n> Can we move our planning meeting?\n>\n"
    "> Also, suspension data for the board report is due. Attendance and suspension numbers "
    "only, no names.\n",
)
STAFF_MAIL_ES = (
    "Hola a todos:\n\n{staff} cubrirá mi clase el viernes.\n\n"
    "Recuerden: las evaluaciones psicoeducativas y el plan 504 se revisan en la junta.\n\n"
    "Saludos",
    "Buenos días,\n\nLes presento a {staff}, la nueva secretaria de la oficina.\n\n"
    "Las calificaciones se cierran el viernes; la boleta de calificaciones sale el lunes.\n",
)
# Forms: a staff "Name:" field beside a term in another paragraph is not a student's.
STAFF_FORMS = (
    "Substitute request\n\nName: {staff}\nDate: March 4\n\n"
    "Reason: attending IEP meetings all day.\n",
)
# Student records: the student is named beside the term, or after a student label at the top
# of a form whose terms come paragraphs later.
RECORDS_FORMS = (
    "Student Name: {student}\nDate: March 4\n\nPresent levels\n\n"
    "IEP goals: reading fluency; accommodations: extended time.\n",
)
RECORDS_FORMS_ES = (
    "Estudiante: {student}\nFecha: 4 de marzo\n\nNotas\n\nSuspensión de tres días por pelea.\n",
)
RECORDS = (
    "Hi,\n\n{student}'s Section 504 plan: diagnosis ADHD, extended time on tests.\n",
    "Hello,\n\nStudent: {student}\nIEP meeting on Tuesday; accommodations include a quiet "
    "room and extended time.\n\nThanks",
    "Attached are notes from today.\n\nThe student {student} received a suspension for "
    "three days under Ed Code 48900.\n",
    "Hi,\n\nFYI for the meeting.\n\nStudent {student} - current grade: D in Algebra, "
    "failing grade in Biology.\n",
)
RECORDS_ES = (
    "Hola,\n\nEl plan de educación individualizado del estudiante {student} se revisará el "
    "martes; sus adaptaciones incluyen tiempo extra.\n",
    "Buenas tardes,\n\nLa estudiante {student} recibió una suspensión de tres días.\n",
)
# Tables: a row with a name and a grade is a record; a staff list beside an IEP note is not.
TABLE_RECORD = ("Name,Grade,Comment\n{student},F,missing work\n", "Quarter grades attached.")
TABLE_STAFF = (
    "Name,Room,Duty\n{staff},12,lunch\n",
    "Duty roster attached.\n\nUnrelated: IEP paperwork is due Monday.",
)


def probes() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []

    def add(kind: str, lang: str, expect: str, body: str, csv: str = "") -> None:
        probe = {"id": f"{kind}-{len(out):03d}", "lang": lang, "expect": expect, "body": body}
        if csv:
            probe["csv"] = csv
        out.append(probe)

    for template, staff in product(STAFF_MAIL, STAFF):
        add("staff", "en", "deliver", template.format(staff=staff))
    for template, staff in product(STAFF_MAIL_ES, STAFF_ES):
        add("staff", "es", "deliver", template.format(staff=staff))
    for template, staff in product(STAFF_FORMS, STAFF):
        add("staff", "en", "deliver", template.format(staff=staff))
    for template, student in product(RECORDS_FORMS, STUDENTS):
        add("record", "en", "hold", template.format(student=student))
    for template, student in product(RECORDS_FORMS_ES, STUDENTS_ES):
        add("record", "es", "hold", template.format(student=student))
    for template, student in product(RECORDS, STUDENTS):
        add("record", "en", "hold", template.format(student=student))
    for template, student in product(RECORDS_ES, STUDENTS_ES):
        add("record", "es", "hold", template.format(student=student))
    for student in STUDENTS:
        add("table", "en", "hold", TABLE_RECORD[1], TABLE_RECORD[0].format(student=student))
    for staff in STAFF:
        name = staff.split(". ", 1)[1]
        add("table", "en", "deliver", TABLE_STAFF[1], TABLE_STAFF[0].format(staff=name))
    return out


def main() -> None:
    with (HERE / "probes.jsonl").open("w", encoding="utf-8") as out:
        for probe in probes():
            out.write(json.dumps(probe, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
