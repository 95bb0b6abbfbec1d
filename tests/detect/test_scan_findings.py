"""``Scanner.scan`` makes its findings straight from the matches: the same results as the
Presidio-style ``analyze``, and a text file's line and column counted on from the previous
finding equal to counting from the segment's start."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.detect.masking import keyed_digest
from dlp.model import Location, Segment, TextAt
from tests.conftest import TEST_SECRET

PIECES = [
    "SSN 536-22-1234",
    "Student ID: 4685687",
    "Daniel Kim's IEP",
    "call (559) 327-1200",
    "jgarcia@cusd.com",
    "DOB 03/14/2011",
    "\n",
    "\r\n",
    " ",
    "ok. ",
    "x\u200b",
    "５３６-２２-１２３４",
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, line=st.integers(1, 50), column=st.integers(1, 9))
def test_findings_are_the_analyzed_results(scanner, text: str, line: int, column: int) -> None:
    start = TextAt(line, column, 1000)
    segment = Segment(text, Location(("notes.txt",), row=line, text_at=start))
    findings = scanner.scan(segment)
    assert [(f.start, f.end, f.entity_type) for f in findings] == sorted(
        (f.start, f.end, f.entity_type) for f in findings
    )
    for finding in findings:
        assert finding.at == start.advance(text, 0, finding.start)
    if text.isascii():  # folded text is the text: offsets and values are the analyzed ones
        results = scanner.analyze(text)
        assert sorted((r.start, r.end, r.entity_type, r.score) for r in results) == [
            (f.start, f.end, f.entity_type, f.score) for f in findings
        ]
        for finding in findings:
            value = text[finding.start : finding.end]
            assert finding.digest == keyed_digest(TEST_SECRET, finding.entity_type, value)


@given(entity=st.sampled_from(["US_SSN", "PERSON"]), value=st.text(max_size=20))
def test_digest_is_the_hmac_of_the_canonical_value(entity: str, value: str) -> None:
    import hashlib
    import hmac

    from dlp.detect.masking import canonical_value

    message = f"{entity}\x1f{canonical_value(entity, value)}".encode()
    expected = hmac.new(TEST_SECRET, message, hashlib.sha256).hexdigest()[:32]
    assert keyed_digest(TEST_SECRET, entity, value) == expected
