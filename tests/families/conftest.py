from __future__ import annotations

from pathlib import Path

import pytest

from dlp.engine import DetectionConfig, Scanner, build_scanner
from dlp.policy import Policy, load_policy
from tests.families.roster import family_roster

SECRET = b"families-test-secret-0123456789abcdef"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def roster_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return family_roster(tmp_path_factory.mktemp("families") / "roster.npz", SECRET)


@pytest.fixture(scope="session")
def scanner(roster_path: Path) -> Scanner:
    return build_scanner(DetectionConfig(secret=SECRET, roster_path=roster_path))


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(REPO / "samples" / "policy.toml")
