"""Nothing reaches for the network; a district's own spaCy model turns on PERSON detection."""

from __future__ import annotations

import socket

import pytest
import spacy

from dlp.engine import DetectionConfig, build_scanner
from tests.conftest import TEST_SECRET


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise NetworkUsed("something tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_building_and_scanning_never_touch_the_network(no_network, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # tldextract would cache here if it fetched
    scanner = build_scanner(DetectionConfig(secret=TEST_SECRET))
    findings = scanner.scan_text("Write to jgarcia@cusd.com or call 559-327-1200")
    email = next(f for f in findings if f.entity_type == "EMAIL_ADDRESS")
    assert email.score == 1.0  # the public suffix was checked, against the bundled snapshot
    assert not list(tmp_path.iterdir())


def test_default_pipeline_finds_no_person(scanner):
    findings = scanner.scan_text("Maria Garcia was absent")
    assert not [f for f in findings if f.entity_type == "PERSON"]


def test_an_installed_model_turns_on_person_detection(tmp_path, no_network):
    # A real spaCy pipeline saved to a folder, as a district's installed model would be; its
    # entity ruler stands in for a statistical NER component.
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": [{"LOWER": "maria"}, {"LOWER": "garcia"}]}])
    nlp.to_disk(tmp_path / "model")
    scanner = build_scanner(
        DetectionConfig(secret=TEST_SECRET, person_model=str(tmp_path / "model"))
    )
    text = "Maria Garcia was absent; SSN 536-22-1234"
    findings = scanner.scan_text(text)
    person = next(f for f in findings if f.entity_type == "PERSON")
    assert text[person.start : person.end] == "Maria Garcia"
    assert "Maria" not in person.masked
    assert any(f.entity_type == "US_SSN" for f in findings)
