"""Ed-Fi XML interchanges: Student, Contact (or Parent) and StaffAssociation files.

Reads the ``*.xml`` files of a folder (or one file) whose root is a roster interchange
(`ROSTER_INTERCHANGES`); an export's attendance, assessment or gradebook files are left unread
after their first element. Each file is streamed: every entity under the root is reduced to
what the roster needs (unique and state IDs, names, birth dates, guardians with their contact
details, the student-guardian links) and then cleared, so memory follows the roster, not the
files. Ed-Fi has no standard FERPA directory opt-out element; an element named like one
(`OPT_OUT_ELEMENTS`), as district extensions add, is honoured. A student-contact association
with ``ContactRestrictions`` (or an extension flag such as ``NoContact``) marks that guardian
restricted for that student. Students', staff's and contacts' e-mail addresses are kept (as
keyed hashes) to recognise them as recipients.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from dlp.roster.importers.values import RESTRICTED_HEADERS, header_key, parse_date, parse_flag
from dlp.roster.people import Guardian, Person, PersonName, Role, RosterFormatError

OPT_OUT_ELEMENTS = frozenset(
    {"directoryoptout", "directoryinformationoptout", "ferpadirectoryoptout", "ferpaoptout"}
)
# Ed-Fi 5 (Contact), 3 (Parent) and 2 (StudentParent) names of the files that carry people.
ROSTER_INTERCHANGES = frozenset(
    {
        "InterchangeStudent",
        "InterchangeContact",
        "InterchangeParent",
        "InterchangeStudentParent",
        "InterchangeStaffAssociation",
    }
)
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
    students: list[Person] = field(default_factory=list)  # guardians added once all is read
    staff: list[Person] = field(default_factory=list)
    contacts: dict[str, Guardian] = field(default_factory=dict)  # by id attribute and unique ID
    # (student ID, contact key, restricted)
    links: list[tuple[str, str, bool]] = field(default_factory=list)


def _read(path: Path, into: _Interchange) -> None:
    """Add the people of one file to ``into``; a file of another interchange is skipped."""
    depth = 0
    root: ET.Element | None = None
    try:
        with path.open("rb") as stream:
            for event, element in ET.iterparse(stream, events=("start", "end")):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        if _local(element.tag) not in ROSTER_INTERCHANGES:
                            return
                        root = element
                    continue
                depth -= 1
                _take(element, into)
                if depth == 1 and root is not None:
                    root.clear()  # this entity is read: drop it (and any before it)
    except ET.ParseError as error:
        raise RosterFormatError(f"{path}: not well-formed XML ({error})") from None


def _take(element: ET.Element, into: _Interchange) -> None:
    """Keep what the roster needs of one complete element, if it is a person or a link."""
    tag = _local(element.tag)
    if tag == "Student" and _children(element, "StudentUniqueId"):
        into.students.append(_student(element))
    elif tag == "Staff" and _children(element, "StaffUniqueId"):
        into.staff.append(_staff(element))
    elif tag in ("Contact", "Parent"):
        unique = _text(element, f"{tag}UniqueId")
        if unique:
            guardian = _guardian(element)
            into.contacts[unique] = guardian
            if element.get("id"):
                into.contacts[element.get("id", "")] = guardian
    elif tag in _LINKS:
        student = _text(element, "StudentReference", "StudentIdentity", "StudentUniqueId")
        restricted = _restricted(element)
        for reference in ("ContactReference", "ParentReference"):
            for ref in _children(element, reference):
                unique = ref.get("ref") or _text(
                    ref,
                    reference.replace("Reference", "Identity"),
                    reference.replace("Reference", "UniqueId"),
                )
                if student and unique:
                    into.links.append((student, unique, restricted))


def _restricted(association: ET.Element) -> bool:
    """A custody or no-contact restriction on a student-contact association: Ed-Fi's own
    ``ContactRestrictions`` text (any but a "no"), or a district extension flag named like
    one (`RESTRICTED_HEADERS`)."""
    for node in association.iter():
        name = header_key(_local(node.tag))
        text = (node.text or "").strip()
        if name == "contactrestrictions" and text:
            return parse_flag(text) is not False
        if name in RESTRICTED_HEADERS and parse_flag(text):
            return True
    return False


def _emails(element: ET.Element) -> tuple[str, ...]:
    found = [
        _text(mail, "ElectronicMailAddress")
        for name in ("ElectronicMail", "StudentElectronicMail", "StaffElectronicMail")
        for mail in _children(element, name)
    ]
    return tuple(dict.fromkeys(address for address in found if address))


def _student(element: ET.Element) -> Person:
    return Person(
        role=Role.STUDENT,
        local_id=_text(element, "StudentUniqueId"),
        state_id=_state_id(element, "StudentIdentificationCode", "StudentIdentificationSystem"),
        name=_name(element),
        birth_date=parse_date(_text(element, "BirthData", "BirthDate")),
        directory_opt_out=_opt_out(element),
        emails=_emails(element),
    )


def _staff(element: ET.Element) -> Person:
    staff_id = _text(element, "StaffUniqueId")
    state_id = _state_id(element, "StaffIdentificationCode", "StaffIdentificationSystem")
    return Person(
        role=Role.STAFF,
        local_id=staff_id,
        state_id=state_id if state_id != staff_id else "",
        name=_name(element),
        birth_date=parse_date(_text(element, "BirthDate")),
        emails=_emails(element),
    )


def _guardian(element: ET.Element) -> Guardian:
    tag = _local(element.tag)
    addresses = []
    for address in _children(element, "Address"):
        street = _text(address, "StreetNumberName")
        if street:
            addresses.append(street)
    phones = [_text(t, "TelephoneNumber") for t in _children(element, "Telephone")]
    return Guardian(
        key=_text(element, f"{tag}UniqueId"),
        name=_name(element),
        emails=_emails(element),
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
    for student_id, contact_key, restricted in interchange.links:
        guardian = interchange.contacts.get(contact_key)
        if guardian is not None:
            guardians.setdefault(student_id, []).append(replace(guardian, restricted=restricted))
    for student in interchange.students:
        yield replace(student, guardians=tuple(guardians.get(student.local_id, ())))
    yield from interchange.staff
