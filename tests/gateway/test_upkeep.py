"""The gateway runs its upkeep without cron: at start the jobs due run (a log line and a metric
each); a second gateway sharing the database finds them done and runs none of them again."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.harness import RunningGateway, make_settings
from tests.gateway.test_outbox import Events, events, metric, wait_for  # noqa: F401 (fixture)

JOBS = ("retention-purge", "audit-checkpoint", "agreement-expiry", "roster-age")


def test_upkeep_runs_once_across_two_gateways(tmp_path: Path, events: Events) -> None:  # noqa: F811
    settings = make_settings(tmp_path)
    with RunningGateway(settings) as first:
        for job in JOBS:
            wait_for(
                lambda job=job: (
                    metric(first, f'dlp_gateway_upkeep_runs_total{{job="{job}",result="ok"}}') == 1
                )
            )
        assert metric(first, 'dlp_gateway_upkeep_last_success_time{job="retention-purge"}') > 0
        with RunningGateway(settings) as second:
            wait_for(
                lambda: second.gateway.upkeep is not None and second.gateway.upkeep.task is not None
            )
            wait_for(lambda: len(events.named("upkeep-run")) >= 4)
            import time

            time.sleep(1.0)  # its first round has run by now
            assert all(
                metric(second, f'dlp_gateway_upkeep_runs_total{{job="{job}",result="ok"}}') == 0
                for job in JOBS
            )
    assert sorted(str(item["job"]) for item in events.named("upkeep-run")) == sorted(JOBS)
