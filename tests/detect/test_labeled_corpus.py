"""Presidio-research's labeled sentences, scored for the entities this scanner shares with them.

Prints precision and recall per entity (run with -s to see them); asserts floors well below
the measured figures so a regression fails loudly.
"""

from __future__ import annotations

import json

import pytest

SHARED = {
    "US_SSN": "US_SSN",
    "CREDIT_CARD": "CREDIT_CARD",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "STREET_ADDRESS": "US_STREET_ADDRESS",
}
# (recall, precision) floors, a little under the measured figures (printed by the test).
FLOORS = {
    "US_SSN": (0.95, 0.95),
    "CREDIT_CARD": (0.85, 0.95),
    "EMAIL_ADDRESS": (0.95, 0.95),
    # Every labeled phone counts, foreign numbers in their national form too ("0699 868 88
    # 55"): those are found only next to a context word ("call me at", "Phone:").
    "PHONE_NUMBER": (0.6, 0.9),
    # Most of the corpus's addresses are foreign ("ul. Słowicza 10", "Rua Mina 50") and its
    # spans often cover only part of one ("Suite 041"): a US street recognizer scores low on
    # both counts here. The floors guard against regressions; they are not a quality claim.
    "US_STREET_ADDRESS": (0.12, 0.4),
}


def test_labeled_pii_sentences(scanner, corpus, capsys):
    folder = corpus / "pii" / "presidio-research"
    records = []
    for name in ("synth_dataset_v2.json", "generated_large.json", "generated_small.json"):
        records += json.loads((folder / name).read_text(encoding="utf-8"))
    counts = {entity: {"tp": 0, "fp": 0, "fn": 0} for entity in SHARED.values()}
    for record in records:
        text = record["full_text"]
        gold = [
            (s["start_position"], s["end_position"], SHARED[s["entity_type"]])
            for s in record["spans"]
            if s["entity_type"] in SHARED
        ]
        found = [
            (f.start, f.end, f.entity_type)
            for f in scanner.scan_text(text)
            if f.entity_type in counts
        ]
        for start, end, entity in gold:
            hit = any(e == entity and s < end and start < t for s, t, e in found)
            counts[entity]["tp" if hit else "fn"] += 1
        for start, end, entity in found:
            if not any(e == entity and s < end and start < t for s, t, e in gold):
                counts[entity]["fp"] += 1
    with capsys.disabled():
        print(f"\nlabeled PII sentences: {len(records)} records")
        for entity, c in counts.items():
            precision = c["tp"] / max(1, c["tp"] + c["fp"])
            recall = c["tp"] / max(1, c["tp"] + c["fn"])
            print(
                f"  {entity:15s} tp={c['tp']:4d} fp={c['fp']:4d} fn={c['fn']:4d} "
                f"precision={precision:.3f} recall={recall:.3f}"
            )
    for entity, (recall_floor, precision_floor) in FLOORS.items():
        c = counts[entity]
        recall = c["tp"] / max(1, c["tp"] + c["fn"])
        precision = c["tp"] / max(1, c["tp"] + c["fp"])
        assert recall >= recall_floor, (entity, c)
        assert precision >= precision_floor, (entity, c)
    assert sum(c["tp"] for c in counts.values()) > 300


@pytest.mark.parametrize("sentence", ["My SSN is 078-05-1120.", "Call 555-0100."])
def test_known_fake_values_are_not_reported(scanner, sentence):
    assert not [f for f in scanner.scan_text(sentence) if f.entity_type in ("US_SSN",)]
