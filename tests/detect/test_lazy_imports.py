"""A scan does not import Presidio, spaCy, numpy or tldextract unless it needs them, and `dlp`
commands register without importing the scanner (what `benchmarks/cli_start.py` measures).

Each check runs in a fresh interpreter: this test process has imported everything already."""

from __future__ import annotations

from dlp.detect.roster import ID_ENTITIES
from dlp.roster.matcher import ENTITY_TYPES
from tests.imported import modules_after


def test_a_scan_without_a_roster_imports_no_presidio_spacy_or_numpy() -> None:
    loaded = modules_after(
        "from dlp.engine import DetectionConfig, build_scanner\n"
        "from dlp.model import Segment\n"
        "scanner = build_scanner(DetectionConfig(secret=b'0123456789abcdef0123'))\n"
        "found = scanner.scan(Segment('SSN 536-22-1234, call (559) 327-1200, IEP meeting'))\n"
        "assert {f.entity_type for f in found} >= {'US_SSN', 'PHONE_NUMBER'}, found\n"
    )
    assert not {"presidio_analyzer", "spacy", "numpy", "tldextract"} & loaded


def test_an_email_address_loads_neither_tldextract_nor_presidio() -> None:
    loaded = modules_after(
        "from dlp.engine import DetectionConfig, build_scanner\n"
        "from dlp.model import Segment\n"
        "scanner = build_scanner(DetectionConfig(secret=b'0123456789abcdef0123'))\n"
        "found = scanner.scan(Segment('write to jgarcia@cusd.com'))\n"
        "assert [f.entity_type for f in found] == ['EMAIL_ADDRESS'], found\n"
    )
    # The domain rule reads tldextract's bundled suffix list without importing it (which
    # would bring requests and urllib3): dlp.detect.public_suffix.
    assert not {"tldextract", "requests", "presidio_analyzer"} & loaded


def test_commands_register_without_the_scanner_or_the_extractors() -> None:
    loaded = modules_after("from dlp.cli import build_parser\nbuild_parser()\n")
    # httpx: only `dlp roster sync` talks HTTP, and importing it cost every command ~60 ms.
    assert (
        not {"dlp.engine", "dlp.extract.dispatch", "presidio_analyzer", "numpy", "httpx"} & loaded
    )
    assert "dlp.commands.scan" in loaded  # the commands are registered all the same


def test_presidio_objects_are_made_when_asked_for(scanner) -> None:
    from presidio_analyzer import EntityRecognizer

    recognizers = scanner.recognizers
    assert recognizers and all(isinstance(r, EntityRecognizer) for r in recognizers)
    assert scanner.recognizers is recognizers  # made once


def test_id_entities_are_the_matchers_names() -> None:
    assert {role: ENTITY_TYPES[role, "id"] for role in ID_ENTITIES} == ID_ENTITIES


def test_one_command_registers_alone_and_help_lists_them_all() -> None:
    from dlp.cli import COMMAND_MODULES, build_parser

    loaded = modules_after("from dlp.cli import build_parser\nbuild_parser(['scan', 'x.eml'])\n")
    assert "dlp.commands.scan" in loaded
    assert not {"dlp.commands.quarantine", "dlp.commands.web", "smtp_gateway.command"} & loaded
    args = build_parser(["scan", "--format", "jsonl", "x.eml"]).parse_args(
        ["scan", "--format", "jsonl", "x.eml"]
    )
    assert (args.command, args.format, args.paths) == ("scan", "jsonl", ["x.eml"])
    everything = build_parser(["--help"])
    choices = everything._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {name.replace("_", "-") for name in COMMAND_MODULES} | {"gateway"} <= set(choices)
    gateway = build_parser(["gateway", "--check"]).parse_args(["gateway", "--check"])
    assert gateway.command == "gateway" and gateway.check


def test_an_extractor_loads_with_the_first_item_of_its_kind() -> None:
    loaded = modules_after(
        "from dlp.extract import extract_bytes\n"
        "from dlp.model import Location\n"
        "raw = b'Subject: hi\\r\\n\\r\\nhello'\n"
        "items = list(extract_bytes(raw, 'a.eml', Location(('a.eml',))))\n"
        "assert items and items[-1].text.strip() == 'hello', items\n"
    )
    assert "dlp.extract.mime" in loaded
    assert not {"dlp.extract.sevenzip", "dlp.extract.pdfdoc", "dlp.extract.ole"} & loaded
    from dlp.extract import dispatch

    dispatch.load_extractors()  # every module it names exists and imports
