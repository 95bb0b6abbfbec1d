""" "ID" alone as a student ID's label: a gradebook's column, and a person's ID in parentheses.

A class list pasted into mail or exported as a spreadsheet heads its ID column "ID"
("Name | ID | Score"); so do order lists and asset sheets. The column counts as the student
ID's label only when the header row also names a student-record column (score, grade,
attendance, student...: ``columns_with`` in ``recognizers/entities/student_id.toml``). In
prose, "Natasha Avery (ID 624500)" is a person's ID right after the name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from dlp.extract.limits import Limits
from dlp.pipeline import scan_path

# (text, the student ID whose exact span must be found)
FOUND = [
    ("Name | ID | Score\nPena, Monica | 5964437 | 78.5\nFields, Sylvia | 598353 | F\n", "598353"),
    ("Name\tID\tScore\nRamirez, Ivan\t1983114851\t78.5\nRíos, Raúl\t251735\tA\n", "251735"),
    ("Name;ID;Score\nStanley, Shane;1588036;78.5\nFrost, Lindsay;482076;B+\n", "1588036"),
    ("Student\tID\tGrade\nAna Ruiz\t4415823\tB\n", "4415823"),
    ("Last | First | ID # | Period | Absences\nKim | Daniel | 7720345 | 3 | 12\n", "7720345"),
    ("Alumno;Número;Calificación\nNunez, Ana;8165186;F\nBenson, Julie;5362327;7,5\n", "8165186"),
    ("Attendance notice: Natasha Avery (ID 624500) has 12 unexcused absences.", "624500"),
    ("Attendance notice: Rocio Rodriguez (ID: 136346690) has 7 unexcused absences.", "136346690"),
    ("Please call about Milton Calhoun (ID# 5568158) today.", "5568158"),
]

# Tables and prose where "ID" labels something else: nothing may be found as a student ID.
NOT_FOUND = [
    "Item | ID | Qty\nToner | 4455123 | 2\nPaper | 5512345 | 10\n",
    "Name\tID\tPhone\nAna Ruiz\t4415823\t555-0134\n",  # a staff directory: no record column
    "Asset\tID\tRoom\nProjector\t7720345\t12\n",
    "Your order (ID 4455123) has shipped.",  # no name before it
    "Shipped to Fresno (order ID 4455123) today.",
    "New hire Karen Miller (employee ID 635578) starts Monday.",
    "Meeting ID 845 123 4567 for the Score committee",
]


@pytest.mark.parametrize(("text", "value"), FOUND, ids=[r[0][:40] for r in FOUND])
def test_found_at_its_span(scanner, text: str, value: str) -> None:
    start = text.index(value)
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "STUDENT_ID"}
    assert (start, start + len(value)) in spans


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:40] for t in NOT_FOUND])
def test_not_found(scanner, text: str) -> None:
    assert [f.entity_type for f in scanner.scan_text(text) if f.entity_type == "STUDENT_ID"] == []


def _student_id_columns(scanner, path: Path) -> list[str | None]:
    result = scan_path(path, scanner, Limits())
    return [f.location.column for f in result.findings if f.entity_type == "STUDENT_ID"]


def test_a_gradebook_exported_as_csv_and_xlsx(scanner, tmp_path: Path) -> None:
    rows = [
        ("Name", "ID", "Score"),
        ("Lopez, Juan", "5512345", "88"),
        ("Kim, Daniel", "6612345", "71"),
    ]
    csv = tmp_path / "gradebook.csv"
    csv.write_text("\n".join(",".join(f'"{c}"' for c in row) for row in rows) + "\n")
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    xlsx = tmp_path / "gradebook.xlsx"
    book.save(xlsx)
    for path in (csv, xlsx):
        assert _student_id_columns(scanner, path) == ["ID", "ID"], path.name


def test_an_order_sheet_with_an_id_column_is_no_gradebook(scanner, tmp_path: Path) -> None:
    csv = tmp_path / "orders.csv"
    csv.write_text("Item,ID,Qty\nToner,4455123,2\nPaper,5512345,10\n")
    assert _student_id_columns(scanner, csv) == []


_GIVEN = ["Ana", "Luis", "Mónica", "Daniel", "Grace", "Héctor"]
_SURNAMES = ["Ruiz", "Kim", "Núñez", "Fields", "Quinn", "Ibáñez"]
_RECORD = ["Score", "Grade", "GPA", "Absences", "Calificación", "Period", "Student"]
_OTHER = ["Qty", "Phone", "Room", "Color", "Price", "Vendor"]


@settings(max_examples=40, deadline=None)
@given(
    delimiter=st.sampled_from(["\t", " | ", ";"]),
    label=st.sampled_from(["ID", "Id", "ID #", "id"]),
    record=st.booleans(),
    rows=st.lists(
        st.tuples(
            st.sampled_from(_GIVEN),
            st.sampled_from(_SURNAMES),
            st.integers(100_000, 9_999_999_999),
            st.sampled_from(["A", "B+", "78.5", "92", "F"]),
        ),
        min_size=1,
        max_size=6,
    ),
    column=st.sampled_from(_RECORD),
    other=st.sampled_from(_OTHER),
)
def test_an_id_column_counts_only_in_a_student_table(
    scanner, delimiter, label, record, rows, column, other
) -> None:
    header = delimiter.join(["Name", label, column if record else other])
    lines = [header] + [
        delimiter.join([f"{surname}, {given}", str(number), mark])
        for given, surname, number, mark in rows
    ]
    text = "\n".join(lines) + "\n"
    found = {
        text[f.start : f.end] for f in scanner.scan_text(text) if f.entity_type == "STUDENT_ID"
    }
    ids = {str(number) for *_, number, _ in rows}
    if record:
        assert ids <= found
    else:
        assert found == set()
