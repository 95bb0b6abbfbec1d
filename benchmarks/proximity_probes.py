"""Names beside student terms: the probe set of ``tests/data/proximity/`` (issue 18).

    .venv/bin/python benchmarks/proximity_probes.py [--names]

Each probe is a teacher's message to a personal address, decided by ``samples/policy.toml``
with PERSON from the name lists on: staff mail that names a colleague in one paragraph (or a
signature, a quoted reply, a duty roster) and has a student term elsewhere must be delivered;
a student record naming the student beside the term (or in a grade table's row) must be held.
Prints, per kind and language, how many probes got the expected verdict.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from dlp.engine import Scanner
from dlp.extract.limits import Limits
from dlp.pipeline import scan_message
from dlp.policy import Policy, decide

PROBES = Path(__file__).resolve().parents[1] / "tests" / "data" / "proximity" / "probes.jsonl"


@dataclass(frozen=True, slots=True)
class Probe:
    id: str
    lang: str
    expect: str  # "deliver" or "hold"
    body: str
    csv: str = ""

    @property
    def kind(self) -> str:
        return self.id.rsplit("-", 1)[0]

    def message(self, sender: str, recipient: str) -> bytes:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, recipient, "note"
        message.set_content(self.body)
        if self.csv:
            message.add_attachment(
                self.csv.encode(), maintype="text", subtype="csv", filename="list.csv"
            )
        return bytes(message)


def load_probes(path: Path = PROBES) -> Iterator[Probe]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield Probe(**json.loads(line))


def verdict(probe: Probe, scanner: Scanner, policy: Policy, sender: str, recipient: str) -> str:
    """ "hold" or "deliver": what the policy does with the probe for ``recipient``."""
    from benchmarks.detection_quality import DAY

    result = scan_message(probe.message(sender, recipient), scanner, Limits())
    decision = decide(policy, sender, [recipient], result, today=DAY)
    return "hold" if decision.per_recipient[recipient].verdict.blocks else "deliver"


def report(
    scanner: Scanner,
    policy: Policy,
    names: bool = False,
    path: Path = PROBES,
    title: str = "proximity probes (tests/data/proximity)",
) -> tuple[int, int]:
    """Print right/total per kind and language of the probes in ``path``; return (right,
    total)."""
    from benchmarks.detection_quality import RECIPIENT, SENDER

    right: Counter[tuple[str, str, str]] = Counter()
    total: Counter[tuple[str, str, str]] = Counter()
    wrong: list[str] = []
    for probe in load_probes(path):
        key = (probe.kind, probe.lang, probe.expect)
        total[key] += 1
        if verdict(probe, scanner, policy, SENDER, RECIPIENT) == probe.expect:
            right[key] += 1
        else:
            wrong.append(probe.id)
    print(f"{title}: kind / language / expected: right of total")
    for key in sorted(total):
        print(f"  {' / '.join(key):24} {right[key]:3} of {total[key]:3}")
    if names and wrong:
        print("wrong:", " ".join(wrong))
    return sum(right.values()), sum(total.values())


def main() -> None:
    from benchmarks.detection_quality import SAMPLE_POLICY, ham_scanner
    from dlp.policy import load_policy

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", action="store_true", help="list the wrongly decided probes")
    args = parser.parse_args()
    right, count = report(ham_scanner(), load_policy(SAMPLE_POLICY), args.names)
    print(f"total: {right} of {count} right")


if __name__ == "__main__":
    main()
