from __future__ import annotations

import csv
import shutil
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path

import pytest

from dlp.roster.importers import read_roster
from dlp.roster.importers.edfi import ROSTER_INTERCHANGES, read_edfi
from dlp.roster.importers.generic_csv import parse_mapping
from dlp.roster.people import Person, PersonName, Role, RosterFormatError
from dlp.roster.store import RosterStore, RosterStoreError

from .conftest import PEOPLE, SECRET

USERS_11 = [
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
    "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
    "u1,active,2024-08-01T00:00:00Z,true,sch1,student,lwoods,{SIS:S1001},Lisa,Woods,Sybil,S1001,"
    "lwoods@students.example.org,,,p1,09,",
    "u2,active,2024-08-01T00:00:00Z,true,sch1,student,jsmith,{State:TX998877},John,Smith,,S1005,,,,,"
    "10,",
    "u3,tobedeleted,2024-08-01T00:00:00Z,true,sch1,student,gone,,Gone,Away,,S1999,,,,,10,",
    "t1,active,2024-08-01T00:00:00Z,true,sch1,teacher,btanner,,Barry,Tanner,,E2001,"
    "btanner@example.org,,,,,",
    "p1,active,2024-08-01T00:00:00Z,true,sch1,guardian,mwoods,,Madelyn,Woods,,,"
    'madelyn.woods@example.org,,"(950) 943-8054",u1,,',
]
DEMOGRAPHICS = [
    "sourcedId,status,dateLastModified,birthDate,sex,metadata.directoryOptOut",
    "u1,active,2024-08-01T00:00:00Z,2008-09-13,female,false",
    "u2,active,2024-08-01T00:00:00Z,2012-05-06,male,true",
]


def write_oneroster(folder: Path) -> Path:
    folder.mkdir()
    (folder / "users.csv").write_text("\n".join(USERS_11) + "\n", encoding="utf-8")
    (folder / "demographics.csv").write_text("\n".join(DEMOGRAPHICS) + "\n", encoding="utf-8")
    (folder / "manifest.csv").write_text("propertyName,value\nmanifest.version,1.0\n")
    return folder


def test_oneroster_11_folder_and_zip(tmp_path: Path) -> None:
    folder = write_oneroster(tmp_path / "bundle")
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for file in folder.iterdir():
            bundle.write(file, f"oneroster/{file.name}")
    for source in (folder, archive):
        chosen, read = read_roster(source)
        people = list(read)
        assert chosen == "oneroster"
        by_id = {p.local_id: p for p in people}
        assert sorted(by_id) == ["E2001", "S1001", "S1005"]
        lisa = by_id["S1001"]
        assert lisa.birth_date == date(2008, 9, 13) and not lisa.directory_opt_out
        assert [g.name.first for g in lisa.guardians] == ["Madelyn"]
        assert lisa.guardians[0].phones == ("(950) 943-8054",)
        assert by_id["S1005"].directory_opt_out and by_id["S1005"].state_id == "TX998877"
        assert by_id["E2001"].role == Role.STAFF


def test_oneroster_12_roles_and_preferred_names(tmp_path: Path) -> None:
    folder = tmp_path / "v12"
    folder.mkdir()
    (folder / "users.csv").write_text(
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,"
        "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,"
        "userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName\n"
        "u9,active,2024-08-01,true,aj,,Alejandra,Núñez,,S3003,,,,,07,,ST-555,Ale,,\n"
    )
    (folder / "roles.csv").write_text(
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId\n"
        "r1,active,2024-08-01,u9,primary,student,sch1\n"
    )
    store = RosterStore.open(tmp_path / "r.npz", SECRET)
    chosen, people = read_roster(folder)
    store.import_people(people, chosen)
    matcher = store.matcher()
    text = "Ale Nunez, ST-555"
    assert [(text[m.start : m.end], m.entity_type) for m in matcher.find(text)] == [
        ("Ale Nunez", "ROSTER_STUDENT_NAME"),
        ("ST-555", "ROSTER_STUDENT_ID"),
    ]


def test_generic_csv_with_mapping(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["Student Number", "Legal First", "Legal Last", "Birthdate", "FERPA", "Type"]
        )
        writer.writerow(["700001", "Zoë", "Ng-Hale", "3/14/2009", "Y", "Student"])
        writer.writerow(["T-17", "Omar", "Farouk", "", "", "Teacher"])
    mapping = parse_mapping(
        "student_id=Student Number,first=Legal First,last=Legal Last,birth_date=Birthdate,"
        "opt_out=FERPA,role=Type"
    )
    chosen, people = read_roster(path, mapping=mapping)
    zoe, omar = list(people)
    assert chosen == "csv"
    assert (zoe.birth_date, zoe.directory_opt_out, zoe.role) == (
        date(2009, 3, 14),
        True,
        Role.STUDENT,
    )
    assert omar.role == Role.STAFF
    with pytest.raises(RosterFormatError, match="unknown roster field"):
        parse_mapping("shoe_size=Size")
    with pytest.raises(RosterFormatError, match="no column"):
        list(read_roster(path, mapping={"first": "Nope"})[1])


def test_edfi_grand_bend(grand_bend: Path, tmp_path: Path) -> None:
    chosen, read = read_roster(grand_bend)
    people = list(read)
    assert chosen == "edfi"
    students = [p for p in people if p.role == Role.STUDENT]
    staff = [p for p in people if p.role == Role.STAFF]
    assert (len(students), len(staff)) == (960, 68)
    tyrone = next(p for p in students if p.local_id == "604821")
    assert tyrone.name == PersonName("Tyrone", "Dyer", "", "Ty", "Dye")
    assert tyrone.birth_date == date(2014, 11, 13)
    assert {g.name.first for g in tyrone.guardians} == {"Carmen", "Manuel"}
    store = RosterStore.open(tmp_path / "grand-bend.npz", SECRET)
    report = store.import_people(people, chosen)
    assert report.changes["student"].added == 960
    assert report.changes["staff"].added == 68
    assert report.changes["guardian"].added > 900
    matcher = store.matcher()
    text = "Re: Tyrone Dyer (604821), DOB 11/13/2014; mother Carmen Dyer (950) 342 7522"
    found = matcher.find(text)
    assert [(text[m.start : m.end], m.entity_type) for m in found] == [
        ("Tyrone Dyer", "ROSTER_STUDENT_NAME"),
        ("604821", "ROSTER_STUDENT_ID"),
        ("Carmen Dyer", "ROSTER_GUARDIAN_NAME"),
        ("950) 342 7522", "ROSTER_GUARDIAN_CONTACT"),
    ]
    assert found[0].confirmed_by_dob and found[0].subject == found[1].subject
    assert found[0].subject in found[2].related


EDFI_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="http://ed-fi.org/5.2.0">\n'


def test_edfi_reads_only_roster_interchanges(grand_bend: Path, tmp_path: Path) -> None:
    # The sample's roster files, plus activity files a full export also holds: one cut off
    # mid-write, one naming students in the shape of a roster file. Neither is read.
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("Student.xml", "Contact.xml", "StaffAssociation.xml"):
        shutil.copy(grand_bend / name, folder / name)
    expected = [repr(p) for p in read_edfi(folder)]
    attendance = (grand_bend / "StudentSchoolAttendance.xml").read_bytes()
    (folder / "StudentSchoolAttendance.xml").write_bytes(attendance[: len(attendance) // 2])
    stray = "<Student><StudentUniqueId>999001</StudentUniqueId></Student>"
    (folder / "StudentHealth.xml").write_text(
        EDFI_HEAD.format(root="InterchangeStudentHealth") + stray + "</InterchangeStudentHealth>"
    )
    assert [repr(p) for p in read_edfi(folder)] == expected
    assert {"InterchangeStudent", "InterchangeContact"} <= ROSTER_INTERCHANGES
    # The whole sample folder gives the same people as its roster files alone.
    assert [repr(p) for p in read_edfi(grand_bend)] == expected


def test_edfi_import_memory_follows_the_roster_not_the_file(tmp_path: Path) -> None:
    students, padding = 600, 80  # about 10 MB of XML, most of it in elements the roster ignores
    path = tmp_path / "Student.xml"
    other = "<OtherName><FirstName>" + "x" * 160 + "</FirstName></OtherName>"
    with path.open("w", encoding="utf-8") as stream:
        stream.write(EDFI_HEAD.format(root="InterchangeStudent"))
        for number in range(students):
            stream.write(
                f"<Student><StudentUniqueId>{700000 + number}</StudentUniqueId>"
                f"<Name><FirstName>Kid{number}</FirstName><LastSurname>Fam</LastSurname></Name>"
                f"<BirthData><BirthDate>2010-01-02</BirthDate></BirthData>"
                f"{other * padding}</Student>\n"
            )
        stream.write("</InterchangeStudent>\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        people = list(read_edfi(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [p.local_id for p in people] == [str(700000 + n) for n in range(students)]
    assert people[-1].name == PersonName(f"Kid{students - 1}", "Fam")
    assert people[0].birth_date == date(2010, 1, 2)
    # Kept elements would hold the whole file's text (and more) in memory at once.
    assert peak < size / 4, (peak, size)


def test_reimport_reports_counts_and_replaces(tmp_path: Path) -> None:
    store = RosterStore.open(tmp_path / "roster.npz", SECRET)
    first = store.import_people(PEOPLE, "test")
    assert first.changes["student"].added == 7 and first.changes["staff"].added == 1
    again = store.import_people(PEOPLE, "test")
    assert again.changes["student"].unchanged == 7 and again.changes["student"].added == 0
    renamed = Person(Role.STUDENT, "S1005", PersonName("Jon", "Smyth"))
    newcomer = Person(Role.STUDENT, "S1010", PersonName("Ada", "Lovelace"))
    changed = [p for p in PEOPLE if p.local_id not in ("S1005", "S1006")] + [renamed, newcomer]
    report = store.import_people(changed, "test")
    assert report.changes["student"].added == 1
    assert report.changes["student"].removed == 1
    assert report.changes["student"].changed == 1
    assert report.changes["student"].unchanged == 5
    matcher = store.matcher()
    assert matcher.find("Jon Smyth") and matcher.find("Ada Lovelace")
    assert not matcher.find("John Smith")
    assert [p.name for p in tmp_path.iterdir()] == ["roster.npz"]  # no temporary file left


def test_wrong_secret_and_bad_files(tmp_path: Path) -> None:
    store = RosterStore.open(tmp_path / "roster.npz", SECRET)
    with pytest.raises(RosterStoreError, match="no roster"):
        store.load()
    store.import_people(PEOPLE, "test")
    other = RosterStore.open(tmp_path / "roster.npz", b"another-secret-0123456789")
    with pytest.raises(RosterStoreError, match="different secret"):
        other.load()
    with pytest.raises(RosterStoreError, match="different secret"):
        other.import_people(PEOPLE, "test")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(RosterStoreError, match="not a readable roster"):
        RosterStore.open(tmp_path / "junk.npz", SECRET).load()


def write_large_oneroster(folder: Path, students: int) -> dict[str, set[str]]:
    """A bundle of ``students`` in sibling pairs; returns each student's expected guardians.

    Families link in three ways: the guardians name the students, the students name the
    guardians, or both (which must not list a guardian twice).
    """
    folder.mkdir()
    header = ["sourcedId", "status", "role", "givenName", "familyName", "identifier"]
    header += ["email", "phone", "agentSourcedIds"]
    expected: dict[str, set[str]] = {}
    rows: list[list[str]] = []
    for family in range(students // 2):
        kids = [f"u{2 * family}", f"u{2 * family + 1}"]
        adults = [f"p{family}a"] + ([f"p{family}b"] if family % 2 == 0 else [])
        way = family % 3
        surname = f"Fam{family}"
        for kid in kids:
            expected[kid] = set(adults)
            agents = ",".join(adults) if way in (1, 2) else ""
            rows.append([kid, "active", "student", "Kid", surname, f"S{kid}", "", "", agents])
        for adult in adults:
            agents = ",".join(kids) if way in (0, 2) else ""
            email = f"{adult}@example.org"
            rows.append([adult, "active", "guardian", "Pat", surname, "", email, "", agents])
    rows.append(["t1", "active", "teacher", "Barry", "Tanner", "E2001", "", "", ""])
    with (folder / "users.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return expected


def test_oneroster_large_bundle_links_every_guardian_once(tmp_path: Path) -> None:
    # Linking used to scan every guardian for every student: minutes at this size.
    expected = write_large_oneroster(tmp_path / "large", 20_000)
    chosen, read = read_roster(tmp_path / "large")
    people = list(read)
    assert chosen == "oneroster"
    students = [p for p in people if p.role == Role.STUDENT]
    assert len(students) == 20_000
    assert [p.local_id for p in people if p.role == Role.STAFF] == ["E2001"]
    for student in students:
        keys = [g.key for g in student.guardians]
        assert len(keys) == len(set(keys)), student.local_id
        assert set(keys) == expected[student.local_id[1:]], student.local_id
    first = next(p for p in students if p.local_id == "Su0")
    assert [(g.key, g.emails) for g in first.guardians] == [
        ("p0a", ("p0a@example.org",)),
        ("p0b", ("p0b@example.org",)),
    ]
