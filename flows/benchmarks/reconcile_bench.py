"""Reconciliation at scale: CPU time and peak RSS of the diff of N entries.

`reconcile(n)` builds a synthetic real run of N entries as plain data
(`datasets.synthetic_reconciliation`), then times `flows.reconcile.diff_rows` and the summary.
With `emit`, it also times the edge: each row turned into the report's `Entry` and dumped as
JSON one at a time (streamed, never all held as models), as a writer at this scale would.

`python -m flows.benchmarks.reconcile_bench --size N [--emit] --json`
"""

import argparse
import sys
from collections.abc import Sequence

from flows.benchmarks.datasets import synthetic_reconciliation
from flows.benchmarks.measure import peak_rss_mib, run_cli, timed
from flows.reconcile import diff_rows, summarise, to_entry


def reconcile(n: int, *, emit: bool = False) -> dict[str, object]:
    """Figures of the diff of about N entries (see the module's docstring)."""
    with timed() as building:
        case = synthetic_reconciliation(n)
    input_rss = peak_rss_mib()
    with timed() as diffing:
        rows = diff_rows(
            case.system, case.selected, case.remotes, case.changes, case.results, case.skipped
        )
        summary = summarise(rows)
    figures: dict[str, object] = {
        "benchmark": "reconcile",
        "size": n,
        "entries": len(rows),
        "cpu_seconds": round(diffing.cpu_seconds, 4),
        "wall_seconds": round(diffing.wall_seconds, 4),
        "build_cpu_seconds": round(building.cpu_seconds, 4),
        "input_peak_rss_mib": input_rss,
        "peak_rss_mib": peak_rss_mib(),
        "summary": summary,
    }
    if emit:
        written = 0
        with timed() as emitting:
            for row in rows:
                written += len(to_entry(row).model_dump_json())
        figures["emit_cpu_seconds"] = round(emitting.cpu_seconds, 4)
        figures["emit_bytes"] = written
        figures["peak_rss_mib"] = peak_rss_mib()
    return figures


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--emit", action="store_true", help="also time turning each row into an Entry as JSON"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    return run_cli(
        "python -m flows.benchmarks.reconcile_bench",
        argv,
        lambda args: reconcile(args.size, emit=args.emit),
        _arguments,
    )


if __name__ == "__main__":
    sys.exit(main())
