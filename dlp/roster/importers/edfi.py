"""Ed-Fi XML interchanges: Student, Contact (or Parent) and StaffAssociation files.

Reads every ``*.xml`` in a folder (or one file), streaming, and keeps only what the roster
needs: unique and state IDs, names, birth dates, guardians with their contact details and the
student-guardian links. Ed-Fi has no standard FERPA directory opt-out element; an element named
like one (`OPT_OUT_ELEMENTS`), as district extensions add, is honoured.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dlp.roster.importers.values import header_key, parse_date, parse_flag
from dlp.roster.people import Guardian, Person, PersonName, Role, RosterFormatError

OPT_OUT_ELEMENTS = frozenset(
    {"directoryoptout", "directoryinformationoptout", "ferpadirectoryoptout", "ferpaoptout"}
)
_PEOPLE = {"Student", "Staff", "Contact", "Parent"}
_LINKS = {"StudentContactAssociation", "StudentParentAssociation"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ET.Element | None, *path: str) -> str:
    for name in path:
        if element is None:
            return ""
        found = _children(element, name)
        element = found[0] if found else None
    return (element.text or "").strip() if element is not None else ""


def _name(element: ET.Element) -> PersonName:
    name = _children(element, "Name")
    node = name[0] if name else None
    return PersonName(
        first=_text(node, "FirstName"),
        middle=_text(node, "MiddleName"),
        last=_text(node, "LastSurname"),
        preferred_first=_text(node, "PreferredFirstName"),
        preferred_last=_text(node, "PreferredLastSurname"),
    )


def _state_id(element: ET.Element, code_element: str, system_element: str) -> str:
    for code in _children(element, code_element):
        system = _text(code, system_element) or _text(
            code, "AssigningOrganizationIdentificationCode"
        )
        if "state" in system.lower():
            return _text(code, "IdentificationCode")
    return ""


def _opt_out(element: ET.Element) -> bool:
    for node in element.iter():
        if header_key(_local(node.tag)) in OPT_OUT_ELEMENTS:
            return bool(parse_flag(node.text or ""))
    return False


@dataclass
class _Interchange:
    students: list[ET.Element] = field(default_factory=list)
    staff: list[ET.Element] = field(default_factory=list)
    contacts: dict[str, ET.Element] = field(default_factory=dict)  # by id attribute and unique ID
    links: list[tuple[str, str]] = field(default_factory=list)  # (student ID, contact key)


def _read(path: Path, into: _Interchange) -> None:
    try:
        for _, element in ET.iterparse(path, events=("end",)):
            tag = _local(element.tag)
            if tag == "Student" and _children(element, "StudentUniqueId"):
                into.students.append(element)
            elif tag == "Staff" and _children(element, "StaffUniqueId"):
                into.staff.append(element)
            elif tag in ("Contact", "Parent"):
                unique = _text(element, f"{tag}UniqueId")
                if unique:
                    into.contacts[unique] = element
                    if element.get("id"):
                        into.contacts[element.get("id", "")] = element
            elif tag in _LINKS:
                student = _text(element, "StudentReference", "StudentIdentity", "StudentUniqueId")
                for reference in ("ContactReference", "ParentReference"):
                    for ref in _children(element, reference):
                        unique = ref.get("ref") or _text(
                            ref,
                            reference.replace("Reference", "Identity"),
                            reference.replace("Reference", "UniqueId"),
                        )
                        if student and unique:
                            into.links.append((student, unique))
    except ET.ParseError as error:
        raise RosterFormatError(f"{path}: not well-formed XML ({error})") from None


def _guardian(element: ET.Element) -> Guardian:
    tag = _local(element.tag)
    addresses = []
    for address in _children(element, "Address"):
        street = _text(address, "StreetNumberName")
        if street:
            addresses.append(street)
    phones = [_text(t, "TelephoneNumber") for t in _children(element, "Telephone")]
    emails = [_text(e, "ElectronicMailAddress") for e in _children(element, "ElectronicMail")]
    return Guardian(
        key=_text(element, f"{tag}UniqueId"),
        name=_name(element),
        emails=tuple(e for e in emails if e),
        phones=tuple(p for p in phones if p),
        addresses=tuple(addresses),
    )


def looks_like_edfi(path: Path) -> bool:
    files = [path] if path.is_file() else sorted(path.glob("*.xml"))
    for file in files[:20]:
        if file.suffix.lower() != ".xml":
            continue
        with file.open("rb") as stream:
            head = stream.read(4096)
        if b"ed-fi.org" in head and b"<Interchange" in head:
            return True
    return False


def read_edfi(path: Path) -> Iterator[Person]:
    files = [path] if path.is_file() else sorted(path.glob("*.xml"))
    interchange = _Interchange()
    for file in files:
        _read(file, interchange)
    if not interchange.students and not interchange.staff:
        raise RosterFormatError(f"{path}: no Ed-Fi Student or Staff elements found")
    guardians: dict[str, list[Guardian]] = {}
    built: dict[int, Guardian] = {}
    for student_id, contact_key in interchange.links:
        element = interchange.contacts.get(contact_key)
        if element is None:
            continue
        if id(element) not in built:
            built[id(element)] = _guardian(element)
        guardians.setdefault(student_id, []).append(built[id(element)])
    for element in interchange.students:
        student_id = _text(element, "StudentUniqueId")
        yield Person(
            role=Role.STUDENT,
            local_id=student_id,
            state_id=_state_id(element, "StudentIdentificationCode", "StudentIdentificationSystem"),
            name=_name(element),
            birth_date=parse_date(_text(element, "BirthData", "BirthDate")),
            directory_opt_out=_opt_out(element),
            guardians=tuple(guardians.get(student_id, ())),
        )
    for element in interchange.staff:
        staff_id = _text(element, "StaffUniqueId")
        state_id = _state_id(element, "StaffIdentificationCode", "StaffIdentificationSystem")
        yield Person(
            role=Role.STAFF,
            local_id=staff_id,
            state_id=state_id if state_id != staff_id else "",
            name=_name(element),
            birth_date=parse_date(_text(element, "BirthDate")),
        )
