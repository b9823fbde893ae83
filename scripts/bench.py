"""nqsync's benchmarks: each one runs the real command as separate processes and times it.

Add a benchmark by writing a function `(Context) -> list[Figure]` and listing it in
`BENCHMARKS`. `--smoke` runs each one as small as it goes (one sample) so that a test can keep
this script from rotting; it never checks the figures against targets.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
NQSYNC = str(VENV_BIN / "nqsync")
PYTHON = str(VENV_BIN / "python")
DEFAULT_OUTPUT = ROOT / "BENCHMARKS.md"
RUN_TIMEOUT = 1800


@dataclass(frozen=True)
class Figure:
    """One measured figure: seconds of wall time (the median when there are several samples)."""

    name: str
    command: str
    seconds: float
    samples: int
    target: str = ""
    note: str = ""


@dataclass
class Context:
    """What benchmarks share: how many samples, and a scratch folder removed at the end."""

    repeats: int
    smoke: bool
    scratch: Path
    env: dict[str, str] = field(default_factory=dict)


def _timed(argv: Sequence[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        list(argv), env=env, cwd=cwd, capture_output=True, text=True, timeout=RUN_TIMEOUT,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited {result.returncode}:\n{result.stderr[-2000:]}"
        )
    return elapsed


def _median_of(
    name: str, argv: Sequence[str], ctx: Context, *, shown: str, target: str = ""
) -> Figure:
    _timed(argv, ctx.env, ctx.scratch)
    samples = [_timed(argv, ctx.env, ctx.scratch) for _ in range(ctx.repeats)]
    return Figure(name, shown, statistics.median(samples), len(samples), target,
                  note="after one warm-up run")


def python_startup(ctx: Context) -> list[Figure]:
    """`python -c pass`: the floor every command stands on."""
    return [_median_of("python start-up", [PYTHON, "-c", "pass"], ctx,
                       shown=".venv/bin/python -c pass")]


def help_text(ctx: Context) -> list[Figure]:
    """`nqsync --help`."""
    return [_median_of("nqsync --help", [NQSYNC, "--help"], ctx, shown="nqsync --help",
                       target="≤ 0.3 s")]


def catalogue_json(ctx: Context) -> list[Figure]:
    """`nqsync catalogue --json`."""
    return [_median_of("nqsync catalogue --json", [NQSYNC, "catalogue", "--json"], ctx,
                       shown="nqsync catalogue --json", target="≤ 0.4 s")]


def _demo_twice(ctx: Context, *flags: str) -> tuple[str, float, float]:
    env = {**ctx.env, "PREFECT_HOME": str(ctx.scratch / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    argv = [NQSYNC, "demo", "--workdir", str(ctx.scratch / "demo"), *flags]
    shown = " ".join(["nqsync demo --workdir DIR", *flags])
    first = _timed(argv, env, ctx.scratch)
    again = _timed(argv, env, ctx.scratch)
    return shown, first, again


def demo(ctx: Context) -> list[Figure]:
    """A first `nqsync demo` in an empty folder with an empty Prefect home, then the rerun."""
    shown, first, again = _demo_twice(ctx)
    return [
        Figure("first nqsync demo", shown, first, 1, "≤ 30 s",
               note="in-process; empty folder and Prefect home, no PREFECT_API_URL"),
        Figure("nqsync demo, rerun", shown, again, 1, "≤ 10 s",
               note="same folder: nothing to write"),
    ]


def demo_through_prefect(ctx: Context) -> list[Figure]:
    """The same through Prefect's temporary server (`--prefect`), for comparison."""
    shown, first, again = _demo_twice(ctx, "--prefect")
    return [
        Figure("first nqsync demo --prefect", shown, first, 1,
               note="temporary server; creates and migrates an empty Prefect home"),
        Figure("nqsync demo --prefect, rerun", shown, again, 1,
               note="temporary server on the migrated home"),
    ]


Benchmark = Callable[[Context], list[Figure]]
BENCHMARKS: list[tuple[str, Benchmark]] = [
    ("python", python_startup),
    ("help", help_text),
    ("catalogue", catalogue_json),
    ("demo", demo),
    ("demo-prefect", demo_through_prefect),
]
"""Every benchmark, by name, in the order they run (`--only NAME` picks some)."""


def machine() -> dict[str, str]:
    """The machine the figures were taken on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return {
        "system": f"{platform.system()} {platform.release()}",
        "cpu": f"{cpu} ({os.cpu_count()} logical cores)",
        "memory": memory,
        "python": platform.python_version(),
        "load average (1, 5, 15 min) at start": load,
    }


def table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| benchmark | command | wall time (s) | samples | target | note |",
        "|---|---|---:|---:|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | `{f.command}` | {f.seconds:.3f} | {f.samples} | {f.target} | {f.note} |"
        )
    return "\n".join(lines)


def report(figures: Sequence[Figure], info: dict[str, str], *, when: datetime,
           repeats: int, smoke: bool, note: str) -> str:
    """BENCHMARKS.md: how to run, the machine and date, the figures."""
    about = "\n".join(f"- {key}: {value}" for key, value in info.items() if value)
    kind = "smoke run (one sample each; not figures to quote)" if smoke else (
        f"median of {repeats} runs after a warm-up for the short commands; "
        "one run each for the demo"
    )
    notes = f"\n{note}\n" if note else ""
    return f"""# Benchmarks

Written by `scripts/bench`: {kind}.

Every figure is the wall time of the real command run as a separate process; the targets are
those of issue 8 for a quiet CI machine. Timings are never asserted by tests. Rerun with
`./scripts/bench` (options: `--repeats N`, `--only NAME`, `--output FILE`, `--note TEXT`,
`--smoke`).

Taken {when:%Y-%m-%d %H:%M} UTC on:

{about}
{notes}
{table(figures)}
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the table and write the report."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one tiny run of each benchmark")
    parser.add_argument("--repeats", type=int, default=10, help="samples per short command")
    parser.add_argument("--only", action="append", choices=[n for n, _ in BENCHMARKS])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--note", default="", help="a line about the conditions, for the report")
    args = parser.parse_args(argv)
    repeats = 1 if args.smoke else max(1, args.repeats)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    info = machine()
    when = datetime.now(UTC)
    figures: list[Figure] = []
    scratch = Path(tempfile.mkdtemp(prefix="nqsync-bench-"))
    try:
        for name, benchmark in BENCHMARKS:
            if args.only and name not in args.only:
                continue
            ctx = Context(repeats=repeats, smoke=args.smoke, scratch=scratch / name, env=env)
            ctx.scratch.mkdir(parents=True)
            print(f"… {name}", file=sys.stderr, flush=True)
            figures.extend(benchmark(ctx))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(table(figures))
    args.output.write_text(
        report(figures, info, when=when, repeats=repeats, smoke=args.smoke, note=args.note),
        encoding="utf-8",
    )
    print(f"\nWritten to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
