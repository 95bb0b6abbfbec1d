"""Our recognizers as Presidio objects, for a plain ``AnalyzerEngine`` and for Presidio-style
results.

The scanner does without Presidio (importing ``presidio_analyzer`` costs most of a second, and
spaCy with it); these thin adapters give the same recognizers the ``EntityRecognizer``
interface where Presidio is wanted: the equivalence tests and benchmarks that run them in
``AnalyzerEngine`` (``presidio_compat.build_analyzer``), ``Scanner.analyze``, and a district
that registers them in its own Presidio setup. Each adapter's ``analyze`` is its recognizer's
own ``find``, so there is one implementation to hold to Presidio's results.
"""

from __future__ import annotations

from collections.abc import Sequence

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from dlp.detect.keywords import KeywordRecognizer
from dlp.detect.matches import RawMatch
from dlp.detect.pattern_recognizer import DataPatternRecognizer
from dlp.detect.roster import RECOGNIZER_NAME, ROSTER_ENTITIES, from_roster
from dlp.roster.matcher import RosterMatcher

_NAME_KEY = RecognizerResult.RECOGNIZER_NAME_KEY
_IDENTIFIER_KEY = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
_ENHANCED_KEY = RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY
_new_result = RecognizerResult.__new__


def to_recognizer_result(match: RawMatch, recognizer_id: str) -> RecognizerResult:
    """The match as ``RecognizerResult(...)`` makes it: the attributes its ``__init__`` sets,
    in its order, set here without the call (a third of a result's cost, 0.9 -> 0.6 us:
    ``Scanner.analyze`` makes one per result; ``tests/detect/test_presidio_result.py`` holds
    the two to each other)."""
    result: RecognizerResult = _new_result(RecognizerResult)
    result.entity_type = match.entity_type
    result.start = match.start
    result.end = match.end
    result.score = match.score
    result.analysis_explanation = None  # type: ignore[assignment]  # (as __init__ leaves it)
    result.recognition_metadata = {
        _NAME_KEY: match.recognizer,
        _IDENTIFIER_KEY: recognizer_id,
        _ENHANCED_KEY: True,
        "pattern_name": match.pattern,
        "context_words": match.context_words,
        "subject": match.subject,
        "directory_opt_out": match.directory_opt_out,
    }
    return result


class PresidioPatternRecognizer(PatternRecognizer):
    """A ``DataPatternRecognizer`` as a Presidio ``PatternRecognizer``."""

    def __init__(self, recognizer: DataPatternRecognizer) -> None:
        spec = recognizer.spec
        super().__init__(
            supported_entity=spec.entity_type,
            name=spec.recognizer,
            supported_language="en",
            patterns=[Pattern(p.name, p.regex, p.score) for p in spec.patterns],
            context=list(spec.context_words),
            global_regex_flags=spec.flags,
        )
        self.recognizer = recognizer
        self.spec = spec

    def validate_result(self, pattern_text: str) -> bool | None:
        return self.recognizer.validate_result(pattern_text)

    def invalidate_result(self, pattern_text: str) -> bool | None:
        return self.recognizer.invalidate_result(pattern_text)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        return [to_recognizer_result(match, self.id) for match in self.recognizer.find(text)]


class PresidioKeywordRecognizer(EntityRecognizer):
    """The ``KeywordRecognizer`` (dictionary terms) as a Presidio ``EntityRecognizer``."""

    def __init__(self, recognizer: KeywordRecognizer) -> None:
        self.recognizer = recognizer
        self.terms = recognizer.terms
        super().__init__(
            supported_entities=list(recognizer.supported_entities),
            name=recognizer.name,
            supported_language="en",
        )

    def load(self) -> None:
        """Presidio hook; everything is built in the constructor."""

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
    ) -> list[RecognizerResult]:
        wanted = set(entities) if entities else None
        return [
            to_recognizer_result(match, self.id)
            for match in self.recognizer.find(text)
            if wanted is None or match.entity_type in wanted
        ]


class RosterRecognizer(EntityRecognizer):
    """The roster matcher as a Presidio recognizer, for use in a plain ``AnalyzerEngine``."""

    def __init__(self, roster: RosterMatcher) -> None:
        self.roster = roster
        super().__init__(
            supported_entities=list(ROSTER_ENTITIES),
            name=RECOGNIZER_NAME,
            supported_language="en",
        )

    def load(self) -> None:
        """Presidio hook; the matcher is loaded by its store."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            to_recognizer_result(from_roster(match), self.id) for match in self.roster.find(text)
        ]


def as_presidio(
    recognizers: Sequence[DataPatternRecognizer | KeywordRecognizer | EntityRecognizer],
) -> list[EntityRecognizer]:
    """Each recognizer as a Presidio object (those that already are, as they are)."""
    adapted: list[EntityRecognizer] = []
    for recognizer in recognizers:
        if isinstance(recognizer, DataPatternRecognizer):
            adapted.append(PresidioPatternRecognizer(recognizer))
        elif isinstance(recognizer, KeywordRecognizer):
            adapted.append(PresidioKeywordRecognizer(recognizer))
        else:
            adapted.append(recognizer)
    return adapted
