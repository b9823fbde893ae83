"""nqsync's benchmarks: each runs as a process of its own; the figures go to a table.

Add a benchmark by writing a function `(Context) -> list[Figure]` and listing it in
`BENCHMARKS`. The short commands are timed here (median of `--repeats` after a warm-up); the
others are the `flows.benchmarks` modules' command lines, which print one JSON object.
`--smoke` runs each one as small as it goes (one sample, tiny sizes, no `demo-prefect`) so that
a test keeps this script from rotting; figures are never checked against goals by tests.
"""

import argparse
import json
import operator
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
NQSYNC = str(VENV_BIN / "nqsync")
PYTHON = str(VENV_BIN / "python")
DEFAULT_OUTPUT = ROOT / "BENCHMARKS.md"
RUN_TIMEOUT = 3600

RECONCILE_SIZES = (10_000, 100_000, 1_750_000)
SMOKE_RECONCILE_SIZES = (50, 200, 500)
LEDGER_SIZE, SMOKE_LEDGER_SIZE = 5_000, 100
UPLOAD_MIB, SMOKE_UPLOAD_MIB = 50, 2
RECORD_MONTHS, SMOKE_RECORD_MONTHS, SMOKE_NAIVE = 6, 1, 10


@dataclass(frozen=True)
class Goal:
    """A bound a figure should keep: `≤ 0.05`, `≥ 9`, `< 1`, `= 0`."""

    op: str
    bound: float
    unit: str = ""

    def met(self, value: float) -> bool:
        """Whether VALUE keeps the bound."""
        compare: dict[str, Callable[[float, float], bool]] = {
            "≤": operator.le, "≥": operator.ge, "<": operator.lt, "=": operator.eq,
        }
        return compare[self.op](value, self.bound)

    def __str__(self) -> str:
        return f"{self.op} {_number(self.bound)}{' ' + self.unit if self.unit else ''}"


@dataclass(frozen=True)
class Figure:
    """One measured figure (None when it could not be measured here) and its goal, if any."""

    name: str
    value: float | None
    unit: str
    command: str
    goal: Goal | None = None
    samples: int = 1
    note: str = ""

    @property
    def met(self) -> bool | None:
        """Whether the goal is met (None without a goal or a value)."""
        if self.goal is None or self.value is None:
            return None
        return self.goal.met(self.value)


@dataclass
class Context:
    """What benchmarks share: how many samples, smoke or not, and a scratch folder."""

    repeats: int
    smoke: bool
    scratch: Path
    env: dict[str, str] = field(default_factory=dict)


def _run(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        list(argv), env=dict(env), cwd=cwd, capture_output=True, text=True,
        timeout=RUN_TIMEOUT, check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited {result.returncode}:\n{result.stderr[-3000:]}"
        )
    return elapsed, result.stdout


def _timed(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> float:
    return _run(argv, env, cwd)[0]


def _figures_of(module: str, args: Sequence[str], ctx: Context) -> tuple[dict[str, Any], str]:
    """Run `python -m flows.benchmarks.MODULE ARGS --json` from the repo root; its figures
    and the command as shown."""
    argv = [PYTHON, "-m", f"flows.benchmarks.{module}", *args, "--json"]
    _, out = _run(argv, {**ctx.env, "PREFECT_HOME": str(ctx.scratch / "prefect-home")}, ROOT)
    lines = out.strip().splitlines()
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures, " ".join(["python -m", f"flows.benchmarks.{module}", *args, "--json"])


def _median_of(
    name: str, argv: Sequence[str], ctx: Context, *, shown: str, goal: Goal | None = None
) -> Figure:
    _timed(argv, ctx.env, ctx.scratch)
    samples = [_timed(argv, ctx.env, ctx.scratch) for _ in range(ctx.repeats)]
    return Figure(name, statistics.median(samples), "s", shown, goal, len(samples),
                  note="wall; median after one warm-up run")


def python_startup(ctx: Context) -> list[Figure]:
    """`python -c pass`: the floor every command stands on."""
    return [_median_of("python start-up", [PYTHON, "-c", "pass"], ctx,
                       shown=".venv/bin/python -c pass")]


def help_text(ctx: Context) -> list[Figure]:
    """`nqsync --help`."""
    return [_median_of("nqsync --help", [NQSYNC, "--help"], ctx, shown="nqsync --help",
                       goal=Goal("≤", 0.3, "s"))]


def catalogue_json(ctx: Context) -> list[Figure]:
    """`nqsync catalogue --json`."""
    return [_median_of("nqsync catalogue --json", [NQSYNC, "catalogue", "--json"], ctx,
                       shown="nqsync catalogue --json", goal=Goal("≤", 0.4, "s"))]


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
        Figure("first nqsync demo", first, "s", shown, Goal("≤", 30, "s"),
               note="wall; in-process; empty folder and Prefect home, no PREFECT_API_URL"),
        Figure("nqsync demo, rerun", again, "s", shown, Goal("≤", 10, "s"),
               note="wall; same folder: nothing to write"),
    ]


def demo_through_prefect(ctx: Context) -> list[Figure]:
    """The same through Prefect's temporary server (`--prefect`), for comparison."""
    shown, first, again = _demo_twice(ctx, "--prefect")
    return [
        Figure("first nqsync demo --prefect", first, "s", shown,
               note="wall; temporary server; creates and migrates an empty Prefect home"),
        Figure("nqsync demo --prefect, rerun", again, "s", shown,
               note="wall; temporary server on the migrated home"),
    ]


def _kinds(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counts.items()) or "none"


def sync_runs(ctx: Context) -> list[Figure]:
    """Full run and no-op rerun on the record set, push rates, a naive client (`sync_bench`)."""
    args = (["--size", str(SMOKE_RECORD_MONTHS), "--naive", str(SMOKE_NAIVE)] if ctx.smoke
            else ["--size", str(RECORD_MONTHS)])
    data, shown = _figures_of("sync_bench", args, ctx)
    full, noop, push, naive = data["full"], data["noop"], data["push"], data["naive"]
    n = data["records"]
    figures = [
        Figure(f"full run, {n} records: wall", full["wall_seconds"], "s", shown,
               note=f"in-process `run_sync`, fresh ledger and mocks; {_cpu(full)}; "
                    f"{_stages(full)}"),
        Figure("no-op rerun: wall", noop["wall_seconds"], "s", shown,
               note=f"same source, ledger and mocks; {_cpu(noop)}; {_stages(noop)}"),
        Figure("no-op / full run, wall", data["noop_ratio"], "×", shown, Goal("≤", 0.05)),
    ]
    for run, label in ((full, "full run"), (noop, "no-op")):
        for system in ("theodoinq", "nq71"):
            figures.append(Figure(
                f"{label}: {system} requests", run["requests"][system], "", shown,
                note=f"{_kinds(run['requests_by_kind'][system])}; "
                     f"429: {run['rate_limited'][system]}",
            ))
        for system in ("theodoinq", "nq71"):
            goal = Goal("=", 0) if run is noop else None
            figures.append(Figure(f"{label}: {system} writes", run["writes"][system], "", shown,
                                  goal, note="`writes` of `GET /_admin/state`"))
    for system in ("theodoinq", "nq71"):
        periods = noop["listings_per_period"][system]
        figures.append(Figure(
            f"no-op: {system} listings per period (most)",
            noop["most_listings_per_period"][system], "", shown, Goal("≤", 1),
            note=("per grant (`grant_id`): " if system == "theodoinq" else "per period: ")
            + (", ".join(f"{p} {k}" for p, k in periods.items()) or "none"),
        ))
        figures.append(Figure(
            f"no-op: {system} per-report reads", noop["per_report_reads"][system], "", shown,
            Goal("=", 0),
            note="theodoinq `files/{id}`" if system == "theodoinq"
            else "nq71 `bao-cao/{id}`, `bao-cao/{id}/minh-chung`",
        ))
    figures += _push_figures(push, naive, shown)
    four = data.get("four_workers", {}).get("nq71")
    if four is not None:
        figures.append(Figure(
            "four httpx workers doing nothing else, nq71: mean requests in flight",
            four["mean_in_flight"], "of 4", shown,
            note=f"the naive client's {four['requests']} requests from 4 workers on one "
                 f"`httpx.AsyncClient`, {four['requests_per_second']:.1f}/s: what any httpx "
                 f"client gets from this mock on this machine",
        ))
    return figures


def _cpu(run: Mapping[str, Any]) -> str:
    mocks = run.get("mock_cpu_seconds")
    return f"CPU {run['cpu_seconds']:.1f} s" + (
        "" if mocks is None else f" (the mocks' processes: {mocks:.1f} s)"
    )


def _stages(run: Mapping[str, Any]) -> str:
    stages: Mapping[str, float] = run["stages"]
    return "stages (s): " + ", ".join(f"{name} {s:.2f}" for name, s in stages.items())


def _push_figures(
    push: Mapping[str, Any], naive: Mapping[str, Any], shown: str
) -> list[Figure]:
    theodoinq, nq71 = push.get("theodoinq"), push.get("nq71")
    t_naive, n_naive = naive["theodoinq"], naive["nq71"]
    figures: list[Figure] = []
    if theodoinq is not None:
        figures += [
            Figure("theodoinq push: accepted requests/s", theodoinq["accepted_per_second"],
                   "req/s", shown, Goal("≥", 9, "req/s"),
                   note=f"{theodoinq['accepted']} accepted over the push stage's "
                        f"{theodoinq['seconds']:.1f} s (mock: 10/s, bursts of 20)"),
            Figure("theodoinq push: share of 429", 100 * theodoinq["share_429"], "%", shown,
                   Goal("<", 1, "%"),
                   note=f"{theodoinq['rate_limited']} of {theodoinq['requests']} requests"),
        ]
    figures += [
        Figure("naive sequential client, theodoinq: accepted requests/s",
               t_naive["accepted_per_second"], "req/s", shown,
               note=f"{t_naive['accepted']} uploads one after another, a 429 resent at once; "
                    f"429: {100 * t_naive['share_429']:.1f} % of {t_naive['requests']}"),
    ]
    if nq71 is not None:
        figures.append(Figure(
            "nq71 push: mean requests in flight at nqsync's HTTP client", nq71.get("mean_held"),
            "of 4", shown, Goal("≥", 3.6),
            note="from handing a request to `httpx.AsyncClient.send` until its answer is read "
                 "in full: nqsync's own count (its `pacing` log event) over the push stage; "
                 "issue 11's 3.65 was this figure (see How each figure is taken)",
        ))
        figures.append(Figure(
            "nq71 push: mean requests in flight, timed at the mock", nq71["mean_in_flight"],
            "of 4", shown,
            note=f"{nq71['requests']} API requests over the push stage's "
                 f"{nq71['seconds']:.1f} s ({nq71['requests_per_second']:.1f}/s); "
                 f"throttled (429): {nq71['throttled']}; from the request reaching the mock's "
                 f"app to the answer sent: time in both HTTP stacks and event loops counts as "
                 f"out of flight (stricter; its ceiling here is the four-worker row below)",
        ))
    figures.append(Figure(
        "naive sequential client, nq71: mean requests in flight", n_naive["mean_in_flight"],
        "of 4", shown,
        note=f"{n_naive['requests']} requests one after another (start, part, finish per "
             f"file), {n_naive['requests_per_second']:.1f}/s",
    ))
    return figures


def large_upload(ctx: Context) -> list[Figure]:
    """One large evidence file pushed to nq71 through its adapter (`upload_bench`)."""
    mib = SMOKE_UPLOAD_MIB if ctx.smoke else UPLOAD_MIB
    data, shown = _figures_of("upload_bench", ["--size", str(mib)], ctx)
    reset = "" if data["peak_reset"] else "; peak could not be reset: growth from the prior peak"
    return [Figure(
        f"{mib} MiB evidence to nq71: peak RSS growth", data["rss_growth_mib"], "MiB", shown,
        Goal("≤", 16, "MiB"),
        note=f"{data['parts']} parts in {data['wall_seconds']:.1f} s; RSS "
             f"{data['rss_before_mib']} → peak {data['peak_rss_mib']} MiB{reset}",
    )]


def reconciliation(ctx: Context) -> list[Figure]:
    """The diff of N entries, each size in a process of its own (`reconcile_bench`)."""
    sizes = SMOKE_RECONCILE_SIZES if ctx.smoke else RECONCILE_SIZES
    figures: list[Figure] = []
    for size in sizes:
        data, shown = _figures_of("reconcile_bench", ["--size", str(size), "--emit"], ctx)
        largest = size == sizes[-1] and not ctx.smoke
        label = "reconciliation, " + f"{size:,} entries".replace(",", " ")
        figures += [
            Figure(f"{label}: CPU", data["cpu_seconds"], "s", shown,
                   Goal("≤", 30, "s") if largest else None,
                   note=f"the diff and its summary of {data['entries']} entries; input built in "
                        f"{data['build_cpu_seconds']:.1f} s; each entry to a report `Entry` "
                        f"as JSON: {data['emit_cpu_seconds']:.1f} s more"),
            Figure(f"{label}: peak RSS", data["peak_rss_mib"], "MiB", shown,
                   Goal("≤", 2048, "MiB") if largest else None,
                   note=f"the process's, input included ({data['input_peak_rss_mib']} MiB "
                        "after building it)"),
        ]
    return figures


_LEDGER_RATES = (
    ("sync_state_insert_per_second", "sync state, a stage's receipts in one commit, new rows"),
    ("sync_state_update_per_second", "sync state, a stage's receipts in one commit, same keys"),
    ("seen_attachments_insert_per_second", "`remember_attachments` in one call, new rows"),
    ("seen_attachments_update_per_second", "`remember_attachments` in one call, same keys"),
    ("file_hash_insert_per_second", "file-hash cache in one call, new rows"),
    ("file_hash_update_per_second", "file-hash cache in one call, same keys"),
)


def ledger_writes(ctx: Context) -> list[Figure]:
    """Ledger records/s on SQLite and on a throwaway PostgreSQL cluster (`ledger_bench`)."""
    size = SMOKE_LEDGER_SIZE if ctx.smoke else LEDGER_SIZE
    figures: list[Figure] = []
    for label, extra in (("SQLite", []), ("PostgreSQL", ["--postgres"])):
        data, shown = _figures_of("ledger_bench", ["--size", str(size), *extra], ctx)
        missing = data.get("not_measured")
        for key, what in _LEDGER_RATES:
            figures.append(Figure(
                f"ledger on {label}: {what}", None if missing else data[key], "records/s",
                shown, Goal("≥", 20_000, "records/s"),
                note=f"not measured: {missing}" if missing
                else f"{size} records; median of {data.get('repeats', 1)} rounds on new keys",
            ))
    return figures


Benchmark = Callable[[Context], list[Figure]]
BENCHMARKS: list[tuple[str, Benchmark, bool]] = [
    ("python", python_startup, True),
    ("help", help_text, True),
    ("catalogue", catalogue_json, True),
    ("demo", demo, True),
    ("demo-prefect", demo_through_prefect, False),
    ("sync", sync_runs, True),
    ("upload", large_upload, True),
    ("reconcile", reconciliation, True),
    ("ledger", ledger_writes, True),
]
"""Every benchmark: name (`--only NAME` picks some), function, and whether `--smoke` runs it."""


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


def _number(value: float) -> str:
    if isinstance(value, int) or abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _value(figure: Figure) -> str:
    if figure.value is None:
        return "not measured"
    return f"{_number(figure.value)} {figure.unit}".strip()


def _met(figure: Figure) -> str:
    return {None: "", True: "yes", False: "**no**"}[figure.met]


def table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| figure | value | goal | met | command | note |",
        "|---|---:|---|---|---|---|",
    ]
    for f in figures:
        goal = str(f.goal) if f.goal else ""
        lines.append(
            f"| {f.name} | {_value(f)} | {goal} | {_met(f)} | `{f.command}` | {f.note} |"
        )
    return "\n".join(lines)


def report(figures: Sequence[Figure], info: dict[str, str], *, when: datetime,
           repeats: int, smoke: bool, note: str) -> str:
    """BENCHMARKS.md: how to run, the machine and date, the figures, how each is measured."""
    about = "\n".join(f"- {key}: {value}" for key, value in info.items() if value)
    kind = "smoke run (one sample each, tiny sizes; not figures to quote)" if smoke else (
        f"median of {repeats} runs after a warm-up for the short commands; one run each for "
        "the others"
    )
    notes = f"\n{note}\n" if note else ""
    goals = [f for f in figures if f.goal is not None and f.value is not None]
    missed = [f.name for f in goals if f.met is False]
    verdict = (
        f"{len(goals) - len(missed)} of {len(goals)} goals met"
        + (f"; not met: {'; '.join(missed)}." if missed else ".")
    )
    return f"""# Benchmarks

Written by `scripts/bench`: {kind}.

Taken {when:%Y-%m-%d %H:%M} UTC on:

{about}
{notes}
{verdict} Goals are those of issues 8 and 11, for a quiet machine; tests never assert them.

{table(figures)}

## Reproduce

```bash
./scripts/bench                     # everything, rewrites BENCHMARKS.md (about 6 minutes)
./scripts/bench --smoke --output /tmp/b.md   # tiny sizes, under a minute (what CI runs)
./scripts/bench --only sync --only upload    # some: {", ".join(n for n, _, _ in BENCHMARKS)}
```

Options: `--repeats N` (samples of the short commands), `--only NAME`, `--output FILE`,
`--note TEXT`, `--smoke`. Each benchmark runs as a process of its own; the command column
gives the command line of each (run from the repository root with `.venv/bin/python`; add
`--json` for the raw figures).

## How each figure is taken

- **Short commands and the demo**: wall time of the real command, a process of its own.
- **Full run and no-op rerun** (`flows.benchmarks.sync_bench --size MONTHS`): the record set
  of 44 targets × MONTHS months, one workbook per lead unit and month and one PDF per record
  (`flows.benchmarks.datasets`), synced by `flows.pipeline.run_sync` in-process (no Prefect)
  on a fresh SQLite ledger, against both mocks with `--latency-ms 20 --rate 10 --burst 20
  --max-in-flight 4`, each served in a process of its own (`flows.benchmarks.mocks`) as
  `nqsync mock-servers` serves them. Then the same run again: nothing changed, the no-op.
  Every request is logged at the mock by an ASGI middleware (`flows.benchmarks.requestlog`):
  requests by kind, listings per period (theodoinq: report reads per `grant_id`; nq71:
  `bao-cao` list pages per `ky_bao_cao`) and per-report reads come from that log; writes
  and 429s from `GET /_admin/state` before and after.
- **Push rates**: over each push stage, timed by the stage runner given to `run_sync` on the
  same monotonic clock as the mocks' log. theodoinq: requests answered other than 429 per
  second, and the share answered 429. nq71: mean API requests in flight, two ways over the
  same stage. At nqsync's HTTP client: the request-seconds its pacer's places were held (a
  place is held for the whole of `httpx.AsyncClient.send`, from handing the request over to
  its answer read in full; the `pacing` log event) over the stage's length. Timed at the
  mock: the time each request spent in the mock's app within the stage, summed over the
  stage's length (429s and token requests left out). The naive client is a plain loop of
  httpx requests against the same mocks in the same run, one at a time, the same kind of
  writes (theodoinq: one upload per PDF; nq71: start, one part, finish per PDF), a 429 resent
  at once. Beside nqsync's nq71 figures, the naive client's nq71 uploads again from four
  workers on one `httpx.AsyncClient`, the files read beforehand and nothing else done: the
  most an httpx client gets at this mock on this machine.
- **Which nq71 figure carries the goal**: the one at the client. Issue 11 measured 3.65 of 4
  on the code of its time and asked to keep it; that figure can only have been taken at the
  client. The code of then (commit 8269b18), run on the same 264 records (nq71 alone, each
  `httpx.AsyncClient.send` timed from outside, two runs each, 2026-12-02) had 3.81 and 3.85
  in flight at its HTTP client, but 1.55 and 1.61 timed at the mock of then (`nqsync
  mock-servers` of that commit: asyncio, h11, Nagle on), and 3.09 and 3.29 at today's mock;
  today's code, timed the same way at today's mock, 3.96 and 3.97 at the client (its pacer's
  count agrees) and 3.22 and 3.32 at the mock. Timed at the mock, a request's time in both
  HTTP stacks and both event loops counts as out of flight, and on a real network so would
  the round trip, which no client controls. That stricter figure stays in the table, without
  a goal.
- **Serving the mocks**: uvicorn with httptools, on uvloop (both dependencies of nqsync), one
  process per system: the time a request spends in a Python server outside its app (parsing,
  waiting for the server's loop) counts as out of flight, and a real gateway spends far less.
- **The mocks' sockets** have Nagle's algorithm off (`TCP_NODELAY`, set by their `bind`), as
  any real server's: with it on, every answer's body waits for the client's delayed ACK of
  its head, about 40 ms a request on Linux, time spent outside both nqsync and the mock.
- **Large evidence** (`flows.benchmarks.upload_bench --size MIB`): one in-progress record whose
  evidence is a MIB MiB PDF-looking file, fetched, planned and pushed by the nq71 adapter on a
  fresh ledger; the peak RSS (`ru_maxrss`) is reset once planning is done and the growth is
  the peak during the push over the RSS at its start.
- **Reconciliation** (`flows.benchmarks.reconcile_bench --size N --emit`): the diff and summary
  of a synthetic run of N entries as plain data; CPU time of the diff; the process's peak RSS.
- **Ledger** (`flows.benchmarks.ledger_bench --size N [--postgres]`): each kind of write a run
  makes, for N records, then again on the same keys: the receipts a push stage notes in its
  journal (`LedgerBatch.receipt` each, then one `Ledger.commit`: the stage's bulk upsert), the
  attachments remembered after a fetch (`Ledger.remember_attachments`, one call) and the
  file-hash cache (`remember`, one call); each figure the median of 3 rounds, each on new keys;
  on a fresh SQLite file and on a throwaway PostgreSQL cluster (`initdb`, `fsync=off`) when
  the machine can start one, else "not measured". On PostgreSQL a bulk upsert of 64 rows or
  more is a COPY into a staging table and one `INSERT … SELECT … ON CONFLICT` (`models.bulk`).
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the table and write the report."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one tiny run of each benchmark")
    parser.add_argument("--repeats", type=int, default=10, help="samples per short command")
    parser.add_argument("--only", action="append", choices=[n for n, _, _ in BENCHMARKS])
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
        for name, benchmark, in_smoke in BENCHMARKS:
            if (args.only and name not in args.only) or (args.smoke and not in_smoke):
                continue
            ctx = Context(repeats=repeats, smoke=args.smoke, scratch=scratch / name, env=env)
            ctx.scratch.mkdir(parents=True)
            print(f"… {name}", file=sys.stderr, end="", flush=True)
            started = time.perf_counter()
            figures.extend(benchmark(ctx))
            print(f" ({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
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
