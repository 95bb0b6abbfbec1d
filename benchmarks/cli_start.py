"""How long `dlp` commands take from the shell, beside `python -c pass`, here and at a base tree.

    .venv/bin/python benchmarks/cli_start.py [--base /tmp/base] [--repeat 7]

Each command runs as a fresh `python -m dlp ...` process with PYTHONPATH set to the tree under
test and its bytecode cached (as an installed package has it: PYTHONDONTWRITEBYTECODE is
dropped and PYTHONPYCACHEPREFIX points into the temporary folder, after one untimed run of
each command per tree); its wall time (median of --repeat runs, the trees interleaved run by
run, so that a busy machine weighs on both alike) is printed beside the interpreter's own start
and, with ``--base``, beside the same command on another checkout (a `git worktree` of the
parent commit) in the same run. The commands, on fixtures made in a temporary folder:

- ``--help``; ``quarantine list`` on an empty SQLite quarantine; ``policy check`` of the
  sample policy; ``audit verify`` of a 20-entry log (target: 0.4 s each, none of them scans);
- ``check`` and ``scan`` of a 5 KB message with a few planted values (target: 1.0 s);
- ``quarantine show`` and ``quarantine release`` of that message held (in a quarantine of its
  own, so that the listing above stays empty), which a reviewer runs after the listing: no
  target, watched so that they get no slower. ``show`` masks the context with the district's
  scanner; each ``release`` (folder delivery) takes a message of its own.

Lines: ``NAME  this: S s (cpu C s, T s over python -c pass)  base: S s (cpu C s)  ratio: R x
target: OK|OVER``; the CPU time (user + system, median) moves less than the wall time when
other work shares the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NON_SCANNING_TARGET = 0.4
SCANNING_TARGET = 1.0


def message_5k() -> bytes:
    """A plain message of about 5 KB: prose with an SSN, a phone number and a date of birth."""
    paragraph = (
        "Hi team, following up on the meeting about next week's schedule. The field trip "
        "forms are due Friday and the bus leaves at 8:15 from the front office. Please remind "
        "families that lunches are not provided this time. "
    )
    body = paragraph * 22
    body += (
        "\nFor the file: student Maria Lopez, DOB 03/14/2011, SSN 536-22-1234, "
        "phone (559) 327-1200.\n"
    )
    head = (
        "From: teacher@cusd.com\r\nTo: someone@example.org\r\nSubject: schedule\r\n"
        "Message-ID: <bench-1@cusd.com>\r\nDate: Sat, 05 Dec 2026 08:00:00 +0000\r\n\r\n"
    )
    return (head + body.replace("\n", "\r\n")).encode()


# Holds copies of a message (their Message-IDs apart, so that the store does not merge them)
# and prints their ids: run in the tree under test, with its own API.
HOLD = """
import sys
from pathlib import Path
from dlp.pipeline import scan_message
from dlp.policy import decide, load_policy
from dlp.quarantine.wiring import open_store
from dlp.roster.secret import load_secret
from dlp.settings import load_settings
from dlp.engine import build_scanner

settings = load_settings(sys.argv[1])
raw = Path(sys.argv[2]).read_bytes()
scanner = build_scanner(settings.detection.config(load_secret({}, settings.detection.secret_file)))
policy = load_policy(settings.policy_file, settings.detection.categories())
store = open_store(settings, {})
for n in range(int(sys.argv[3])):
    message = raw.replace(b"<bench-1@", f"<bench-1.{n}@".encode())
    scan = scan_message(message, scanner)
    recipients = ["someone@example.org"]
    decision = decide(policy, "teacher@cusd.com", recipients, scan)
    print(store.hold(message, "teacher@cusd.com", recipients, decision, scan, "<bench>"))
store.close()
"""


def settings_text(tree: Path, folder: Path, quarantine: Path) -> str:
    return (
        f'[policy]\nfile = "{tree / "samples" / "policy.toml"}"\n'
        f'[detection]\nsecret_file = "{folder / "secret.key"}"\n'
        f'[quarantine]\nurl = "sqlite:///{quarantine}"\n'
        f'key_file = "{folder / "quarantine.key"}"\nfolder = "{folder / "held"}"\n'
        f'[audit]\nfile = "{folder / "audit" / "audit.log"}"\n'
        f'[delivery]\nmode = "folder"\nfolder = "{folder / "delivered"}"\n'
    )


def hold_messages(tree: Path, settings: Path, message: Path, count: int) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", HOLD, str(settings), str(message), str(count)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    return done.stdout.split()


def make_fixtures(folder: Path, tree: Path, held: int) -> dict[str, Any]:
    """Each tree gets its own: the audit log's format moves between commits. ``held``: how
    many messages to hold for ``quarantine release`` (one a run)."""
    folder.mkdir()
    secret = folder / "secret.key"
    secret.write_bytes(os.urandom(32))
    secret.chmod(0o600)
    (folder / "quarantine.key").write_text(os.urandom(32).hex())
    (folder / "quarantine.key").chmod(0o600)
    settings = folder / "gateway.toml"
    settings.write_text(settings_text(tree, folder, folder / "quarantine.db"), encoding="utf-8")
    review = folder / "review.toml"
    review.write_text(settings_text(tree, folder, folder / "review.db"), encoding="utf-8")
    log = folder / "small-audit" / "audit.log"
    log.parent.mkdir()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from dlp.audit import AuditLog\n"
            "log = AuditLog(Path(sys.argv[1]))\n"
            "for i in range(20): log.append('decision', verdict='deliver', number=i)\n",
            str(log),
        ],
        check=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
        stderr=subprocess.DEVNULL,  # "key created": the log's keys, made beside it
    )
    message = folder / "message.eml"
    message.write_bytes(message_5k())
    return {
        "settings": settings,
        "review": review,
        "held": hold_messages(tree, review, message, held),
        "log": log,
        "message": message,
        "secret": secret,
        "policy": tree / "samples" / "policy.toml",
    }


# In a command's arguments: the id of the run's own held message (a release takes one a run).
HELD = "{held}"


def commands(fx: dict[str, Any]) -> list[tuple[str, list[str], Path | None, float | None]]:
    """(name, arguments after `python -m dlp`, standard input, target seconds or None)."""
    policy = str(fx["policy"])
    review = ["quarantine", "--config", str(fx["review"])]
    return [
        ("--help", ["--help"], None, NON_SCANNING_TARGET),
        (
            "quarantine list",
            ["quarantine", "--config", str(fx["settings"]), "list"],
            None,
            NON_SCANNING_TARGET,
        ),
        ("policy check", ["policy", "check", policy], None, NON_SCANNING_TARGET),
        ("audit verify", ["audit", "verify", str(fx["log"])], None, NON_SCANNING_TARGET),
        (
            "check 5 KB",
            [
                "check",
                "--policy",
                policy,
                "--from",
                "teacher@cusd.com",
                "--to",
                "someone@example.org",
                "--secret-file",
                str(fx["secret"]),
            ],
            fx["message"],
            SCANNING_TARGET,
        ),
        (
            "scan 5 KB",
            ["scan", "--secret-file", str(fx["secret"]), str(fx["message"])],
            None,
            SCANNING_TARGET,
        ),
        ("quarantine show", [*review, "show", fx["held"][-1]], None, None),
        ("quarantine release", [*review, "release", HELD, "--note", "ok"], None, None),
    ]


def with_held(args: list[str], held: list[str], run: int) -> list[str]:
    return [held[run] if arg == HELD else arg for arg in args]


def run_once(tree: Path, args: list[str], stdin: Path | None, cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONPYCACHEPREFIX": str(cwd / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with open(stdin if stdin else os.devnull, "rb") as source:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, *args],
            stdin=source,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
        )
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} in {tree}: status {done.returncode}\n{done.stderr!r}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="another checkout to compare with")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    trees = [ROOT] + ([args.base.resolve()] if args.base else [])
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        # One held message a release run (and the untimed one), one more for show.
        held = args.repeat + 2
        fixtures = {
            tree: make_fixtures(folder / str(i), tree, held) for i, tree in enumerate(trees)
        }
        run_once(ROOT, ["-c", "pass"], None, folder)
        bare = statistics.median(
            run_once(ROOT, ["-c", "pass"], None, folder)[0] for _ in range(args.repeat)
        )
        print(f"python -c pass: {bare:.3f} s  (median of {args.repeat})")
        plans = {tree: commands(fixtures[tree]) for tree in trees}
        for number, (label, _, _, target) in enumerate(plans[ROOT]):
            times: dict[Path, list[float]] = {tree: [] for tree in trees}
            cpus: dict[Path, list[float]] = {tree: [] for tree in trees}
            for tree in trees:  # untimed: writes the bytecode of what this command imports
                _, cli, stdin, _ = plans[tree][number]
                held = fixtures[tree]["held"]
                run_once(tree, ["-m", "dlp", *with_held(cli, held, 0)], stdin, folder)
            for run in range(1, args.repeat + 1):
                for tree in trees:
                    _, cli, stdin, _ = plans[tree][number]
                    held = fixtures[tree]["held"]
                    wall, cpu = run_once(
                        tree, ["-m", "dlp", *with_held(cli, held, run)], stdin, folder
                    )
                    times[tree].append(wall)
                    cpus[tree].append(cpu)
            this = statistics.median(times[ROOT])
            line = (
                f"{label:18s} this: {this:6.3f} s (cpu {statistics.median(cpus[ROOT]):5.3f} s, "
                f"{this - bare:5.3f} s over python -c pass)"
            )
            if args.base:
                base = statistics.median(times[trees[1]])
                line += (
                    f"  base: {base:6.3f} s (cpu {statistics.median(cpus[trees[1]]):5.3f} s)"
                    f"  ratio: {base / this:5.2f} x"
                )
            if target is not None:
                line += f"  target {target:.1f} s: {'OK' if this <= target else 'OVER'}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
