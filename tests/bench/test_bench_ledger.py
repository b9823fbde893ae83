import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from flows.benchmarks.ledger_bench import ledger_writes

ROOT = Path(__file__).resolve().parents[2]
RATES = (
    "file_hash_insert_per_second",
    "file_hash_update_per_second",
    "record_reports_insert_per_second",
    "record_reports_update_per_second",
)


def test_ledger_writes_reports_a_rate_for_each_kind_of_write() -> None:
    """On a fresh SQLite file: the backend and four positive rates."""
    figures = ledger_writes(None, 15)
    assert set(figures) == {"benchmark", "size", "backend", *RATES}
    assert (figures["benchmark"], figures["size"], figures["backend"]) == (
        "ledger_writes", 15, "sqlite"
    )
    for name in RATES:
        rate = figures[name]
        assert isinstance(rate, float) and rate > 0


def test_ledger_writes_leaves_the_rows_it_timed(tmp_path: Path) -> None:
    """On a given database: N file hashes and N reports are there, updated by the 2nd write."""
    url = f"sqlite:///{tmp_path / 'nqsync.db'}"
    ledger_writes(url, 12)
    engine = create_engine(url)
    with engine.connect() as connection:
        hashes = connection.execute(text("SELECT size FROM ledger_file_hash")).scalars().all()
        notes = connection.execute(text("SELECT note FROM ledger_report")).scalars().all()
    engine.dispose()
    assert sorted(hashes) == [2000 + i for i in range(12)]
    assert notes == ["cập nhật"] * 12


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
