"""The district roster as a detector: real students and staff, and a check on ID-shaped numbers.

Pattern recognizers guess that a number near "student ID" is one; the roster knows. A STUDENT_ID
or STAFF_ID finding whose value is the ID of a roster person of that role is raised to
ROSTER_CONFIRMED_SCORE and carries the person's subject digest; one that is nobody's ID is
doubted (see `doubted_score`), but only when the roster holds people of that role at all.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from dlp.detect.context import MIN_SCORE_WITH_CONTEXT
from dlp.detect.matches import RawMatch
from dlp.roster.people import Role

if TYPE_CHECKING:
    # Not at run time: the matcher loads numpy, which a scanner without a roster never needs.
    from dlp.roster.matcher import RosterMatch, RosterMatcher

RECOGNIZER_NAME = "RosterRecognizer"
ROSTER_ENTITIES = (
    "ROSTER_STUDENT_ID",
    "ROSTER_STUDENT_NAME",
    "ROSTER_STAFF_ID",
    "ROSTER_STAFF_NAME",
    "ROSTER_GUARDIAN_NAME",
    "ROSTER_GUARDIAN_CONTACT",
)
CHECKED_PATTERN_ROLES = {"STUDENT_ID": Role.STUDENT, "STAFF_ID": Role.STAFF}
CHECKED_PATTERN_ENTITIES = tuple(CHECKED_PATTERN_ROLES)
# As dlp.roster.matcher.ENTITY_TYPES names them (tests/detect/test_lazy_imports.py holds the
# two equal).
ID_ENTITIES = {Role.STUDENT: "ROSTER_STUDENT_ID", Role.STAFF: "ROSTER_STAFF_ID"}
ROSTER_CONFIRMED_SCORE = 0.95
NOT_ON_ROSTER_DECREMENT = 0.1
# The threshold a doubt must not push a reportable ID under when the caller names none: the
# score context alone gives a pattern, which is also the scanner's default threshold.
DEFAULT_REPORT_THRESHOLD = MIN_SCORE_WITH_CONTEXT


def from_roster(match: RosterMatch) -> RawMatch:
    return RawMatch(
        entity_type=match.entity_type,
        start=match.start,
        end=match.end,
        score=match.score,
        recognizer=RECOGNIZER_NAME,
        pattern=match.field,
        subject=match.subject,
        directory_opt_out=match.directory_opt_out,
    )


def doubted_score(score: float, threshold: float) -> float:
    """``score`` lowered by a small fixed step, but never from reportable to unreportable.

    A number missing from the roster may still be a real ID: a student enrolled since the last
    import, another district's number, a typo in the roster. So the doubt ranks it below the
    confirmed and the unchecked, and never hides it: a score at or above ``threshold`` stays at
    or above it (context-only IDs score exactly the default threshold, so they keep their
    score), and one already below it is left alone since it cannot be reported anyway.
    """
    return max(score - NOT_ON_ROSTER_DECREMENT, min(score, threshold))


def checked_against_roster(
    match: RawMatch,
    text: str,
    roster: RosterMatcher,
    threshold: float = DEFAULT_REPORT_THRESHOLD,
) -> RawMatch:
    """A pattern ID finding, confirmed (higher score, subject), doubted (lower score) or as is.

    Confirmed: the value is the ID of a roster person of the finding's role (a student for
    STUDENT_ID, staff for STAFF_ID). Doubted: the value is nobody's ID and the roster holds
    people of that role; a roster without that role (a student-only import) knows nothing
    about such IDs and leaves them alone. Left as is, too: the ID of a person of the other role
    ("staff id" before a student's number). The roster cannot tell a mislabelled student ID
    from an employee number that happens to equal one (districts number the two separately),
    so it neither confirms it as staff (the student's digest would name the wrong person) nor
    doubts a number that is a real district ID; the roster's own ROSTER_STUDENT_ID finding
    reports the student. ``threshold`` is the scanner's reporting threshold (see
    `doubted_score`).
    """
    role = CHECKED_PATTERN_ROLES.get(match.entity_type)
    if role is None or not roster.has_role(role):
        return match
    ids = roster.roster_ids(text[match.start : match.end])  # one cached look-up for both
    wanted = ID_ENTITIES[role]
    for known in ids:
        if known.entity_type == wanted:
            return replace(
                match,
                score=max(match.score, ROSTER_CONFIRMED_SCORE),
                subject=known.subject,
                directory_opt_out=known.directory_opt_out,
            )
    if ids:
        return match
    doubted = doubted_score(match.score, threshold)
    if doubted == match.score:
        return match  # an ID with context only, already at the threshold: nothing to lower
    # Built directly: dataclasses.replace costs three times as much, on most ID findings.
    return RawMatch(
        match.entity_type,
        match.start,
        match.end,
        doubted,
        match.recognizer,
        match.pattern,
        match.context_words,
        match.subject,
        match.directory_opt_out,
    )
