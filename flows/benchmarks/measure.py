"""What the benchmarks measure with: CPU time, wall time, peak RSS; and their command line."""

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

MIB = 1024 * 1024


def peak_rss_mib() -> float:
    """The process's peak resident set so far, in MiB (`ru_maxrss`: KiB on Linux, bytes on
    macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024
    return round(peak * scale / MIB, 1)


@dataclass
class Timing:
    """CPU and wall seconds of a block, filled when it ends (unrounded: round for output)."""

    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Timing]:
    """Measure the CPU (`process_time`) and wall (`perf_counter`) time of the block."""
    timing = Timing()
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        yield timing
    finally:
        timing.cpu_seconds = time.process_time() - cpu
        timing.wall_seconds = time.perf_counter() - wall


def per_second(count: int, seconds: float) -> float:
    """COUNT per second over SECONDS (0 when nothing was timed)."""
    return round(count / seconds, 1) if seconds > 0 else 0.0


def run_cli(
    prog: str,
    argv: Sequence[str] | None,
    benchmark: Callable[[argparse.Namespace], Mapping[str, object]],
    add_arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None,
) -> int:
    """Parse `--size N [--json]` (and ADD_ARGUMENTS'), run BENCHMARK, print its figures: one
    JSON object with `--json`, else one `name: value` line each."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--size", type=int, required=True, help="how many entries or records")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.size < 0:
        parser.error("--size must not be negative")
    figures = benchmark(args)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for name, value in figures.items():
            print(f"{name}: {value}")
    return 0


def reset_peak_rss() -> bool:
    """Make the peak resident set the current one (Linux: `5` to `/proc/self/clear_refs`, which
    `ru_maxrss` follows), so a later `peak_rss_mib` is the peak since now; False if it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as control:
            control.write("5")
    except OSError:
        return False
    return True

