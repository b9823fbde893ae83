"""`scripts/bench`: the smoke run end to end, and how figures meet goals in the report."""

import importlib.util
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nqsync_bench", ROOT / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_bench_smoke_writes_every_figure(tmp_path: Path) -> None:
    """The smoke run prints the table and writes a report with a figure of each benchmark
    (all but the Prefect demo), its goal, and the machine."""
    output = tmp_path / "BENCHMARKS.md"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    result = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--smoke", "--output", str(output)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=1800, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = output.read_text("utf-8")
    names = (
        "nqsync --help", "nqsync catalogue --json", "first nqsync demo", "nqsync demo, rerun",
        "python start-up", "full run, 44 records: wall", "no-op rerun: wall",
        "no-op / full run, wall", "no-op: theodoinq listings per period (most)",
        "no-op: nq71 per-report reads", "no-op: nq71 writes", "theodoinq push: share of 429",
        "nq71 push: mean requests in flight at nqsync's HTTP client",
        "nq71 push: mean requests in flight, timed at the mock",
        "naive sequential client, theodoinq: accepted requests/s",
        "2 MiB evidence to nq71: peak RSS growth", "reconciliation, 500 entries: CPU",
        "reconciliation, 500 entries: peak RSS",
        "ledger on SQLite: sync state, a stage's receipts in one commit, new rows",
        "ledger on PostgreSQL: file-hash cache in one call, same keys",
    )
    for name in names:
        assert f"| {name} |" in report and f"| {name} |" in result.stdout, name
    assert "| first nqsync demo --prefect |" not in report
    assert "| no-op: nq71 writes | 0 | = 0 | yes |" in report
    assert "smoke run" in report and "logical cores" in report and "## Reproduce" in report
    assert (ROOT / "BENCHMARKS.md").resolve() != output.resolve()


def test_goals_are_met_or_not_and_missing_figures_say_so() -> None:
    """Each kind of bound is checked; a figure without a value is 'not measured', without a
    goal has no verdict; the report counts the goals met and names those missed."""
    bench = _bench()
    goal = bench.Goal
    assert goal("≤", 0.05).met(0.05) and not goal("≤", 0.05).met(0.051)
    assert goal("≥", 9).met(9.0) and not goal("≥", 9).met(8.9)
    assert goal("<", 1).met(0.99) and not goal("<", 1).met(1.0)
    assert goal("=", 0).met(0) and not goal("=", 0).met(1)
    figures = [
        bench.Figure("ratio", 0.2, "×", "cmd", goal("≤", 0.05)),
        bench.Figure("rate", 12.5, "req/s", "cmd", goal("≥", 9, "req/s")),
        bench.Figure("pg", None, "records/s", "cmd", goal("≥", 20_000, "records/s"),
                     note="not measured: initdb/pg_ctl not found"),
        bench.Figure("count", 7, "", "cmd"),
    ]
    text = bench.table(figures)
    assert "| ratio | 0.2 × | ≤ 0.05 | **no** | `cmd` |  |" in text
    assert "| rate | 12.5 req/s | ≥ 9 req/s | yes |" in text
    assert "| pg | not measured | ≥ 20000 records/s |  |" in text
    assert "| count | 7 |  |  |" in text
    report = bench.report(figures, {"cpu": "x (2 logical cores)"}, when=datetime.now(UTC),
                          repeats=1, smoke=False, note="")
    assert "1 of 2 goals met; not met: ratio." in report
