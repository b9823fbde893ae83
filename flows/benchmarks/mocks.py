"""Each mock in a process of its own, served as `nqsync mock-servers` serves them, wrapped in a
`RequestLog` so that a benchmark reads what was asked and when, timed at the mock.

Processes of their own keep the mocks' work off the measured process (its CPU, its peak RSS,
its interpreter lock) and off each other, as two real remote systems would be.

`python -m flows.benchmarks.mocks [--systems theodoinq,nq71] [--latency-ms 20] [--rate 10]
[--burst 20] [--max-in-flight 4] [--seed N]` serves those mocks on free loopback ports and
prints one JSON line, e.g. `{"theodoinq": URL, "nq71": URL}`, then serves until SIGTERM or
SIGINT. `running_mocks(...)` starts one such process per system for the block and stops them.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp

from flows.benchmarks.requestlog import BENCH_PREFIX, Exchange, RequestLog

SYSTEMS = ("theodoinq", "nq71")
LATENCY_MS, RATE, BURST, MAX_IN_FLIGHT = 20, 10.0, 20, 4
"""The limits issue 11 measures against: `nqsync mock-servers --latency-ms 20 --rate 10
--burst 20 --max-in-flight 4`."""

START_TIMEOUT = 120
"""Seconds to wait for the mocks to answer (a safety net on a busy machine)."""


@dataclass(frozen=True)
class Mocks:
    """Where the mocks answer, and views of what they hold and were asked."""

    urls: dict[str, str]
    pids: tuple[int, ...] = ()
    """The processes serving them, when they are children of this one."""

    def cpu_seconds(self) -> float | None:
        """CPU seconds the mocks' processes have used so far (Linux `/proc`), or None."""
        if not self.pids:
            return None
        total = 0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                return None
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def state(self, system: str) -> dict[str, Any]:
        """`GET /_admin/state` of SYSTEM."""
        data: dict[str, Any] = httpx.get(f"{self.urls[system]}/_admin/state", timeout=120).json()
        return data

    def requests(self, system: str) -> list[Exchange]:
        """Every request SYSTEM's mock was asked since the last `clear`."""
        response = httpx.get(f"{self.urls[system]}{BENCH_PREFIX}/requests", timeout=120)
        response.raise_for_status()
        return [Exchange.from_json(item) for item in response.json()]

    def clear(self) -> None:
        """Empty both request logs."""
        for url in self.urls.values():
            httpx.post(f"{url}{BENCH_PREFIX}/clear", timeout=120).raise_for_status()


@contextlib.contextmanager
def running_mocks(seed: int = 11) -> Iterator[Mocks]:
    """Both mocks, each in a child process of its own, with issue 11's limits, for the block."""
    with contextlib.ExitStack() as stack:
        urls: dict[str, str] = {}
        pids: list[int] = []
        for system in SYSTEMS:
            child = stack.enter_context(_child(system, seed))
            assert child.stdout is not None
            line = child.stdout.readline()
            if not line:
                raise RuntimeError(f"the {system} mock did not start (exit {child.wait()})")
            urls.update(json.loads(line))
            pids.append(child.pid)
        mocks = Mocks(urls, tuple(pids))
        _wait_until_answering(mocks)
        yield mocks


@contextlib.contextmanager
def _child(system: str, seed: int) -> Iterator["subprocess.Popen[str]"]:
    argv = [
        sys.executable, "-m", "flows.benchmarks.mocks", "--systems", system, "--seed", str(seed),
        "--latency-ms", str(LATENCY_MS), "--rate", str(RATE), "--burst", str(BURST),
        "--max-in-flight", str(MAX_IN_FLIGHT),
    ]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _wait_until_answering(mocks: Mocks) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    for url in mocks.urls.values():
        while True:
            try:
                httpx.get(f"{url}{BENCH_PREFIX}/requests", timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the mocks asked for, wrapped in request logs, until stopped (see the module's
    docstring)."""
    from mock_servers.common.server import base_url, bind, run_forever
    from mock_servers.nq71 import Nq71MockConfig
    from mock_servers.nq71 import create_app as create_nq71
    from mock_servers.theodoinq import TheodoinqMockConfig
    from mock_servers.theodoinq import create_app as create_theodoinq

    parser = argparse.ArgumentParser(prog="python -m flows.benchmarks.mocks")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--latency-ms", type=int, default=LATENCY_MS)
    parser.add_argument("--rate", type=float, default=RATE)
    parser.add_argument("--burst", type=int, default=BURST)
    parser.add_argument("--max-in-flight", type=int, default=MAX_IN_FLIGHT)
    args = parser.parse_args(argv)
    systems = [s for s in args.systems.split(",") if s]
    if not systems or set(systems) - set(SYSTEMS):
        parser.error(f"--systems takes {', '.join(SYSTEMS)} (comma-separated)")
    created: dict[str, ASGIApp] = {}
    if "theodoinq" in systems:
        created["theodoinq"] = create_theodoinq(
            TheodoinqMockConfig(
                seed=args.seed, latency_ms=args.latency_ms, rate=args.rate, burst=args.burst
            )
        )
    if "nq71" in systems:
        created["nq71"] = create_nq71(
            Nq71MockConfig(
                seed=args.seed, latency_ms=args.latency_ms, max_in_flight=args.max_in_flight
            )
        )
    apps = {system: (RequestLog(app), bind("127.0.0.1", 0)) for system, app in created.items()}
    print(json.dumps({system: base_url(sock) for system, (_, sock) in apps.items()}), flush=True)
    run_forever(list(apps.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
