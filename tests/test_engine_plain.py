"""``Scanner.scan``'s loop for a segment of one location with no ``take`` (``_plain_findings``:
a text file's line and column counted on inline, the location asked once) makes the findings
its general loop makes: the general loop is what a ``take`` that refuses nothing runs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlp.engine import Scanner
from dlp.model import Location, Segment, TextAt

# Values, names, terms and labels on lines and paragraphs; a zero-width space, a full-width
# digit and a ligature make the folded text differ from the segment's own (one character can
# fold to two); repeated values share their safe forms.
LINES = st.sampled_from(
    [
        "",
        "  ",
        "Thanks,",
        "Student Name: Ana Ruiz",
        "Maria Lopez has an IEP meeting on Tuesday.",
        "Call Sofia's mom at (948) 455-7703 after 3.",
        "SSN 536-22-1234 belongs to Emma Patel. SSN 536-22-1234 again.",
        "Student ID: 7793273615 (Liam Martinez) was absent.",
        "DOB: 04/12/2011, e-mail ana.ruiz@example.org",
        "Ana\u200b Ruiz, student id \uff14481902",
        "\ufb01le for Ana Ruiz: SSN 536\u201122\u20111234",
        "SSN: 536-22-1234\u200b\u00ad and Ana Ruiz\u200b.",
        "x\r",
        "\t",
    ]
)
LOCATIONS = st.sampled_from(
    [
        Location(("a.txt",)),
        Location(("a.txt",), row=4, text_at=TextAt(3, 7, 120)),
        Location(("scan.pdf",), part="ocr 62%", page=2),
        Location(("scan.pdf",), part="ocr 97%", page=2),
    ]
)


def _refusing_nothing(_entity_type: str, _location: Location) -> bool:
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=14).map("\n".join), LOCATIONS, st.booleans())
def test_plain_loop_is_the_general_one(
    scanner: Scanner, text: str, location: Location, paragraphs: bool
) -> None:
    segment = Segment(text, location)
    plain = scanner.scan(segment, paragraphs=paragraphs)
    general = scanner.scan(segment, _refusing_nothing, paragraphs=paragraphs)
    assert plain == general
    assert [finding.at for finding in plain] == [finding.at for finding in general]
