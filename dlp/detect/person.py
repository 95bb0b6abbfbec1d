"""PERSON detection, only when a district has installed a statistical spaCy model.

The default pipeline needs no model and finds no PERSON entities; the roster match is the
district's better source of names. A model named in the configuration (an installed package or
a folder made with ``nlp.to_disk``) is loaded from disk, never downloaded.
"""

from __future__ import annotations

from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from dlp.detect.presidio_compat import OfflineSpacyNlpEngine


class PersonRecognizer(SpacyRecognizer):
    """Presidio's spaCy NER recognizer for PERSON, carrying the NLP engine it needs."""

    def __init__(self, nlp_engine: OfflineSpacyNlpEngine) -> None:
        super().__init__(supported_entities=["PERSON"], supported_language="en")
        self.nlp_engine = nlp_engine


def build_person_recognizer(model: str) -> PersonRecognizer:
    engine = OfflineSpacyNlpEngine(model)
    engine.load()
    return PersonRecognizer(engine)
