"""Ledger writes: records per second of each kind of write a run makes, on SQLite (a fresh
file) or on the database at a given URL.

- `sync_state`: the receipts of N accepted writes noted in a `LedgerBatch` and written by one
  `Ledger.commit`, as a push stage's journal writes them (new rows, then the same keys again);
- `seen_attachments`: `Ledger.remember_attachments` of N reports in one call (new, replaced);
- `file_hash`: the file-hash cache's `remember` of N files in one call (new, updated).

Keys carry a per-round token (target codes `<token>.<i>`), so each round, and a reused
database, gets new rows. Each figure is the median of `--repeats` rounds (3 by default).

`python -m flows.benchmarks.ledger_bench --size N [--url URL | --postgres] [--repeats R] --json`;
with `--postgres` on a throwaway PostgreSQL cluster (`postgres.throwaway_cluster`), or, when none
can be started here, figures saying why it was not measured (`not_measured`).
"""

import argparse
import gc
import os
import secrets
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from flows.benchmarks import postgres
from flows.benchmarks.measure import per_second, run_cli, timed
from models.db import normalise_database_url
from models.file_cache import FileHashCache
from models.ledger import Ledger, RunCreate, SeenAttachmentsBase
from models.ledger.batch import LedgerBatch

WRITES = ("sync_state", "seen_attachments", "file_hash")
"""Each kind of write measured; the figures are `<kind>_insert_per_second` and
`<kind>_update_per_second`."""


def ledger_writes(url: str | None, n: int, repeats: int = 1) -> dict[str, object]:
    """Figures of each kind of write of N records, twice, the median of REPEATS rounds on new
    keys each (see the module's docstring)."""
    if url is not None:
        return _measure(url, n, repeats)
    with tempfile.TemporaryDirectory(prefix="nqsync-ledger-bench-") as folder:
        return _measure(f"sqlite:///{Path(folder) / 'nqsync.db'}", n, repeats)


def ledger_writes_on_postgres(n: int, repeats: int = 1) -> dict[str, object]:
    """`ledger_writes` on a throwaway PostgreSQL cluster, or why it cannot be measured here."""
    reason = postgres.unavailable()
    if reason:
        return {"benchmark": "ledger_writes", "size": n, "backend": "postgresql",
                "not_measured": reason}
    with postgres.throwaway_cluster() as url:
        return _measure(url, n, repeats)


def _measure(url: str, n: int, repeats: int) -> dict[str, object]:
    figures: dict[str, object] = {
        "benchmark": "ledger_writes",
        "size": n,
        "repeats": repeats,
        "backend": normalise_database_url(url).get_backend_name(),
    }
    rounds = [_round(url, n) for _ in range(max(repeats, 1))]
    for name in rounds[0]:
        figures[name] = statistics.median(rates[name] for rates in rounds)
    return figures


def _round(url: str, n: int) -> dict[str, float]:
    token = secrets.token_hex(4)
    rates: dict[str, float] = {}
    codes = [f"{token}.{i}" for i in range(n)]
    with Ledger.open(url) as ledger:
        run = ledger.start_run(RunCreate(dry_run=False, systems=["nq71"], source_files={}))
        for label, outcome, shift in (("insert", "created", 0), ("update", "updated", n)):
            gc.collect()
            with timed() as writing:
                batch = LedgerBatch()
                for i, code in enumerate(codes):
                    batch.receipt(
                        "nq71", code, "2026-06", run_id=run.run_id, outcome=outcome,
                        pushed_fingerprint=f"{i + shift:064x}", unit_code="VHXH",
                        remote_id=str(i), remote_version=f"01/06/2026 08:00:{i % 60:02d}",
                    )
                ledger.commit(batch)
            rates[f"sync_state_{label}_per_second"] = per_second(n, writing.wall_seconds)
        for label, version in (("insert", "v1"), ("update", "v2")):
            seen = [
                SeenAttachmentsBase(
                    system="theodoinq", target_code=code, period="2026-06", remote_id=str(i),
                    version=version, count=1,
                    attachments=[{"id": i, "sha256": f"{i:064x}", "review": "pending"}],
                )
                for i, code in enumerate(codes)
            ]
            gc.collect()
            with timed() as writing:
                ledger.remember_attachments(seen)
            rates[f"seen_attachments_{label}_per_second"] = per_second(n, writing.wall_seconds)
    with FileHashCache.open(url) as cache:
        cache.lookup("", _stat(0))
        for label, size in (("insert", 1000), ("update", 2000)):
            entries = [(f"/bench/{token}/{i}.pdf", _stat(size + i), f"{i:064x}") for i in range(n)]
            gc.collect()
            with timed() as writing:
                cache.remember(entries)
            rates[f"file_hash_{label}_per_second"] = per_second(n, writing.wall_seconds)
    return rates


def _stat(size: int) -> os.stat_result:
    mtime_ns = 1_780_000_000_000_000_000 + size
    fields = [0o100644, size, 1, 1, 0, 0, size, 0, mtime_ns // 10**9, mtime_ns // 10**9]
    return os.stat_result(fields, {"st_mtime_ns": mtime_ns})


def _arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="a ledger database URL (default: a fresh SQLite file)")
    where.add_argument(
        "--postgres", action="store_true", help="on a throwaway PostgreSQL cluster"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="rounds on new keys; figures are their median"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    return run_cli(
        "python -m flows.benchmarks.ledger_bench",
        argv,
        lambda args: (
            ledger_writes_on_postgres(args.size, args.repeats) if args.postgres
            else ledger_writes(args.url, args.size, args.repeats)
        ),
        _arguments,
    )


if __name__ == "__main__":
    sys.exit(main())
