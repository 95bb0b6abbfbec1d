"""A student named by a person (an ID or a name typed into a command or a page) -> their
roster subject digest(s), through the roster's keyed hashes: the value itself is not kept."""

from __future__ import annotations

from dlp.roster.matcher import RosterMatcher

STUDENT_ID = "ROSTER_STUDENT_ID"
STUDENT_NAME = "ROSTER_STUDENT_NAME"


def student_subjects(matcher: RosterMatcher, value: str) -> tuple[str, ...]:
    """The students ``value`` is: one for an ID or an unshared name, every candidate for a
    name several students share, () for nobody on the roster."""
    text = " ".join(value.split())
    if not text:
        return ()
    found = [m.subject for m in matcher.roster_ids(text) if m.entity_type == STUDENT_ID]
    if found:
        return tuple(dict.fromkeys(found))
    subjects: dict[str, None] = {}
    for match in matcher.find(text):
        if match.entity_type != STUDENT_NAME or match.end - match.start < len(text) - 1:
            continue  # a name inside the text, not the text: "Smith" in "John Smith Jr"
        members = matcher.group_members(match.subject) if match.candidates > 1 else ()
        subjects.update(dict.fromkeys(members or (match.subject,)))
    return tuple(subjects)
