"""Detection quality: labeled sets against stock Presidio, and how much ordinary mail is held.

    .venv/bin/python benchmarks/detection_quality.py [--every 1] [--top 25] [--corpus PATH]
        [--no-presidio] [--no-labeled] [--no-ham]

First, every labeled set in ``../shared/corpus/pii/`` and ``tests/data/`` (see
``benchmarks/labeled_scoring.py``): precision and recall per entity of this scanner and of
stock Presidio (predefined recognizers, blank spaCy pipeline, score >= 0.4) on the same text,
the table mapping entity names between the two, and the totals over the K-12 sets with their
targets (SSN precision and recall >= 0.99; student ID precision >= 0.95, recall >= 0.99; for
every entity both detect, recall at least Presidio's).

Every message of the committed ham corpus (``tests/data/ham/``, public non-school mail) is
extracted and scanned (``dlp.pipeline.scan_message``, PERSON from the name lists on) and decided
by ``samples/policy.toml`` as if a teacher sent it to a personal address. Ordinary mail must
pass: the target is at most 0.2% held. Prints the held rate overall and per rule, then the
causes most often behind a hold: rule, entity type, recognizer, pattern and context words,
never a found value. ``--every N`` takes every N-th message (a quicker look).

Last, the proximity probes (``benchmarks/proximity_probes.py``): staff mail naming a colleague
away from a student term must pass, a record naming the student beside it must be held.
"""

from __future__ import annotations

import argparse
import tarfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from benchmarks.labeled_scoring import (
    CORPUS_PII,
    TESTS_DATA,
    SetScore,
    format_entity_map,
    format_set,
    labeled_set_paths,
    load_records,
    presidio_finder,
    scanner_finder,
    score_set,
    total,
)
from benchmarks.proximity_probes import report as proximity_report
from dlp.engine import DetectionConfig, Scanner, build_scanner
from dlp.extract.limits import Limits
from dlp.pipeline import scan_message
from dlp.policy import Policy, decide, load_policy
from dlp.policy.decision import RecipientVerdict

REPO = Path(__file__).resolve().parents[1]
HAM = REPO / "tests" / "data" / "ham" / "spamassassin_ham.tar.xz"
SAMPLE_POLICY = REPO / "samples" / "policy.toml"
SENDER = "mlopez@cusd.com"
RECIPIENT = "someone@gmail.com"
TARGET = 0.002  # at most 0.2% of ordinary mail held
# The sample agreements are valid on this day (as in tests/policy/test_scenarios.py).
DAY = date(2025, 3, 4)
SECRET = b"detection-quality-secret-0123456789"

# (rule, entity type, recognizer, pattern, context words): what a hold rests on, never a value.
Cause = tuple[str, str, str, str, tuple[str, ...]]


def ham_messages(path: Path = HAM, every: int = 1) -> Iterator[tuple[str, bytes]]:
    """(member name, raw message) of every ``every``-th message in the archive, in its order.
    Read as a stream: seeking back in a compressed archive decompresses it again each time."""
    with tarfile.open(path, mode="r|*") as archive:
        index = 0
        for member in archive:
            if not member.isfile():
                continue
            index += 1
            if (index - 1) % every:
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                yield member.name, handle.read()


@dataclass
class HamReport:
    total: int = 0
    held: list[str] = field(default_factory=list)  # member names
    rules: Counter[str] = field(default_factory=Counter)  # messages held per rule
    causes: Counter[Cause] = field(default_factory=Counter)  # messages per cause
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.held) / self.total if self.total else 0.0


def _causes(verdict: RecipientVerdict, result_findings: dict[str, list[Cause]]) -> set[Cause]:
    found: set[Cause] = set()
    for rule in verdict.rules:
        if not rule.verdict.blocks:
            continue
        if not rule.findings:
            found.add((rule.name, "-", "-", "-", ()))
        for summary in rule.findings:
            for _, entity, recognizer, pattern, words in result_findings.get(
                summary.entity_type, ()
            ):
                found.add((rule.name, entity, recognizer, pattern, words))
    return found


def measure(messages: Iterator[tuple[str, bytes]], scanner: Scanner, policy: Policy) -> HamReport:
    """Scan and decide each message as a teacher's mail to a personal address."""
    report = HamReport()
    started = time.perf_counter()
    for name, raw in messages:
        report.total += 1
        result = scan_message(raw, scanner, Limits())
        decision = decide(policy, SENDER, [RECIPIENT], result, today=DAY)
        verdict = decision.per_recipient[RECIPIENT]
        if not verdict.verdict.blocks:
            continue
        report.held.append(name)
        report.rules.update({rule.name for rule in verdict.rules if rule.verdict.blocks})
        by_entity: dict[str, list[Cause]] = {}
        for finding in result.findings:
            by_entity.setdefault(finding.entity_type, []).append(
                (
                    "",
                    finding.entity_type,
                    finding.recognizer,
                    finding.pattern,
                    finding.context_words,
                )
            )
        report.causes.update(_causes(verdict, by_entity))
    report.seconds = time.perf_counter() - started
    return report


def ham_scanner() -> Scanner:
    return build_scanner(DetectionConfig(secret=SECRET, name_lists=True))


# (entity, minimum precision, minimum recall) on the K-12 sets (tests/data/labeled/k12_*).
K12_TARGETS = (("US_SSN", 0.99, 0.99), ("STUDENT_ID", 0.95, 0.99))


def labeled_report(with_presidio: bool) -> list[SetScore]:
    """Score and print every labeled set; then the K-12 totals against their targets."""
    ours = scanner_finder()
    theirs = presidio_finder() if with_presidio else None
    print("entity names (labels in the sets / this scanner / stock Presidio):")
    print("\n".join(format_entity_map()))
    scores = []
    for path in labeled_set_paths(CORPUS_PII, TESTS_DATA):
        name = str(path.relative_to(path.parents[1]))
        score = score_set(name, load_records(path), ours, theirs)
        scores.append(score)
        print("\n".join(format_set(score)))
    k12 = [score for score in scores if Path(score.name).name.startswith("k12_")]
    if k12:
        summed = SetScore("all K-12 sets", sum(s.records for s in k12), sum(s.chars for s in k12))
        summed.ours, summed.presidio = total(k12, "ours"), total(k12, "presidio")
        for score in k12:
            for entity, n in score.labeled.items():
                summed.labeled[entity] = summed.labeled.get(entity, 0) + n
        print("\n".join(format_set(summed)))
        for entity, precision, recall in K12_TARGETS:
            c = summed.ours.get(entity)
            if c is None:
                continue
            ok = c.precision >= precision and c.recall >= recall
            print(
                f"  target {entity}: precision {c.precision:.3f} >= {precision}, recall "
                f"{c.recall:.3f} >= {recall}: {'ok' if ok else 'MISSED'}"
            )
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=HAM)
    parser.add_argument("--every", type=int, default=1, help="take every N-th message")
    parser.add_argument("--top", type=int, default=25, help="causes to list")
    parser.add_argument("--names", action="store_true", help="list the held messages' names")
    parser.add_argument("--no-presidio", action="store_true", help="skip stock Presidio")
    parser.add_argument("--no-labeled", action="store_true", help="skip the labeled sets")
    parser.add_argument("--no-ham", action="store_true", help="skip the ordinary mail")
    parser.add_argument("--no-probes", action="store_true", help="skip the proximity probes")
    args = parser.parse_args()

    if not args.no_labeled:
        labeled_report(not args.no_presidio)
    if not args.no_probes:
        right, count = proximity_report(ham_scanner(), load_policy(SAMPLE_POLICY), args.names)
        print(f"proximity probes: {right} of {count} right")
    if args.no_ham:
        return

    report = measure(
        ham_messages(args.corpus, args.every), ham_scanner(), load_policy(SAMPLE_POLICY)
    )
    verdict = "ok" if report.rate <= TARGET else "ABOVE TARGET"
    print(
        f"{args.corpus.name}: {len(report.held)} of {report.total} held = "
        f"{report.rate:.2%} (target <= {TARGET:.1%}: {verdict}), {report.seconds:.1f} s"
    )
    for rule, count in report.rules.most_common():
        print(f"  {rule:34} {count:5}  {count / report.total:.2%}")
    if report.causes:
        print("top causes (messages): rule / entity / recognizer / pattern / context words")
    for (rule, entity, recognizer, pattern, words), count in report.causes.most_common(args.top):
        print(f"  {count:4}  {rule} / {entity} / {recognizer} / {pattern} / {','.join(words)}")
    if args.names:
        print("held:", " ".join(report.held))


if __name__ == "__main__":
    main()
