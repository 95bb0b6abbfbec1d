from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dlp.export.clauses import PERSONNEL, STUDENT, clauses_for, exposure, risk_score
from dlp.model import Category


def test_clauses_follow_section_l():
    assert clauses_for("SPECIAL_EDUCATION", Category.SPECIAL_EDUCATION) == (STUDENT,)
    assert clauses_for("PERSONNEL", Category.PERSONNEL) == (PERSONNEL,)
    # Both clauses list contact information and discipline records.
    assert clauses_for("PHONE_NUMBER", Category.CONTACT) == (STUDENT, PERSONNEL)
    assert clauses_for("DISCIPLINE", Category.DISCIPLINE) == (STUDENT, PERSONNEL)
    # Whose identifier it is decides.
    assert clauses_for("STUDENT_ID", Category.IDENTIFIER) == (STUDENT,)
    assert clauses_for("STAFF_ID", Category.IDENTIFIER) == (PERSONNEL,)
    assert clauses_for("CREDIT_CARD", Category.FINANCIAL) == ()


def test_exposure_levels():
    internal = frozenset({"cusd.com"})
    assert exposure("t@cusd.com", (), False, internal) == "unknown"
    assert exposure("t@cusd.com", (), True, internal) == "private"
    assert (
        exposure("t@cusd.com", ("a@cusd.com", "b@students.cusd.com"), True, internal) == "internal"
    )
    assert exposure("t@cusd.com", ("a@cusd.com", "p@gmail.com"), True, internal) == "external"
    assert exposure("t@cusd.com", ("p@gmail.com", "Anyone with link"), True, internal) == "public"
    # Without configured domains the owner's own domain is internal.
    assert exposure("t@cusd.com", ("a@cusd.com",), True, frozenset()) == "internal"
    assert exposure("t@cusd.com", ("a@other.org",), True, frozenset()) == "external"


counts = st.dictionaries(
    st.sampled_from(["US_SSN", "STUDENT_ID", "EMAIL_ADDRESS", "GRADES"]),
    st.integers(1, 1000),
    min_size=1,
)


@given(counts, st.sampled_from(["US_SSN", "STUDENT_ID", "EMAIL_ADDRESS", "GRADES"]))
def test_risk_grows_with_findings_and_exposure(found, more):
    bigger = {**found, more: found.get(more, 0) + 1}
    if more in found:  # one more of a kind already found: never less (rounded to 0.01)
        assert risk_score(bigger, "private") >= risk_score(found, "private")
    else:
        assert risk_score(bigger, "private") > risk_score(found, "private")
    assert (
        risk_score(found, "private")
        < risk_score(found, "internal")
        < risk_score(found, "external")
        < risk_score(found, "public")
    )
