"""Kill at every step: the real `nqsync sync` process is SIGKILLed right after its Nth write,
for every N of a full run of each system, then run again: the remote converges to a clean
run's, with nothing twice, no false conflict, and no intent left open.

The mock's freeze (`POST /_admin/freeze {"after_writes": N}`) holds every request after the
Nth committed write, so the process is known to be stopped exactly there when it is killed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import PERIOD, World, duplicates, statuses, world

pytestmark = pytest.mark.reliability

NQSYNC = str(Path(sys.executable).parent / "nqsync")
SAFETY_TIMEOUT = 600.0
"""Bounds a hang; nothing asserts on time."""


def full_run_writes(tmp: Path, system: str) -> tuple[int, dict[str, Any]]:
    """How many writes a clean run of SYSTEM makes, and what the remote then holds."""
    with world(tmp) as rig:
        assert not rig.sync(systems=(system,)).report.failed()
        return int(rig.state(system)["writes"]), rig.view()[system]


def start(rig: World, system: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | rig.env
    return subprocess.Popen(
        [NQSYNC, "sync", "--source", str(rig.source), "--system", system, "--period", PERIOD],
        env=env, cwd=rig.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def kill_when_held(rig: World, system: str, process: subprocess.Popen[bytes]) -> bool:
    """SIGKILL PROCESS once the mock holds one of its requests; whether it was still running."""
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while process.poll() is None:
        if rig.state(system)["held"] >= 1:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the run neither wrote nor ended")
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("system", ["theodoinq", "nq71"])
def test_killed_after_every_write_then_rerun_converges(
    tmp_path: Path, system: str
) -> None:
    """For each N, kill after the Nth write, rerun: the clean result, nothing twice."""
    total, clean = full_run_writes(tmp_path / "clean", system)
    assert total >= 3
    for n in range(1, total + 1):
        with world(tmp_path / f"kill-{n}") as rig:
            rig.admin(system, "POST", "freeze", {"after_writes": n})
            process = start(rig, system)
            assert kill_when_held(rig, system, process), f"run ended before write {n + 1}"
            assert rig.state(system)["writes"] == n
            rig.admin(system, "DELETE", "freeze")
            rerun = rig.sync(systems=(system,))
            counts = statuses(rerun)[system]
            assert counts["conflict"] == 0 and counts["failed"] == 0, (n, counts)
            view = rig.view()
            assert duplicates(view) == [], n
            assert view[system] == clean, n
            assert rig.open_intents() == 0, n
