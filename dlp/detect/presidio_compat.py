"""Running the same recognizers inside a plain Presidio ``AnalyzerEngine``, fully offline.

Used as the reference the fast path must agree with (tests) and as the speed baseline
(benchmarks). ``AnalyzerEngine()`` with no arguments would try to load ``en_core_web_lg``; here
the NLP engine is a blank English spaCy pipeline, built in memory, or a model the district
installed and named.
"""

from __future__ import annotations

from collections.abc import Iterable

import spacy
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine


class OfflineSpacyNlpEngine(SpacyNlpEngine):
    """A spaCy NLP engine that never downloads: a blank pipeline, or an installed model."""

    def __init__(self, model: str | None = None) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": model or "blank:en"}])
        self._model = model

    def load(self) -> None:
        # spacy.load only reads an installed package or a folder; it never fetches.
        pipeline = spacy.load(self._model) if self._model else spacy.blank("en")
        self.nlp = {"en": pipeline}  # type: ignore[assignment]


def build_analyzer(
    recognizers: Iterable[EntityRecognizer], model: str | None = None
) -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in recognizers:
        registry.add_recognizer(recognizer)
    nlp_engine = OfflineSpacyNlpEngine(model)
    nlp_engine.load()
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
