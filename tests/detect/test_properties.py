"""Hypothesis properties of detection and normalization."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlp.detect.context import negative_pattern
from dlp.detect.normalize import normalize

AREAS = st.integers(1, 899).filter(lambda a: a != 666)
VALID_SSN = (
    st.tuples(AREAS, st.integers(1, 99), st.integers(1, 9999))
    .map(lambda t: f"{t[0]:03d}-{t[1]:02d}-{t[2]:04d}")
    .filter(lambda s: s not in {"078-05-1120", "219-09-9999", "457-55-5462"} and len(set(s)) > 2)
)
FILLER = st.text(alphabet=st.sampled_from(list("abcdefg XYZ.,;:\n\té’")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(before=FILLER, ssn=VALID_SSN, after=FILLER)
def test_valid_ssn_planted_anywhere_is_found_at_its_span(scanner, before, ssn, after):
    text = f"{before} {ssn} {after}"
    # The filler can spell a negative word ("faX": " 001-01-0001 faX" is a fax number, rightly
    # not an SSN): the property is about where a bare SSN sits, not what words say of it.
    (spec,) = [r.spec for r in scanner.pattern_recognizers if r.spec.entity_type == "US_SSN"]
    assume(negative_pattern(spec.negative_words).search(text) is None)
    start = len(before) + 1
    spans = {(f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "US_SSN"}
    assert (start, start + len(ssn)) in spans


IMPOSSIBLE_SSN = st.one_of(
    st.tuples(
        st.sampled_from([0, 666, *range(900, 1000)]), st.integers(0, 99), st.integers(0, 9999)
    ),
    st.tuples(AREAS, st.just(0), st.integers(0, 9999)),
    st.tuples(AREAS, st.integers(0, 99), st.just(0)),
).map(lambda t: f"{t[0]:03d}-{t[1]:02d}-{t[2]:04d}")


@settings(max_examples=300, deadline=None)
@given(before=FILLER, ssn=IMPOSSIBLE_SSN, after=FILLER)
def test_impossible_ssn_is_never_found(scanner, before, ssn, after):
    text = f"{before} SSN {ssn} {after}"
    assert not [f for f in scanner.scan_text(text) if f.entity_type == "US_SSN"]


NOISY = st.text(
    alphabet=st.sampled_from(list("ab IEP\n\r\t’“”\u00ad\u200b\u00a0ﬁＩＥＰéÉİ")), max_size=40
)


@settings(max_examples=500, deadline=None)
@given(before=NOISY, after=NOISY)
def test_normalization_never_moves_a_match_off_its_original_offsets(scanner, before, after):
    term = "IEP"
    text = f"{before} {term} {after}"
    start = len(before) + 1
    spans = {
        (f.start, f.end) for f in scanner.scan_text(text) if f.entity_type == "SPECIAL_EDUCATION"
    }
    assert (start, start + 3) in spans
    for f in scanner.scan_text(text):
        if f.entity_type == "SPECIAL_EDUCATION":
            # every keyword span, mapped back, covers text that normalizes to a dictionary term
            assert normalize(text[f.start : f.end]).text.replace("\u200b", "").strip()


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=80))
def test_normalized_offsets_map_back_inside_the_original(text):
    normalized = normalize(text)
    for position in range(len(normalized.text) + 1):
        original = normalized.to_original(position) if position < len(normalized.text) else None
        if original is not None:
            assert 0 <= original < len(text)
    ends = [normalized.to_original_end(p) for p in range(len(normalized.text) + 1)]
    assert ends == sorted(ends)
    assert all(0 <= e <= len(text) for e in ends)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_scanning_any_text_never_raises_and_spans_are_in_range(scanner, text):
    for finding in scanner.scan_text(text):
        assert 0 <= finding.start < finding.end <= len(text)
