"""The district roster as a detector: real students and staff, and a check on ID-shaped numbers.

Pattern recognizers guess that a number near "student ID" is one; the roster knows. A STUDENT_ID
or STAFF_ID finding whose value is on the roster is raised to ROSTER_CONFIRMED_SCORE and carries
the person's subject digest; one that is not is lowered by NOT_ON_ROSTER_FACTOR (with the default
threshold, a number that counted only through its context word then no longer counts).
"""

from __future__ import annotations

from dataclasses import replace

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from dlp.detect.keywords import to_recognizer_result
from dlp.detect.matches import RawMatch
from dlp.roster.matcher import RosterMatch, RosterMatcher

RECOGNIZER_NAME = "RosterRecognizer"
ROSTER_ENTITIES = (
    "ROSTER_STUDENT_ID",
    "ROSTER_STUDENT_NAME",
    "ROSTER_STAFF_ID",
    "ROSTER_STAFF_NAME",
    "ROSTER_GUARDIAN_NAME",
    "ROSTER_GUARDIAN_CONTACT",
)
CHECKED_PATTERN_ENTITIES = ("STUDENT_ID", "STAFF_ID")
ROSTER_CONFIRMED_SCORE = 0.95
NOT_ON_ROSTER_FACTOR = 0.75


def from_roster(match: RosterMatch) -> RawMatch:
    return RawMatch(
        entity_type=match.entity_type,
        start=match.start,
        end=match.end,
        score=match.score,
        recognizer=RECOGNIZER_NAME,
        pattern=match.field,
        subject=match.subject,
        directory_opt_out=match.directory_opt_out,
    )


def checked_against_roster(match: RawMatch, text: str, roster: RosterMatcher) -> RawMatch:
    """A pattern ID finding, confirmed (higher score, subject) or doubted (lower score)."""
    if match.entity_type not in CHECKED_PATTERN_ENTITIES:
        return match
    known = roster.is_roster_id(text[match.start : match.end])
    if known is None:
        return replace(match, score=match.score * NOT_ON_ROSTER_FACTOR)
    return replace(
        match,
        score=max(match.score, ROSTER_CONFIRMED_SCORE),
        subject=known.subject,
        directory_opt_out=known.directory_opt_out,
    )


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
