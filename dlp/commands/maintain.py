"""`dlp maintain`: the gateway's scheduled upkeep, run by hand (`dlp.upkeep`).

    dlp maintain [--config FILE] [--job NAME ...] [--due] [--list]

Without ``--due`` the jobs named (all by default) run now, whatever their period; with it, only
those whose period has passed. Each job runs under its lock: one that another runner holds is
reported "busy" and skipped. Exit status: 0 every job ran (or was not due, or busy), 1 a job
failed, 2 a usage error.
"""

from __future__ import annotations

import argparse
import os

from dlp.cli import UsageError

JOBS = ("retention-purge", "audit-checkpoint", "agreement-expiry", "roster-age")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from dlp.commands.config_option import CONFIG_HELP

    parser = subparsers.add_parser("maintain", help="run the scheduled upkeep jobs now")
    parser.add_argument("--config", help=CONFIG_HELP)
    parser.add_argument("--job", action="append", choices=JOBS, help="this job only (repeatable)")
    parser.add_argument("--due", action="store_true", help="only the jobs whose period passed")
    parser.add_argument("--list", action="store_true", help="list the jobs and their last run")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from dlp.policy import PolicyError, load_policy
    from dlp.quarantine.store import QuarantineError
    from dlp.quarantine.upkeep import DatabaseLocks, build_jobs, settings_checks
    from dlp.quarantine.wiring import build_triage, open_store
    from dlp.settings import SettingsError, load_settings
    from dlp.upkeep.scheduler import Scheduler

    try:
        settings = load_settings(args.config)
        store = open_store(settings, os.environ)
    except (SettingsError, QuarantineError, OSError, ValueError) as error:
        raise UsageError(str(error).splitlines()[0]) from None
    try:
        triage = build_triage(settings, store, with_delivery=False)
        try:
            loaded = load_policy(settings.policy_file, settings.detection.categories())
        except (PolicyError, OSError) as error:
            raise UsageError(str(error).splitlines()[0]) from None
        checks = settings_checks(settings, store.engine, lambda: loaded)
        jobs = build_jobs(settings, triage, triage.audit, lambda: loaded, checks)
        locks = DatabaseLocks(store.engine, settings.upkeep.lock_minutes * 60)
        scheduler = Scheduler(jobs, locks)
        if args.list:
            for job in jobs:
                last = locks.last(job.name)
                when = (
                    datetime.fromtimestamp(last, UTC).isoformat(timespec="seconds")
                    if last is not None
                    else "never"
                )
                print(f"{job.name}: every {job.every / 3600:g} h, last run {when}")
            return 0
        results = scheduler.run_due() if args.due else scheduler.run(args.job)
        if args.due and args.job:
            results = [ran for ran in results if ran.job in args.job]
        for ran in results:
            details = " ".join(f"{key}={value}" for key, value in ran.summary.items())
            print(f"{ran.job}: {ran.result} ({ran.seconds:.2f} s) {details}".rstrip())
        return 1 if any(ran.result == "failed" for ran in results) else 0
    finally:
        store.close()
