import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from models.file_cache import FileHash, FileHashCache
from models.ledger import Ledger

SHA_A = "a" * 64
SHA_B = "b" * 64
MOMENT = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)


def stat(
    size: int = 10, mtime_ns: int = 1_700_000_000_000_000_000, inode: int = 42
) -> os.stat_result:
    fields = [0o100644, inode, 1, 1, 0, 0, size, 0, mtime_ns // 10**9, mtime_ns // 10**9]
    return os.stat_result(fields, {"st_mtime_ns": mtime_ns})


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def cache(url: str) -> Iterator[FileHashCache]:
    with FileHashCache.open(url) as opened:
        yield opened


def test_a_remembered_hash_is_found_again_by_a_later_cache_on_the_same_file(url: str) -> None:
    """What one run records in the SQLite file, the next run's cache finds."""
    with FileHashCache.open(url) as first:
        assert first.remember([("/src/a.pdf", stat(), SHA_A)]) == 1
    with FileHashCache.open(url) as second:
        assert second.lookup("/src/a.pdf", stat()) == SHA_A
        assert second.lookup("/src/b.pdf", stat()) is None


@pytest.mark.parametrize(
    "changed",
    [stat(size=11), stat(mtime_ns=1_700_000_000_000_000_001), stat(inode=43)],
    ids=["size", "mtime_ns", "inode"],
)
def test_a_change_of_size_mtime_or_inode_misses(
    cache: FileHashCache, changed: os.stat_result
) -> None:
    """Any one of size, mtime (to the nanosecond) or inode changed: no hash is given."""
    cache.remember([("/src/a.pdf", stat(), SHA_A)])
    assert cache.lookup("/src/a.pdf", changed) is None
    assert cache.lookup("/src/a.pdf", stat()) == SHA_A


def test_remember_upserts_and_the_last_entry_of_a_path_wins(url: str) -> None:
    """A path remembered again is updated in place; within a batch the last entry counts."""
    with FileHashCache.open(url) as cache:
        cache.remember([("/src/a.pdf", stat(), SHA_A)])
        written = cache.remember(
            [("/src/a.pdf", stat(size=5), SHA_A), ("/src/a.pdf", stat(size=7), SHA_B)]
        )
        assert written == 1
        assert cache.lookup("/src/a.pdf", stat(size=7)) == SHA_B
    with FileHashCache.open(url) as cache:
        assert cache.lookup("/src/a.pdf", stat(size=7)) == SHA_B
        assert cache.lookup("/src/a.pdf", stat()) is None


def test_a_large_batch_is_written_whole(url: str) -> None:
    """More entries than one statement's batch: every one is stored."""
    entries = [(f"/src/{i}.pdf", stat(size=i + 1), f"{i:064x}") for i in range(1234)]
    with FileHashCache.open(url) as cache:
        assert cache.remember(entries) == 1234
    with FileHashCache.open(url) as cache:
        assert all(cache.lookup(path, info) == sha for path, info, sha in entries)


def test_an_inode_beyond_the_signed_64_bit_range_round_trips(url: str) -> None:
    """Inodes from 2**63 (some filesystems) are stored and matched."""
    big = stat(inode=2**64 - 3)
    with FileHashCache.open(url) as cache:
        cache.remember([("/src/a.pdf", big, SHA_A)])
    with FileHashCache.open(url) as cache:
        assert cache.lookup("/src/a.pdf", big) == SHA_A
        assert cache.lookup("/src/a.pdf", stat(inode=2**63 - 3)) is None


def test_the_table_lives_in_the_ledger_database_with_the_clock_time(tmp_path: Path) -> None:
    """The cache shares the ledger's engine: `ledger_file_hash` beside `ledger_run`, seen_at
    from the injected clock, hashes stored lower-case."""
    with Ledger.open(f"sqlite:///{tmp_path / 'nqsync.db'}") as ledger:
        ledger.list_sync_states("nq71")
        cache = FileHashCache(ledger.engine, clock=lambda: MOMENT)
        cache.remember([("/src/a.pdf", stat(), SHA_A.upper())])
        tables = set(inspect(ledger.engine).get_table_names())
        with ledger.engine.connect() as connection:
            row = connection.execute(select(FileHash.sha256, FileHash.seen_at)).one()
    assert {"ledger_run", "ledger_file_hash"} <= tables
    assert row.sha256 == SHA_A
    assert row.seen_at.replace(tzinfo=UTC) == MOMENT


def test_remember_nothing_writes_nothing(cache: FileHashCache) -> None:
    """An empty batch is no transaction and no row."""
    assert cache.remember([]) == 0
    assert cache.lookup("/src/a.pdf", stat()) is None


def test_the_same_upsert_works_on_postgresql(postgres_url: str) -> None:
    """On PostgreSQL the bulk upsert inserts, then updates, what SQLite does."""
    with FileHashCache.open(postgres_url) as cache:
        cache.remember([("/src/a.pdf", stat(), SHA_A), ("/src/b.pdf", stat(size=3), SHA_B)])
        cache.remember([("/src/a.pdf", stat(size=4), SHA_B)])
    with FileHashCache.open(postgres_url) as cache:
        assert cache.lookup("/src/a.pdf", stat(size=4)) == SHA_B
        assert cache.lookup("/src/a.pdf", stat()) is None
        assert cache.lookup("/src/b.pdf", stat(size=3)) == SHA_B
