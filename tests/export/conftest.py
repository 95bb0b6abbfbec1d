from __future__ import annotations

from pathlib import Path

import pytest

from dlp.engine import DetectionConfig
from dlp.export.scan import ExportScan
from tests.conftest import TEST_SECRET


@pytest.fixture(scope="session")
def config() -> DetectionConfig:
    return DetectionConfig(secret=TEST_SECRET)


@pytest.fixture
def make_scan(config, tmp_path):
    def make(export: Path, out: Path | None = None, **options) -> ExportScan:
        options.setdefault("progress", False)
        return ExportScan(export=export, out=out or tmp_path / "out", config=config, **options)

    return make
