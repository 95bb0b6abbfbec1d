"""Exact addresses, restrictions and eligibility through each importer and the store."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from dlp.roster.importers import read_roster
from dlp.roster.importers.generic_csv import parse_mapping
from dlp.roster.people import Person, PersonName, Role
from dlp.roster.store import RosterStore
from tests.roster.test_no_clear_values import assert_no_clear_value

SECRET = b"families-import-secret-0123456789abcdef"
TODAY = date(2026, 12, 1)


def _import(path: Path, tmp: Path, mapping: dict[str, str] | None = None) -> RosterStore:
    store = RosterStore.open(tmp / "roster.npz", SECRET)
    chosen, people = read_roster(path, mapping=mapping)
    store.import_people(list(people), chosen, TODAY)
    return store


def _subject_of(store: RosterStore, address: str) -> frozenset[str]:
    return store.matcher().families.household(address).guards


def test_oneroster_emails_links_and_a_restricted_guardian(tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "users.csv").write_text(
        "sourcedId,status,role,givenName,familyName,identifier,email,agentSourcedIds,"
        "metadata.noContact\n"
        "s1,active,student,Mariana,Quintero-Ruiz,3001001,mquintero@students.cusd.com,,\n"
        "s2,active,student,Adaeze,Okafor,3001004,,p3,\n"
        "s3,active,student,Chinedu,Okafor,3001003,,,\n"
        "t1,active,teacher,Lisa,Harmon,E5003,LHarmon@CUSD.com,,\n"
        "p1,active,parent,Ana,Ruiz,,Ana.Ruiz@Gmail.com,s1,false\n"
        "p2,active,guardian,Raul,Quintero,,raul.quintero@gmail.com,s1,true\n"
        "p3,active,guardian,Chioma,Okafor,,chioma.okafor@outlook.com,s3,\n",
        encoding="utf-8",
    )
    store = _import(folder, tmp_path)
    families = store.matcher().families
    mariana = families.household("ana.ruiz@gmail.com").guards
    assert len(mariana) == 1
    assert families.household("raul.quintero@gmail.com").guards == frozenset()
    # agentSourcedIds in either direction: the student's (s2 -> p3) and the guardian's (p3 -> s3).
    assert len(families.household("CHIOMA.okafor@outlook.com").guards) == 2
    assert families.household("lharmon@cusd.com").staff
    assert not families.household("lharmon@cusd.com").guards
    # A student's own address counts only at 18 (Mariana is not in the roster's birth dates).
    assert families.household("mquintero@students.cusd.com").guards == frozenset()
    # The stored file holds no address in clear.
    people = list(read_roster(folder)[1])
    assert_no_clear_value(store.path, people)


EDFI = """<?xml version="1.0" encoding="UTF-8"?>
<InterchangeStudentParent xmlns="http://ed-fi.org/0220">
  <Student><StudentUniqueId>700001</StudentUniqueId>
    <Name><FirstName>Sofía</FirstName><LastSurname>Álvarez</LastSurname></Name>
    <BirthData><BirthDate>2008-03-03</BirthDate></BirthData>
    <ElectronicMail><ElectronicMailAddress>sofia.alvarez@gmail.com</ElectronicMailAddress></ElectronicMail>
  </Student>
  <Student><StudentUniqueId>700002</StudentUniqueId>
    <Name><FirstName>Tomás</FirstName><LastSurname>Álvarez</LastSurname></Name>
    <BirthData><BirthDate>2014-03-03</BirthDate></BirthData>
  </Student>
  <Parent id="P1"><ParentUniqueId>P1</ParentUniqueId>
    <Name><FirstName>Pedro</FirstName><LastSurname>Álvarez</LastSurname></Name>
    <ElectronicMail><ElectronicMailAddress>pedro.alvarez@gmail.com</ElectronicMailAddress></ElectronicMail>
  </Parent>
  <Parent id="P2"><ParentUniqueId>P2</ParentUniqueId>
    <Name><FirstName>Rosa</FirstName><LastSurname>Vega</LastSurname></Name>
    <ElectronicMail><ElectronicMailAddress>rosa.vega@gmail.com</ElectronicMailAddress></ElectronicMail>
  </Parent>
  <StudentParentAssociation>
    <StudentReference><StudentIdentity><StudentUniqueId>700001</StudentUniqueId></StudentIdentity></StudentReference>
    <ParentReference ref="P1"/>
  </StudentParentAssociation>
  <StudentParentAssociation>
    <StudentReference><StudentIdentity><StudentUniqueId>700002</StudentUniqueId></StudentIdentity></StudentReference>
    <ParentReference ref="P1"/>
  </StudentParentAssociation>
  <StudentParentAssociation>
    <StudentReference><StudentIdentity><StudentUniqueId>700002</StudentUniqueId></StudentIdentity></StudentReference>
    <ParentReference ref="P2"/>
    <ContactRestrictions>No contact: court order 2025-11</ContactRestrictions>
  </StudentParentAssociation>
</InterchangeStudentParent>
"""


def test_edfi_contact_restrictions_and_eligible_students(tmp_path: Path) -> None:
    path = tmp_path / "Interchange-StudentParent.xml"
    path.write_text(EDFI, encoding="utf-8")
    store = _import(path, tmp_path)
    families = store.matcher().families
    sofia = families.household("sofia.alvarez@gmail.com").guards
    assert len(sofia) == 1  # 18 on the import day: her own record
    both = families.household("pedro.alvarez@gmail.com", parents_of_eligible=True).guards
    minor_only = families.household("pedro.alvarez@gmail.com", parents_of_eligible=False).guards
    assert len(both) == 2 and minor_only == both - sofia and len(minor_only) == 1
    assert families.household("rosa.vega@gmail.com").guards == frozenset()


def test_csv_mapping_rows_per_guardian_restricted_column_and_own_email(tmp_path: Path) -> None:
    path = tmp_path / "families.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["ID", "First", "Last", "Email", "Guardian", "Guardian Email", "Custody"])
        writer.writerow(
            ["3001001", "Mariana", "Quintero-Ruiz", "", "Ana", "ana.ruiz@gmail.com", ""]
        )
        writer.writerow(
            ["3001001", "Mariana", "Quintero-Ruiz", "", "Raul", "raul.quintero@gmail.com", "Y"]
        )
        writer.writerow(
            ["3001002", "Luis", "Quintero-Ruiz", "", "Raul", "raul.quintero@gmail.com", ""]
        )
        writer.writerow(["E5003", "Lisa", "Harmon", "lharmon@cusd.com", "", "", ""])
    mapping = parse_mapping(
        "student_id=ID,first=First,last=Last,email=Email,guardian_first=Guardian,"
        "guardian_email=Guardian Email,guardian_restricted=Custody"
    )
    listed = list(read_roster(path, mapping=mapping)[1])
    mariana = next(p for p in listed if p.local_id == "3001001")
    assert [(g.name.first, g.restricted) for g in mariana.guardians] == [
        ("Ana", False),
        ("Raul", True),
    ]
    store = _import(path, tmp_path, mapping)
    families = store.matcher().families
    ana = families.household("ana.ruiz@gmail.com").guards
    raul = families.household("raul.quintero@gmail.com").guards
    # Restricted for Mariana only: still Luis's guardian.
    assert len(ana) == 1 and len(raul) == 1 and ana != raul
    lisa = next(p for p in listed if p.local_id == "E5003")
    assert lisa.emails == ("lharmon@cusd.com",)
    assert families.household("nobody@gmail.com").guards == frozenset()


def test_version_changes_with_what_decisions_read(tmp_path: Path) -> None:
    store = RosterStore.open(tmp_path / "r.npz", SECRET)
    student = Person(
        Role.STUDENT, "3001001", PersonName("Mariana", "Ruiz"), emails=("m@x.example",)
    )
    store.import_people([student], "test", TODAY)
    first = store.matcher().families.version
    store.import_people([student], "test", TODAY)
    assert store.matcher().families.version == first
    store.import_people([Person(Role.STUDENT, "3001001", PersonName("Mariana", "Ruiz"))], "test")
    assert store.matcher().families.version != first
