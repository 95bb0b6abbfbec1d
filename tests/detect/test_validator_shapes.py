"""The SSN and NANP validators settle a value written in a common shape by one match
(``rules._POSSIBLE_SSN``, ``rules._POSSIBLE_NANP``) and the rest as before: they answer as the
old ones (``test_rules_fast``) on values of those shapes and near them, where random pieces
rarely land (a possible SSN needs nine digits with no impossible part)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlp.detect import rules

from .test_rules_fast import old_nanp_phone_is_impossible, old_us_ssn_is_impossible

# Digits weighted to the ones the rules single out (0, 1, 6, 9), separators of every kind.
DIGIT = st.sampled_from("0123456789001166990")
SEPARATOR = st.sampled_from(["", "", "-", ".", " ", "/", "  ", "-."])


def digit_run(count: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(DIGIT, min_size=count, max_size=count).map("".join),
        DIGIT.map(lambda digit: digit * count),  # one digit repeated
    )


SSN_SHAPED = st.one_of(
    st.tuples(digit_run(3), SEPARATOR, digit_run(2), SEPARATOR, digit_run(4)).map("".join),
    st.tuples(digit_run(3), SEPARATOR, digit_run(2), SEPARATOR, digit_run(4))
    .filter(lambda parts: parts[1] == parts[3])
    .map("".join),
    digit_run(9),
    st.sampled_from(sorted(rules._KNOWN_FAKE_SSNS)),
    st.sampled_from(sorted(rules._FAKE_SSN_FORMS)),
)
OPEN = st.sampled_from(["", "(", "+1 ", "1", "1-", "001 ", "+44 ", " "])
CLOSE = st.sampled_from(["", ")", ") ", "-", ".", " "])
TAIL = st.sampled_from(["", "", " x12", " ext. 5", "X9", "\n", "²"])
NANP_SHAPED = st.one_of(
    st.tuples(OPEN, digit_run(3), CLOSE, digit_run(3), SEPARATOR, digit_run(4), TAIL),
    # (the common shapes, most of them possible numbers)
    st.tuples(
        st.sampled_from(["", "("]),
        digit_run(3),
        st.sampled_from(["", ")", ") ", "-", ".", " "]),
        digit_run(3),
        st.sampled_from(["", "-", ".", " "]),
        digit_run(4),
    ),
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(SSN_SHAPED)
@example("536-22-1234")
@example("536 22 1234")
@example("536221234")
@example("536-22 1234")  # mixed separators
@example("078-05-1120")  # advertised
@example("111.11.1111")  # one digit
@example("900-22-1234")
@example("666221234")
@example("536001234")
@example("536220000")
def test_ssn_as_before(text: str) -> None:
    assert rules.us_ssn_is_impossible(text) == old_us_ssn_is_impossible(text)


@settings(max_examples=3000, deadline=None)
@given(NANP_SHAPED)
@example("(559) 327-1234")
@example("5593271234")
@example("559-327-1234")
@example("(222) 222-2222")  # one digit
@example("2222222222")
@example("(211) 327-1234")  # N11 area code
@example("559 311 1234")  # N11 exchange code
@example("(159) 327-1234")
@example("(559)327-1234")
@example("(559 3271234")
def test_nanp_as_before(text: str) -> None:
    assert rules.nanp_phone_is_impossible(text) == old_nanp_phone_is_impossible(text)


def test_the_shapes_settle_the_common_values() -> None:
    # The values the shapes are for: each settled by its match.
    for text in ("536-22-1234", "536221234", "536.22.1234", "536 22 1234"):
        assert rules._POSSIBLE_SSN(text) is not None and not rules.us_ssn_is_impossible(text)
    for text in ("(559) 327-1234", "5593271234", "559-327-1234", "559.327.1234"):
        assert rules._POSSIBLE_NANP(text) is not None
        assert not rules.nanp_phone_is_impossible(text)
