"""`scripts/bench --smoke`: every benchmark runs end to end and the report is written."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_writes_every_figure(tmp_path: Path) -> None:
    """The smoke run prints the table and writes a report with each benchmark and the machine."""
    output = tmp_path / "BENCHMARKS.md"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    result = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--smoke", "--output", str(output)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=1800, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = output.read_text("utf-8")
    for name in ("nqsync --help", "nqsync catalogue --json", "first nqsync demo",
                 "nqsync demo, rerun", "python start-up", "first nqsync demo --prefect"):
        assert f"| {name} |" in report and f"| {name} |" in result.stdout
    assert "smoke run" in report and "logical cores" in report
    assert (ROOT / "BENCHMARKS.md").resolve() != output.resolve()
