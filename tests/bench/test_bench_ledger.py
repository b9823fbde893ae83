import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from flows.benchmarks.ledger_bench import ledger_writes

ROOT = Path(__file__).resolve().parents[2]
RATES = tuple(
    f"{kind}_{label}_per_second"
    for kind in ("sync_state", "seen_attachments", "file_hash")
    for label in ("insert", "update")
)


def test_ledger_writes_reports_a_rate_for_each_kind_of_write() -> None:
    """On a fresh SQLite file: the backend, the rounds and six positive rates."""
    figures = ledger_writes(None, 15)
    assert set(figures) == {"benchmark", "size", "repeats", "backend", *RATES}
    assert (figures["benchmark"], figures["size"], figures["repeats"], figures["backend"]) == (
        "ledger_writes", 15, 1, "sqlite"
    )
    for name in RATES:
        rate = figures[name]
        assert isinstance(rate, float) and rate > 0


def test_ledger_writes_leaves_the_rows_it_timed(tmp_path: Path) -> None:
    """On a given database: N rows of each kind are there, as the second write left them."""
    url = f"sqlite:///{tmp_path / 'nqsync.db'}"
    ledger_writes(url, 12)
    ledger_writes(url, 12)
    engine = create_engine(url)
    with engine.connect() as connection:
        def column(sql: str) -> list[Any]:
            return list(connection.execute(text(sql)).scalars().all())

        hashes = column("SELECT size FROM ledger_file_hash")
        outcomes = column("SELECT last_outcome FROM ledger_sync_state")
        versions = column("SELECT version FROM ledger_seen_attachments")
    engine.dispose()
    assert sorted(hashes) == sorted([2000 + i for i in range(12)] * 2)
    assert outcomes == ["updated"] * 24
    assert versions == ["v2"] * 24


def test_each_round_writes_new_keys(tmp_path: Path) -> None:
    """Three rounds of 5 records: 15 rows of each kind, every round's second write kept."""
    url = f"sqlite:///{tmp_path / 'nqsync.db'}"
    figures = ledger_writes(url, 5, repeats=3)
    assert figures["repeats"] == 3
    engine = create_engine(url)
    with engine.connect() as connection:
        outcomes = connection.execute(text("SELECT last_outcome FROM ledger_sync_state")).all()
        files = connection.execute(text("SELECT COUNT(*) FROM ledger_file_hash")).scalar_one()
    engine.dispose()
    assert [row[0] for row in outcomes] == ["updated"] * 15
    assert files == 15


def test_the_command_line_prints_one_json_object(tmp_path: Path) -> None:
    """`python -m flows.benchmarks.ledger_bench --size 5 --url … --json`: one object."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [
            sys.executable, "-m", "flows.benchmarks.ledger_bench", "--size", "5", "--url", url,
            "--json",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )
    figures = json.loads(result.stdout)
    assert (figures["benchmark"], figures["size"], figures["backend"]) == (
        "ledger_writes", 5, "sqlite"
    )
