import json
import subprocess
import sys
from pathlib import Path

from flows.benchmarks.reconcile_bench import reconcile

ROOT = Path(__file__).resolve().parents[2]


def test_reconcile_reports_time_memory_and_a_summary_of_its_entries() -> None:
    """The figures' shape; the summary counts every entry; RSS grows from its input's."""
    figures = reconcile(300)
    assert set(figures) == {
        "benchmark", "size", "entries", "cpu_seconds", "wall_seconds", "build_cpu_seconds",
        "input_peak_rss_mib", "peak_rss_mib", "summary",
    }
    summary = figures["summary"]
    assert isinstance(summary, dict)
    assert figures["entries"] == sum(summary.values()) >= 300
    assert isinstance(figures["cpu_seconds"], float) and figures["cpu_seconds"] >= 0
    assert isinstance(figures["input_peak_rss_mib"], float)
    assert isinstance(figures["peak_rss_mib"], float)
    assert figures["peak_rss_mib"] >= figures["input_peak_rss_mib"] > 0


def test_emit_writes_every_entry_as_json() -> None:
    """With emit: bytes of JSON for each entry, and its CPU time."""
    figures = reconcile(50, emit=True)
    assert isinstance(figures["emit_bytes"], int)
    assert figures["emit_bytes"] > 50 * len('{"target_code":"9.1.1","period":"2026-01"}')
    assert isinstance(figures["emit_cpu_seconds"], float)


def test_the_command_line_prints_one_json_object() -> None:
    """`python -m flows.benchmarks.reconcile_bench --size 20 --json`: one object, one line."""
    result = subprocess.run(
        [sys.executable, "-m", "flows.benchmarks.reconcile_bench", "--size", "20", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    assert (figures["benchmark"], figures["size"]) == ("reconcile", 20)
    assert figures["entries"] >= 20
