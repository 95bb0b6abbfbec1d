from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
# The suite runs on two shared cores, often beside other work: an example's first call builds
# caches (a scanner, a Hyperscan database) and can take longer than Hypothesis's default
# 200 ms deadline without anything being wrong. Properties are judged on results, not time.
settings.register_profile("dlp", deadline=None)
settings.load_profile("dlp")

TEST_SECRET = b"test-secret-for-digests-0123456789"

# Compiled Hyperscan databases (dlp.detect.hyperscan_cache) go to a folder of this session's,
# never the user's cache: set here, before test modules build indexers at import, and seen by
# the commands the tests run (XDG_CACHE_HOME too, for those run without the DLP_ variables).
_CACHE = tempfile.mkdtemp(prefix="dlp-test-cache-")
os.environ["DLP_CACHE_DIR"] = os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"third-party corpus not found at {CORPUS} (it lives in ../shared/corpus)")
    return CORPUS


@pytest.fixture(scope="session")
def scanner():
    from dlp.engine import DetectionConfig, build_scanner

    return build_scanner(DetectionConfig(secret=TEST_SECRET))
