from __future__ import annotations

import pytest

from dlp.roster.matcher import CHUNK_CHARS, SCORE_CONFIRMED_BY_DOB, RosterMatch, RosterMatcher


def spans(matcher: RosterMatcher, text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.entity_type) for m in matcher.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lisa Woods was absent.", [("Lisa Woods", "ROSTER_STUDENT_NAME")]),
        ("Re: WOODS, LISA", [("WOODS, LISA", "ROSTER_STUDENT_NAME")]),
        ("Student: Woods, Lisa S. (grade 9)", [("Woods, Lisa S", "ROSTER_STUDENT_NAME")]),
        ("lisa s. woods", [("lisa s. woods", "ROSTER_STUDENT_NAME")]),
        ("Lisa Sybil Woods", [("Lisa Sybil Woods", "ROSTER_STUDENT_NAME")]),
        ("Lisarae Woods", [("Lisarae Woods", "ROSTER_STUDENT_NAME")]),
        ("Maria Jose Garcia Lopez", [("Maria Jose Garcia Lopez", "ROSTER_STUDENT_NAME")]),
        ("María José García-López", [("María José García-López", "ROSTER_STUDENT_NAME")]),
        ("GARCÍA-LÓPEZ, MARÍA JOSÉ", [("GARCÍA-LÓPEZ, MARÍA JOSÉ", "ROSTER_STUDENT_NAME")]),
        ("Sean O'Brien", [("Sean O'Brien", "ROSTER_STUDENT_NAME")]),
        ("Sean O’Brien", [("Sean O’Brien", "ROSTER_STUDENT_NAME")]),
        ("Sean OBrien", [("Sean OBrien", "ROSTER_STUDENT_NAME")]),
        ("Sean P. O'Brien", [("Sean P. O'Brien", "ROSTER_STUDENT_NAME")]),
        ("Jürgen Strauß", [("Jürgen Strauß", "ROSTER_STUDENT_NAME")]),
        ("Mathias A. Bogert", [("Mathias A. Bogert", "ROSTER_STUDENT_NAME")]),
        ("Mathias A. A. Bogert", [("Mathias A. A. Bogert", "ROSTER_STUDENT_NAME")]),
        ("Bogert, Mathias Ana Anita", [("Bogert, Mathias Ana Anita", "ROSTER_STUDENT_NAME")]),
        ("Jurgen Strauss", [("Jurgen Strauss", "ROSTER_STUDENT_NAME")]),
        ("Jürgen Strauß", [("Jürgen Strauß", "ROSTER_STUDENT_NAME")]),  # decomposed ü
        ("id S1001 and s-1001", [("S1001", "ROSTER_STUDENT_ID"), ("s-1001", "ROSTER_STUDENT_ID")]),
        ("state id TX 000123456", [("TX 000123456", "ROSTER_STUDENT_ID")]),
        (
            "Barry Tanner, E2001",
            [("Barry Tanner", "ROSTER_STAFF_NAME"), ("E2001", "ROSTER_STAFF_ID")],
        ),
        ("Dave Tanner", [("Dave Tanner", "ROSTER_STAFF_NAME")]),
        ("Madelyn Woods called", [("Madelyn Woods", "ROSTER_GUARDIAN_NAME")]),
        ("call 950-943-8054", [("950-943-8054", "ROSTER_GUARDIAN_CONTACT")]),
        (
            "mail madelyn.woods@example.org",
            [("madelyn.woods@example.org", "ROSTER_GUARDIAN_CONTACT")],
        ),
        (
            "lives at 54 Rocky Clarendon Ave.",
            [("54 Rocky Clarendon Ave", "ROSTER_GUARDIAN_CONTACT")],
        ),
        # Weak tokens (times, house numbers, initials) count beside a strong one.
        (
            "at 8:30 on 2 3, 54 Rocky Clarendon Ave",
            [("54 Rocky Clarendon Ave", "ROSTER_GUARDIAN_CONTACT")],
        ),
        ("A. A. Bogert, Mathias A A", [("Bogert, Mathias A A", "ROSTER_STUDENT_NAME")]),
        # Not the roster: another surname, a lone first name, a name split by a long gap.
        ("Lisa Simpson and Woods", []),
        ("Lisa", []),
        ("Lisa ..... Woods", []),
        ("Lisa Woodson", []),
        ("ID S10011 or 1001", []),
    ],
)
def test_forms_and_spans(
    matcher: RosterMatcher, text: str, expected: list[tuple[str, str]]
) -> None:
    assert spans(matcher, text) == expected


def test_same_person_shares_subject(matcher: RosterMatcher) -> None:
    found = matcher.find("Lisa Woods (S1001), also written WOODS, LISA S.")
    assert len(found) == 3
    assert len({m.subject for m in found}) == 1
    assert {m.kind for m in found} == {"name", "id"}


def test_different_people_differ(matcher: RosterMatcher) -> None:
    found = matcher.find("Lisa Woods and Barry Tanner")
    assert len({m.subject for m in found}) == 2


def test_date_of_birth_confirms(matcher: RosterMatcher) -> None:
    plain = matcher.find("Lisa Woods")[0]
    for text in (
        "Lisa Woods, DOB 09/13/2008",
        "Lisa Woods (born 2008-09-13)",
        "Lisa Woods, born September 13, 2008",
        "DOB: 13 Sep 2008 - Lisa Woods",
    ):
        match = matcher.find(text)[0]
        assert match.confirmed_by_dob, text
        assert match.score == SCORE_CONFIRMED_BY_DOB > plain.score
        assert match.subject == plain.subject
    assert not matcher.find("Lisa Woods, DOB 09/14/2008")[0].confirmed_by_dob


def test_shared_name_is_resolved_by_birth_date(matcher: RosterMatcher) -> None:
    shared = matcher.find("John Smith")[0]
    assert shared.candidates == 2
    first = matcher.find("John Smith 5/6/2012")[0]
    second = matcher.find("John Smith 7/8/2013")[0]
    assert first.candidates == second.candidates == 1
    assert len({shared.subject, first.subject, second.subject}) == 3
    by_id = matcher.find("John Smith, student S1005")
    assert [m.subject for m in by_id] == [first.subject, first.subject]


def test_directory_opt_out_is_carried(matcher: RosterMatcher) -> None:
    assert all(m.directory_opt_out for m in matcher.find("Sean O'Brien S1003"))
    assert not any(m.directory_opt_out for m in matcher.find("Lisa Woods S1001"))


def test_guardian_relates_to_student(matcher: RosterMatcher) -> None:
    student = matcher.find("Lisa Woods")[0]
    guardian = matcher.find("Madelyn Woods")[0]
    assert guardian.related == (student.subject,)


def test_is_roster_id(matcher: RosterMatcher) -> None:
    found = matcher.is_roster_id("s1001")
    assert isinstance(found, RosterMatch)
    assert (found.entity_type, found.subject) == (
        "ROSTER_STUDENT_ID",
        matcher.find("Lisa Woods")[0].subject,
    )
    assert matcher.is_roster_id("S 1001") is not None
    assert matcher.is_roster_id("S1009") is None
    assert matcher.is_roster_id("Lisa Woods") is None


def test_offsets_survive_non_ascii_and_chunks(matcher: RosterMatcher) -> None:
    prefix = "é’ — Notes: " + "word " * (CHUNK_CHARS // 5 - 3)
    text = prefix + "Lisa Woods " + "more text " * 300 + "Barry Tanner"
    found = spans(matcher, text)
    assert found == [("Lisa Woods", "ROSTER_STUDENT_NAME"), ("Barry Tanner", "ROSTER_STAFF_NAME")]
    # A name straddling the chunk boundary is found once.
    for shift in range(-12, 12, 3):
        filler = "x " * ((CHUNK_CHARS + shift) // 2)
        assert spans(matcher, filler + "Lisa Woods") == [("Lisa Woods", "ROSTER_STUDENT_NAME")]


def test_empty_and_separator_only_text(matcher: RosterMatcher) -> None:
    assert matcher.find("") == []
    assert matcher.find("  ,;\n ") == []
    assert matcher.find("\u0301") == []


def test_month_matched_only_ignoring_case_the_re_way(matcher: RosterMatcher) -> None:
    # `re` matches "sep" with a long s (U+017F) to "sep" ignoring case; str.lower() does not.
    found = matcher.find("Lisa Woods, born \u017fep 13, 2008")
    assert [(m.confirmed_by_dob, m.score) for m in found] == [(True, SCORE_CONFIRMED_BY_DOB)]


def test_no_form_is_made_of_weak_tokens_only() -> None:
    from datetime import date

    from dlp.roster.fingerprint import fold, is_weak
    from dlp.roster.forms import guardian_forms, person_forms
    from dlp.roster.people import Guardian, Person, PersonName, Role

    # The matcher never looks up a run of weak tokens, so a form of them alone could not be
    # found; the collector makes none (and keeps "Al Li" and "J. Smith").
    initials = Person(Role.STUDENT, "S9001", PersonName("J", "K"), birth_date=date(2010, 1, 1))
    short = Person(Role.STUDENT, "S9002", PersonName("Al", "Li", "J"))
    assert [f.tokens for f in person_forms(initials)] == [("s9001",), ("s", "9001")]
    assert {("al", "li"), ("al", "j", "li"), ("li", "al", "j")} <= {
        f.tokens for f in person_forms(short)
    }
    guardian = Guardian("g9", PersonName("J", "Smith"), addresses=("12 5",), emails=("a.b@c.d",))
    assert {f.tokens for f in guardian_forms(guardian)} == {
        ("j", "smith"),
        ("smith", "j"),
    }
    for person in (initials, short):
        for form in person_forms(person):
            assert any(not all(is_weak(fold(t)[0]) for t in s) for s in form.spellings)
