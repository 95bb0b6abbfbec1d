"""Compiled databases on disk: a good file is used, a bad one is compiled again and replaced,
processes starting together share one compile, and nothing is written outside the folder the
environment names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import hyperscan
import pytest

from dlp.detect import hyperscan_cache
from dlp.detect.hyperscan_cache import CACHE_ENV, DatabaseSpec
from dlp.detect.text_index import Term, TextIndexer

ROOT = Path(__file__).resolve().parents[2]
KEYS = [b" iep ", b" section 504 ", b" ssn", b" student id "]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    return tmp_path / "hyperscan"


def _spec(*extra: bytes) -> DatabaseSpec:
    keys = [*KEYS, *extra]
    return DatabaseSpec(keys, range(len(keys)), literal=True)


def _found(database: hyperscan.Database, text: bytes) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []

    def on_match(key: int, _from: int, to: int, _flags: int, _context: object) -> None:
        found.append((to, key))

    database.scan(text, match_event_handler=on_match)
    return sorted(found)


TEXT = b" the iep and section 504 plan ssn536 student id 3381022 "
EXPECTED = [(9, 0), (25, 1), (33, 2), (48, 3)]  # (end, key): where each key ends in TEXT


def test_a_miss_is_compiled_by_a_child_and_kept(folder: Path) -> None:
    spec = _spec()
    assert hyperscan_cache.cached(spec) is None
    database = hyperscan_cache.database(spec)
    assert _found(database, TEXT) == EXPECTED
    path = hyperscan_cache.cache_path(spec)
    assert path is not None and path.parent == folder and path.is_file()
    assert not [p for p in folder.iterdir() if p.suffix == ".part"]  # no temporary left
    loaded = hyperscan_cache.cached(spec)
    assert loaded is not None and _found(loaded, TEXT) == EXPECTED


def test_the_key_follows_the_expressions_ids_and_flags() -> None:
    keys = {
        _spec().key,
        _spec(b" dob ").key,
        DatabaseSpec(KEYS, [1, 0, 2, 3], literal=True).key,
        DatabaseSpec(KEYS, range(len(KEYS)), literal=False).key,
        DatabaseSpec(KEYS, range(len(KEYS)), [0, 0, 0, hyperscan.HS_FLAG_CASELESS]).key,
        # The same bytes cut into other expressions.
        DatabaseSpec([b" iep  section 504 ", b" ssn", b" student id "], range(3)).key,
    }
    assert len(keys) == 6


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # a byte changed in the database
        lambda data: b"",
        lambda data: b"not a database at all",
        lambda data: data[:8] + bytes(32) + data[40:],  # made for other expressions
    ],
)
def test_a_spoiled_file_is_ignored_and_rebuilt(folder: Path, spoil) -> None:
    spec = _spec()
    hyperscan_cache.database(spec)
    path = hyperscan_cache.cache_path(spec)
    assert path is not None
    good = path.read_bytes()
    path.write_bytes(spoil(good))
    assert hyperscan_cache.cached(spec) is None
    database = hyperscan_cache.database(spec)
    assert _found(database, TEXT) == EXPECTED
    assert path.read_bytes() == good


def test_a_database_hyperscan_refuses_is_compiled_again(folder: Path) -> None:
    """A whole file made for another Hyperscan or CPU: loadb raises, the file is replaced."""
    spec = _spec()
    path = hyperscan_cache.cache_path(spec)
    assert path is not None
    other = hyperscan.dumpb(_spec(b" dob ").compile())
    refused = bytearray(other)
    refused[:4] = b"\0\0\0\0"  # Hyperscan's magic number
    path.parent.mkdir(parents=True)
    path.write_bytes(hyperscan_cache._header(spec.key, bytes(refused)) + bytes(refused))
    path.chmod(0o600)
    assert hyperscan_cache.cached(spec) is None
    assert _found(hyperscan_cache.database(spec), TEXT) == EXPECTED
    assert hyperscan_cache.cached(spec) is not None


def test_a_file_others_can_write_is_not_loaded(folder: Path) -> None:
    spec = _spec()
    hyperscan_cache.database(spec)
    path = hyperscan_cache.cache_path(spec)
    assert path is not None
    path.chmod(0o666)
    assert hyperscan_cache.cached(spec) is None


def test_an_unwritable_folder_still_gives_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocker))  # the folder would be under a file
    database = hyperscan_cache.database(_spec())
    assert _found(database, TEXT) == EXPECTED
    assert blocker.read_text() == ""


def test_an_empty_setting_keeps_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.chdir(tmp_path)
    assert hyperscan_cache.cache_folder() is None
    assert _found(hyperscan_cache.database(_spec()), TEXT) == EXPECTED
    assert list(tmp_path.iterdir()) == []


def test_without_a_child_the_database_is_compiled_here(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "")
    assert _found(hyperscan_cache.database(_spec()), TEXT) == EXPECTED


def test_the_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert hyperscan_cache.cache_folder() == Path("/xdg/dlp/hyperscan")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/home/someone")
    assert hyperscan_cache.cache_folder() == Path("/home/someone/.cache/dlp/hyperscan")


def test_processes_starting_together_share_one_compile(folder: Path) -> None:
    """Four processes with a cold cache: one file, whole, made by one compile (the others'
    children wait on the lock and find it); each process gets a working database."""
    spec = _spec(b" a key of this test ")
    code = (
        "import sys\n"
        "from dlp.detect import hyperscan_cache\n"
        "from dlp.detect.hyperscan_cache import DatabaseSpec\n"
        f"keys = {[*KEYS, b' a key of this test ']!r}\n"
        "spec = DatabaseSpec(keys, range(len(keys)), literal=True)\n"
        "database = hyperscan_cache.database(spec)\n"
        "found = []\n"
        "database.scan(b' iep ', match_event_handler=lambda *a: found.append(a[0]))\n"
        "sys.exit(0 if found == [0] else 1)\n"
    )
    # Each compile leaves a mark and takes half a second (so that the children overlap): the
    # children run this on start and dump a database only after compiling it.
    compiles = folder.parent / "compiles"
    hooks = folder.parent / "hooks"
    compiles.mkdir()
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import tempfile, time, hyperscan\n"
        "_dumpb = hyperscan.dumpb\n"
        "def dumpb(database):\n"
        f"    tempfile.mkstemp(dir={str(compiles)!r})\n"
        "    time.sleep(0.5)\n"
        "    return _dumpb(database)\n"
        "hyperscan.dumpb = dumpb\n"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join((str(ROOT), str(hooks)))}
    processes = [
        subprocess.Popen([sys.executable, "-c", code], env=environment, cwd=ROOT) for _ in range(4)
    ]
    assert [process.wait(timeout=120) for process in processes] == [0] * 4
    path = hyperscan_cache.cache_path(spec)
    assert path is not None
    assert hyperscan_cache.cached(spec) is not None
    assert sorted(p.suffix for p in folder.iterdir()) == [".hsdb", ".lock"]
    assert len(list(compiles.iterdir())) == 1


def test_old_files_and_abandoned_temporaries_are_pruned(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hyperscan_cache, "_KEPT_FILES", 2)
    specs = [_spec(f" key {number} ".encode()) for number in range(3)]
    for number, spec in enumerate(specs):
        hyperscan_cache._serve(spec, hyperscan_cache.cache_path(spec))
        path = hyperscan_cache.cache_path(spec)
        assert path is not None
        os.utime(path, (1000 + number, 1000 + number))
    stale, fresh = folder / ".tmp-killed.part", folder / ".tmp-writing.part"
    stale.write_bytes(b"half a database")
    fresh.write_bytes(b"half a database")
    os.utime(stale, (1000, 1000))
    hyperscan_cache._prune(folder)
    assert [hyperscan_cache.cached(spec) is not None for spec in specs] == [False, True, True]
    assert not stale.exists() and fresh.exists()


def test_an_indexer_reads_with_a_cached_database_from_its_first_text(folder: Path) -> None:
    terms = [Term("SPECIAL_EDUCATION", "iep", 1.0), Term("HEALTH", "a term of this test", 1.0)]
    phrases = ["ssn", "student id"]
    first = TextIndexer(terms, phrases, hyperscan_after=10**9)
    assert not first.reads_with_hyperscan  # nothing cached: the automaton reads
    TextIndexer(terms, phrases, hyperscan_after=0)  # compiles, and keeps it on disk
    from dlp.detect import text_index

    text_index._DATABASES.clear()  # as a new process would start
    second = TextIndexer(terms, phrases, hyperscan_after=10**9)
    assert second.reads_with_hyperscan
    reference = TextIndexer(terms, phrases, hyperscan_after=None)
    text = "Her IEP, SSN536221234 and student\nid 3381022; a term of this test."
    assert second.index(text)[0] == reference.index(text)[0]
    assert second.index(text)[1].starts == reference.index(text)[1].starts
