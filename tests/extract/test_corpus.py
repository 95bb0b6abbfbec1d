"""Every real third-party file in ../shared/corpus/docs and mail: text or a reason, never an
exception or a hang; known files say what they are known to say; damaged copies of real files
still give text or a reason."""

from __future__ import annotations

import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dlp.extract import Limits, extract_message
from dlp.model import Location, UnscannableReason
from tests.extract.makers import collect, from_bytes, from_path, text_of, well_formed

# Files that hold no text at all and no unreadable content: empty documents, header-only
# messages, archives of empty files. Anything else that yields nothing is a silent pass.
KNOWN_EMPTY = frozenset(
    {
        "docs/python-docx/features/steps/test_files/doc-no-coreprops.docx",
        "docs/tika/microsoft/testBinControlWord.rtf",
        "docs/tika/microsoft/testDocumentLink.doc",
        "docs/tika/microsoft/testEXCEL_95.xls",
        "docs/tika/microsoft/testEXCEL_embeddedPDF_mac.xls",
        "docs/tika/microsoft/testEXCEL_textbox.xls",
        "docs/tika/microsoft/testRTFEmbeddedFiles.rtf",
        "docs/tika/microsoft/testRTFEmbeddedLink.rtf",
        "docs/tika/microsoft/testRTFIgnoredControlWord.rtf",
        "docs/tika/microsoft/testWORD_multi_authors.doc",
        "docs/tika/microsoft/test_list_override.rtf",
        "docs/tika/miscoffice/testODPMacro.odp",
        "docs/tika/miscoffice/testODSMacro.ods",
        "docs/tika/miscoffice/testOpenOfficeInAZip.zip",
        "docs/tika/pkg/gbk.zip",
        "docs/tika/tika-server-standard/pic.xls",
        "mail/cpython-test_email/msg_18.txt",
        "mail/flanker/tests/fixtures/messages/bounce/delayed-broken.eml",
        "mail/flanker/tests/fixtures/messages/dkim/email.01",
        "mail/flanker/tests/fixtures/messages/dkim/nofws.expected.01",
        "mail/flanker/tests/fixtures/messages/dkim/relaxed.expected.01",
        "mail/flanker/tests/fixtures/messages/dkim/simple.expected.01",
        "mail/ruby-mail/spec/fixtures/emails/sample_output_multipart",
    }
)

# (file, text it is known to contain)
KNOWN_TEXT = (
    ("docs/tika/microsoft/testWORD.docx", "This is the header for our document"),
    ("docs/tika/microsoft/testWORD.doc", "Sample Word Document Title"),
    ("docs/tika/microsoft/testEXCEL.xlsx", "Numbers and their Squares"),
    ("docs/tika/microsoft/testEXCEL.xls", "Numbers and their Squares"),
    ("docs/tika/microsoft/testPPT.pptx", "Black Panther"),
    ("docs/tika/microsoft/testPPT.ppt", "Sample Powerpoint Slide"),
    ("docs/tika/miscoffice/testFooter.ods", "Data 4"),
    ("docs/tika/miscoffice/testFooter.odt", "Here is footer text"),  # styles.xml
    ("docs/tika/miscoffice/testMasterFooter.odp", "Master footer is here"),
    ("docs/tika/miscoffice/testODFwithOOo3.odt", "Tika is part of the Lucene project"),
    ("docs/tika/microsoft/testRTFBoldPlain.rtf", "Animal Hospital"),
    ("docs/tika/microsoft/testWPSAttachment.doc", "xlsx_content"),
    ("docs/tika/microsoft/testWPSAttachment.doc", "pdf_content"),
    ("docs/tika/microsoft/testAltChunkHTML.docx", "emphasized"),
    ("docs/tika/pkg/testZipEncrypted.zip", "hello world"),
    ("docs/tika/pkg/test-documents.7z", "Sample Excel Worksheet"),
    ("docs/pdfminer-samples/samples/encryption/base.pdf", "Secret!"),
    ("mail/tika/microsoft/test-outlook2003.msg", "Welcome to Microsoft Office Outlook 2003"),
    ("mail/tika/mail/testRFC822_multipart_attachments.eml", "This is Test TXTA File for parser"),
)

# (file, reason it is known to get)
KNOWN_REASONS = (
    ("docs/tika/microsoft/testWORD_protected_passtika.docx", UnscannableReason.ENCRYPTED),
    ("docs/tika/microsoft/testWORD_protected_passtika.doc", UnscannableReason.ENCRYPTED),
    ("docs/tika/microsoft/testEXCEL_protected_passtika.xls", UnscannableReason.ENCRYPTED),
    ("docs/tika/microsoft/testPPT_protected_passtika.ppt", UnscannableReason.ENCRYPTED),
    ("docs/tika/miscoffice/testODTEncrypted.odt", UnscannableReason.ENCRYPTED),
    ("docs/pdfminer-samples/samples/encryption/aes-256.pdf", UnscannableReason.ENCRYPTED),
    ("docs/tika/pkg/testZipEncrypted.zip", UnscannableReason.ENCRYPTED),
    ("docs/tika/pkg/test7Z_protected_passTika.7z", UnscannableReason.ENCRYPTED),
    ("docs/tika/pkg/full_encrypted.7z", UnscannableReason.ENCRYPTED),
    ("mail/tika/crypto/testPKCS7_enveloped_def.p7m", UnscannableReason.UNSUPPORTED),
)

# One real file of each kind, for damaging at random.
DAMAGE_SAMPLES = (
    "docs/tika/microsoft/testWORD.docx",
    "docs/tika/microsoft/testEXCEL.xlsx",
    "docs/tika/microsoft/testPPT.pptx",
    "docs/tika/microsoft/testWORD.doc",
    "docs/tika/microsoft/testEXCEL.xls",
    "docs/tika/microsoft/testPPT.ppt",
    "docs/tika/miscoffice/testODFwithOOo3.odt",
    "docs/tika/microsoft/testRTFBoldPlain.rtf",
    "docs/pdfminer-samples/samples/encryption/base.pdf",
    "docs/tika/pkg/testZipEncrypted.zip",
    "mail/tika/microsoft/test-outlook.msg",
    "mail/tika/mail/testRFC822_multipart_attachments.eml",
)

PER_FILE_SECONDS = 15
# The parsers' bound, measured without OCR: one dense scanned page alone takes 6-20 s of
# RapidOCR on a loaded machine, and OCR has its own budget and tests (test_ocr.py).
NO_OCR = Limits(ocr=False)


def _corpus_files(corpus: Path) -> list[Path]:
    return sorted(
        path
        for folder in ("docs", "mail")
        for path in (corpus / folder).rglob("*")
        if path.is_file()
    )


def test_every_corpus_file_gives_text_or_a_reason(corpus):
    outcomes: Counter[str] = Counter()
    silent = []
    started = time.perf_counter()
    for path in _corpus_files(corpus):
        name = path.relative_to(corpus).as_posix()
        began = time.perf_counter()
        segments, reasons = from_path(path, NO_OCR)
        assert time.perf_counter() - began < PER_FILE_SECONDS, name
        for reason in reasons:
            assert reason.detail, name
        if segments and reasons:
            outcomes["text and reasons"] += 1
        elif segments:
            outcomes["text"] += 1
        elif reasons:
            outcomes[f"only {reasons[0].reason.value}"] += 1
        else:
            outcomes["nothing"] += 1
            silent.append(name)
    elapsed = time.perf_counter() - started
    print(f"\ncorpus: {sum(outcomes.values())} files in {elapsed:.1f} s: {dict(outcomes)}")
    assert set(silent) <= KNOWN_EMPTY, sorted(set(silent) - KNOWN_EMPTY)
    assert outcomes["text"] > 500


@pytest.mark.parametrize(("name", "expected"), KNOWN_TEXT)
def test_known_files_say_what_they_say(corpus, name, expected):
    segments, _ = from_path(corpus / name)
    assert expected in text_of(segments)


@pytest.mark.parametrize(("name", "reason"), KNOWN_REASONS)
def test_known_files_get_their_reason(corpus, name, reason):
    _, reasons = from_path(corpus / name)
    assert reason in {r.reason for r in reasons}


@pytest.fixture(scope="module")
def samples(corpus) -> _Samples:
    return _Samples({name: (corpus / name).read_bytes() for name in DAMAGE_SAMPLES})


class _Samples(dict):
    """The sample files' bytes, shown briefly when Hypothesis reports a failing example."""

    def __repr__(self) -> str:
        return f"<{len(self)} corpus samples>"


_damage_settings = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_damage_settings
@given(pick=st.integers(0, len(DAMAGE_SAMPLES) - 1), fraction=st.floats(0.05, 0.95))
def test_truncated_real_files_give_text_or_a_reason(samples, pick, fraction):
    name = DAMAGE_SAMPLES[pick]
    data = samples[name]
    cut = data[: max(1, int(len(data) * fraction))]
    segments, reasons = from_bytes(cut, Path(name).name)
    well_formed([*segments, *reasons])
    assert segments or reasons, name


@_damage_settings
@given(
    pick=st.integers(0, len(DAMAGE_SAMPLES) - 1),
    flips=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=8
    ),
)
def test_bit_flipped_real_files_never_raise(samples, pick, flips):
    name = DAMAGE_SAMPLES[pick]
    data = bytearray(samples[name])
    for where, bit in flips:
        data[int(where * len(data))] ^= 1 << bit
    segments, reasons = from_bytes(bytes(data), Path(name).name)
    well_formed([*segments, *reasons])


_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=60,
).filter(lambda value: value.strip() == value and value)
_filename = st.from_regex(r"[A-Za-z0-9\u00e9\u00fc\u4e2d _-]{1,20}", fullmatch=True).map(
    lambda stem: stem.strip() or "file"
)


def _as_read(body: str, charset: str) -> str:
    """What the extractor reads: bytes labelled with a single-byte charset that are also valid
    UTF-8 are read as UTF-8 (mislabelled UTF-8 is far more common than text like 'Â¡')."""
    data = body.encode(charset)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return body


@settings(max_examples=80, deadline=None)
@example(body="\u00c2\u00a1", charset="windows-1252", attachments=[], nested=False)
@example(body="\u00c3\u00a1", charset="iso-8859-1", attachments=[], nested=False)
@given(
    body=_text,
    # Not utf-16: the stdlib serialises it as 8bit text lines, which mangles the bytes.
    charset=st.sampled_from(["utf-8", "iso-8859-1", "windows-1252"]),
    attachments=st.lists(st.tuples(_filename, _text), max_size=4, unique_by=lambda a: a[0]),
    nested=st.booleans(),
)
def test_mime_round_trip_keeps_every_part(body, charset, attachments, nested):
    try:
        body.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    message = EmailMessage()
    message["Subject"] = "round trip"
    message.set_content(body, charset=charset)
    for stem, content in attachments:
        message.add_attachment(
            content.encode(), maintype="text", subtype="plain", filename=f"{stem}.txt"
        )
    if nested:
        inner = EmailMessage()
        inner.set_content(body)
        message.add_attachment(inner)
    segments, reasons = collect(
        extract_message(message.as_bytes(), Location(path=("m",)), Limits())
    )
    assert not reasons
    bodies = [s.text for s in segments if s.location.part == "body"]
    assert any(_as_read(body, charset) in text for text in bodies)
    for stem, content in attachments:
        located = [s for s in segments if s.location.path == ("m", f"{stem}.txt")]
        assert content in text_of(located), stem
    if nested:
        assert any(len(s.location.path) == 2 and body in s.text for s in segments)
