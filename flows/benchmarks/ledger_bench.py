"""Ledger writes: records per second of the file-hash cache's bulk upsert and of
`Ledger.record_reports`, on SQLite (a fresh file) or on the database at a given URL.

Each is timed twice on N rows: the first write inserts, the second (the same keys, changed
values) updates. Keys carry a per-run token, so a reused PostgreSQL database gets new rows.

`python -m flows.benchmarks.ledger_bench --size N [--url URL | --postgres] --json`; with
`--postgres` on a throwaway PostgreSQL cluster (`postgres.throwaway_cluster`), or, when none can
be started here, figures saying why it was not measured (`not_measured`).
"""

import argparse
import os
import secrets
import sys
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from flows.benchmarks import postgres
from flows.benchmarks.measure import per_second, run_cli, timed
from models.db import normalise_database_url
from models.file_cache import FileHashCache
from models.ledger import Ledger
from models.records import EvidenceFile, ProgressRecord, SourceRef, Status


def ledger_writes(url: str | None, n: int) -> dict[str, object]:
    """Figures of N file hashes and N canonical reports written twice (see the docstring)."""
    if url is not None:
        return _measure(url, n)
    with tempfile.TemporaryDirectory(prefix="nqsync-ledger-bench-") as folder:
        return _measure(f"sqlite:///{Path(folder) / 'nqsync.db'}", n)


def ledger_writes_on_postgres(n: int) -> dict[str, object]:
    """`ledger_writes` on a throwaway PostgreSQL cluster, or why it cannot be measured here."""
    reason = postgres.unavailable()
    if reason:
        return {"benchmark": "ledger_writes", "size": n, "backend": "postgresql",
                "not_measured": reason}
    with postgres.throwaway_cluster() as url:
        return _measure(url, n)


def _measure(url: str, n: int) -> dict[str, object]:
    token = secrets.token_hex(4)
    figures: dict[str, object] = {
        "benchmark": "ledger_writes",
        "size": n,
        "backend": normalise_database_url(url).get_backend_name(),
    }
    with FileHashCache.open(url) as cache:
        cache.lookup("", _stat(0))
        for label, size in (("insert", 1000), ("update", 2000)):
            entries = [(f"/bench/{token}/{i}.pdf", _stat(size + i), f"{i:064x}") for i in range(n)]
            with timed() as writing:
                cache.remember(entries)
            figures[f"file_hash_{label}_per_second"] = per_second(n, writing.wall_seconds)
    with Ledger.open(url) as ledger:
        run = ledger.start_run()
        for label, note in (("insert", "lần đầu"), ("update", "cập nhật")):
            records = [_record(token, i, note) for i in range(n)]
            with timed() as writing:
                ledger.record_reports(run.run_id, records)
            figures[f"record_reports_{label}_per_second"] = per_second(n, writing.wall_seconds)
    return figures


def _stat(size: int) -> os.stat_result:
    mtime_ns = 1_780_000_000_000_000_000 + size
    fields = [0o100644, size, 1, 1, 0, 0, size, 0, mtime_ns // 10**9, mtime_ns // 10**9]
    return os.stat_result(fields, {"st_mtime_ns": mtime_ns})


def _record(token: str, i: int, note: str) -> ProgressRecord:
    evidence = EvidenceFile(path=f"B{token}/{i}.pdf", sha256=f"{i:064x}", size=1000 + i)
    return ProgressRecord(
        unit_code=f"B{token}",
        target_code=f"9.{i // 1000 + 1}.{i % 1000 + 1}",
        period="2026-06",
        actual=Decimal(i % 100),
        progress_percent=Decimal(i % 100),
        status=Status.IN_PROGRESS,
        note=note,
        evidence=(evidence,),
        source=SourceRef(file=f"B{token}.xlsx", sheet="Báo cáo", row=4 + i),
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="a ledger database URL (default: a fresh SQLite file)")
    where.add_argument(
        "--postgres", action="store_true", help="on a throwaway PostgreSQL cluster"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    return run_cli(
        "python -m flows.benchmarks.ledger_bench",
        argv,
        lambda args: (
            ledger_writes_on_postgres(args.size) if args.postgres
            else ledger_writes(args.url, args.size)
        ),
        _arguments,
    )


if __name__ == "__main__":
    sys.exit(main())
