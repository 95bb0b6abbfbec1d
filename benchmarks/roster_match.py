"""Roster matcher benchmark: 50,000 synthetic students, ~20 MB of school-like text.

    .venv/bin/python benchmarks/roster_match.py [--students 50000] [--megabytes 20] [--seed 7]

Names come from the fake-name table in ../shared/corpus/pii/presidio-research (generated here
when absent). Prints import time and store size, the matcher's MB/s alone (one call on the whole
text, per 4 KB segment as an engine would call it, and per document of the school corpus that
`scan_throughput.py` scans), the ID check's cost per value, recall on planted roster names and
IDs (exact spans), false positives on planted non-roster names and elsewhere, and memory.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import string
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from benchmarks.school_corpus import generate as school_corpus
from dlp.roster.people import Guardian, Person, PersonName, Role
from dlp.roster.store import RosterStore

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
NAMES_CSV = CORPUS / "pii" / "presidio-research" / "FakeNameGenerator.com_3000.csv"
SECRET = b"benchmark-secret-0123456789abcdef"

WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "this",
    "are",
    "or",
    "from",
    "at",
    "have",
    "an",
    "they",
    "you",
    "were",
    "their",
    "has",
    "would",
    "when",
    "if",
    "so",
    "will",
    "each",
    "about",
    "up",
    "out",
    "them",
    "then",
    "some",
    "can",
    "more",
    "other",
    "these",
    "two",
    "may",
    "like",
    "time",
    "see",
    "could",
    "than",
    "first",
    "who",
    "its",
    "now",
    "over",
    "did",
    "down",
    "only",
    "way",
    "student",
    "students",
    "class",
    "grade",
    "grades",
    "teacher",
    "parent",
    "parents",
    "school",
    "district",
    "attendance",
    "absent",
    "tardy",
    "homework",
    "assignment",
    "quiz",
    "test",
    "exam",
    "report",
    "card",
    "progress",
    "meeting",
    "conference",
    "schedule",
    "period",
    "math",
    "science",
    "english",
    "history",
    "reading",
    "writing",
    "lunch",
    "bus",
    "field",
    "trip",
    "permission",
    "form",
    "please",
    "attached",
    "review",
    "thanks",
    "regards",
    "principal",
    "counselor",
    "office",
    "nurse",
    "schedule",
    "semester",
    "quarter",
    "rubric",
    "project",
    "lab",
    "essay",
    "portfolio",
    "club",
    "team",
    "practice",
    "game",
    "tomorrow",
    "today",
    "friday",
    "monday",
    "week",
    "next",
    "last",
    "morning",
    "afternoon",
    "room",
    "library",
    "gym",
]
TEMPLATES = (
    "Please review the attached progress report for {p} before Friday.",
    "{p} was absent on Monday and missed the science quiz.",
    "Meeting with {p} and the counselor is moved to room 204.",
    "Roster update: {p}, ID {i}, moved to period 3.",
    "Can you send me the reading scores for {p}?",
    "Student {i} needs a bus pass.",
)


def load_names(rng: random.Random) -> tuple[list[str], list[str]]:
    if NAMES_CSV.is_file():
        with NAMES_CSV.open(encoding="utf-8-sig") as stream:
            rows = list(csv.DictReader(stream))
        firsts = sorted({r["GivenName"] for r in rows} | {r["MothersMaiden"] for r in rows[:300]})
        lasts = sorted({r["Surname"] for r in rows} | {r["MothersMaiden"] for r in rows})
        return firsts, lasts

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))

    return sorted({word().title() for _ in range(2000)}), sorted(
        {word().title() for _ in range(3000)}
    )


def make_roster(
    rng: random.Random, students: int, firsts: list[str], lasts: list[str]
) -> tuple[list[Person], list[tuple[str, str]]]:
    """The roster, and first/last pairs reserved as non-roster names."""
    used_firsts = firsts[: len(firsts) * 3 // 4]
    spare_firsts = firsts[len(firsts) * 3 // 4 :]
    used_lasts = lasts[: len(lasts) * 3 // 4]
    spare_lasts = lasts[len(lasts) * 3 // 4 :]
    people: list[Person] = []
    for number in range(students):
        last = rng.choice(used_lasts)
        guardians = tuple(
            Guardian(
                key=f"G{number}-{g}",
                name=PersonName(rng.choice(used_firsts), last),
                emails=(f"parent{number}{g}@example.net",),
                phones=(
                    f"({rng.randint(200, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
                ),
                addresses=(f"{rng.randint(1, 9999)} {rng.choice(used_lasts)} Street",),
            )
            for g in range(rng.choice((1, 1, 2)))
        )
        people.append(
            Person(
                role=Role.STUDENT,
                local_id=str(600000 + number),
                state_id=f"TX{rng.randint(10**8, 10**9 - 1)}",
                name=PersonName(
                    first=rng.choice(used_firsts),
                    last=last,
                    middle=rng.choice(used_firsts) if rng.random() < 0.5 else "",
                    preferred_first=rng.choice(used_firsts) if rng.random() < 0.05 else "",
                ),
                birth_date=date(2006, 1, 1) + timedelta(days=rng.randint(0, 13 * 365)),
                directory_opt_out=rng.random() < 0.03,
                guardians=guardians,
            )
        )
    for number in range(students // 20):
        people.append(
            Person(
                Role.STAFF,
                f"E{number:05d}",
                PersonName(rng.choice(used_firsts), rng.choice(used_lasts)),
            )
        )
    outsiders = [(rng.choice(spare_firsts), rng.choice(spare_lasts)) for _ in range(5000)]
    return people, outsiders


def make_text(
    rng: random.Random,
    megabytes: float,
    people: list[Person],
    outsiders: list[tuple[str, str]],
    density: float = 0.02,
) -> tuple[str, list[tuple[int, int, str]], list[tuple[int, int]]]:
    students = [p for p in people if p.role == Role.STUDENT]
    planted: list[tuple[int, int, str]] = []
    foreign: list[tuple[int, int]] = []
    parts: list[str] = []
    size = 0
    target = int(megabytes * 1_000_000)
    while size < target:
        if rng.random() < density:
            template = rng.choice(TEMPLATES)
            student = rng.choice(students)
            name = student.name
            form = rng.choice(
                [
                    f"{name.first} {name.last}",
                    f"{name.last}, {name.first}",
                    f"{name.first.upper()} {name.last.upper()}",
                    f"{name.first} {name.middle[:1]}. {name.last}"
                    if name.middle
                    else name.first + " " + name.last,
                ]
            )
            before, _, rest = template.partition("{p}")
            if "{p}" not in template:
                before, rest = "", template
            sentence = before
            if "{p}" in template:
                planted.append(
                    (size + len(sentence), size + len(sentence) + len(form), "ROSTER_STUDENT_NAME")
                )
                sentence += form
            head, _, tail = rest.partition("{i}")
            sentence += head
            if "{i}" in rest:
                planted.append(
                    (
                        size + len(sentence),
                        size + len(sentence) + len(student.local_id),
                        "ROSTER_STUDENT_ID",
                    )
                )
                sentence += student.local_id + tail
            sentence += " "
        elif rng.random() < 0.01:
            first, last = rng.choice(outsiders)
            sentence = f"Thanks to {first} {last} for the donation. "
            start = size + len("Thanks to ")
            foreign.append((start, start + len(first) + 1 + len(last)))
        else:
            words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
            words[0] = words[0].capitalize()
            if rng.random() < 0.2:
                words.insert(rng.randint(1, len(words) - 1), str(rng.randint(1, 99999)))
            sentence = " ".join(words) + rng.choice((". ", ", ", ".\n", "? ", ".\n\n"))
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts), planted, foreign


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--megabytes", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    firsts, lasts = load_names(rng)
    people, outsiders = make_roster(rng, args.students, firsts, lasts)
    text, planted, foreign = make_text(rng, args.megabytes, people, outsiders)
    megabytes = len(text.encode("utf-8")) / 1e6
    print(
        f"roster: {args.students} students, {len(people) - args.students} staff; "
        f"text: {megabytes:.1f} MB, {len(planted)} planted roster items, "
        f"{len(foreign)} planted non-roster names"
    )

    with tempfile.TemporaryDirectory() as folder:
        store = RosterStore.open(Path(folder) / "roster.npz", SECRET)
        started = time.perf_counter()
        report = store.import_people(people, "benchmark")
        imported = time.perf_counter() - started
        print(
            f"import: {imported:.1f} s, {report.forms} forms, "
            f"store {store.path.stat().st_size / 1e6:.1f} MB"
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        started = time.perf_counter()
        matcher = store.matcher()
        loaded = time.perf_counter() - started
        _, load_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        matcher.find(text[:100_000])  # warm-up
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        found = matcher.find(text)
        _, scan_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()  # it slows allocation: time without it
        print(
            f"load: {loaded:.2f} s, matcher holds {held / 1e6:.0f} MB "
            f"(peak during load {load_peak / 1e6:.0f} MB), "
            f"peak extra memory during find(whole text) {(scan_peak - held) / 1e6:.0f} MB"
        )

        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            found = matcher.find(text)
            best = min(best, time.perf_counter() - started)
        print(f"find(whole text): {megabytes / best:.0f} MB/s ({best * 1000:.0f} ms)")

        plain, _, _ = make_text(
            random.Random(args.seed + 1), args.megabytes, people, outsiders, 0.0
        )
        best_plain = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            stray_plain = matcher.find(plain)
            best_plain = min(best_plain, time.perf_counter() - started)
        print(
            f"find(same text without roster items): {len(plain) / 1e6 / best_plain:.0f} MB/s, "
            f"{len(stray_plain)} matches"
        )

        segment = 4096
        started = time.perf_counter()
        for offset in range(0, len(text), segment):
            matcher.find(text[offset : offset + segment])
        segmented = time.perf_counter() - started
        print(f"find(4 KB segments): {megabytes / segmented:.0f} MB/s")

        documents = [d.text for d in school_corpus(int(args.megabytes * 1_000_000))]
        size = sum(len(d.encode("utf-8")) for d in documents) / 1e6
        best_school = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            for document in documents:
                matcher.find(document)
            best_school = min(best_school, time.perf_counter() - started)
        print(
            f"find(school corpus, {len(documents)} documents of "
            f"{size * 1e6 / max(len(documents), 1) / 1000:.1f} KB on average): "
            f"{size / best_school:.0f} MB/s"
        )

        # The scanner checks every ID-shaped pattern match: for its role, then for any role.
        on_roster = [text[s:e] for s, e, kind in planted if kind == "ROSTER_STUDENT_ID"]
        off_roster = [str(rng.randint(10**6, 10**7 - 1)) for _ in on_roster]
        values = on_roster + off_roster
        started = time.perf_counter()
        confirmed = 0
        for value in values:
            confirmed += matcher.is_roster_id(value, Role.STUDENT) is not None
            matcher.is_roster_id(value)
        checked = time.perf_counter() - started
        print(
            f"is_roster_id: {checked / max(len(values), 1) * 1e6:.1f} us per ID-shaped value "
            f"(role, then any role); {confirmed}/{len(on_roster)} roster IDs confirmed, "
            f"{len(off_roster)} other numbers checked"
        )

        spans = {(m.start, m.end, m.entity_type) for m in found}
        hit = sum(1 for item in planted if item in spans)
        by_type: dict[str, list[int]] = {}
        for start, end, kind in planted:
            by_type.setdefault(kind, [0, 0])[1] += 1
            by_type[kind][0] += (start, end, kind) in spans
        print(
            f"recall: {hit}/{len(planted)} = {hit / len(planted):.4f} "
            + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(by_type.items()))
        )
        foreign_hits = sum(1 for s, e in foreign if any(m.start < e and m.end > s for m in found))
        planted_starts = {(s, e) for s, e, _ in planted}
        stray = [m for m in found if (m.start, m.end) not in planted_starts]
        print(
            f"false positives: {foreign_hits}/{len(foreign)} non-roster names matched; "
            f"{len(stray)} matches outside planted spans"
        )
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"max RSS: {rss_after / 1024:.0f} MB (before loading the matcher "
            f"{rss_before / 1024:.0f} MB)"
        )


if __name__ == "__main__":
    main()
