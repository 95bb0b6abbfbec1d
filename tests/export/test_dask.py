"""The same scan on a real Dask distributed cluster (two worker processes on this machine)."""

from __future__ import annotations

import json

import pytest

from dlp.export.scan import run_scan
from dlp.export.worker import warm
from tests.export.exports import make_box, make_vault

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    ) as local:
        yield local


def file_records(out):
    lines = (out / "report.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    return {rec["key"]: rec for rec in records if rec["kind"] == "file"}


def comparable(record):
    timing = ("seconds_read", "seconds_extract", "seconds_detect")
    return {k: v for k, v in record.items() if k not in timing}


def test_dask_scan_equals_local_scan(tmp_path, make_scan, cluster, config):
    export = make_vault(tmp_path / "vault")
    local = run_scan(make_scan(export, tmp_path / "local"))
    remote = run_scan(make_scan(export, tmp_path / "dask", scheduler=cluster.scheduler_address))
    assert remote.info.mode.startswith("dask scheduler tcp://127.0.0.1:")
    ours, theirs = file_records(local.out), file_records(remote.out)
    assert set(ours) == set(theirs) and len(ours) == 5
    for key in ours:
        assert comparable(ours[key]) == comparable(theirs[key])

    # Each worker built its scanner once, for this one configuration, not once per file.
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        cached = client.run(warm, config)
    assert sorted(cached.values()) == [1, 1]


def test_dask_scan_with_a_client(tmp_path, make_scan, cluster):
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        outcome = run_scan(make_scan(make_box(tmp_path / "box"), scheduler=client))
        assert client.status == "running"  # a client passed in is left open
    assert outcome.summary.flagged == 1 and outcome.info.mode == "dask"


def test_cli_scheduler_option(tmp_path, cluster, monkeypatch, capsys):
    from dlp.cli import main

    monkeypatch.setenv("DLP_SECRET", "cli-test-secret-0123456789")
    out = tmp_path / "out"
    status = main(
        [
            "scan-export",
            str(make_vault(tmp_path / "vault")),
            "--out",
            str(out),
            "--scheduler",
            cluster.scheduler_address,
            "--no-progress",
        ]
    )
    assert status == 1 and "5 files, 3 with findings" in capsys.readouterr().out
    summary = json.loads((out / "report.jsonl").read_text().splitlines()[-1])
    assert summary["mode"] == f"dask scheduler {cluster.scheduler_address}"
