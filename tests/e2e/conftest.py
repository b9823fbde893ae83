"""End-to-end fixtures: one Prefect test server per session, fresh mock servers per test."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

AS_OF = date(2026, 11, 27)
NQSYNC = str(Path(sys.executable).parent / "nqsync")
"""The installed console script, run as a person runs it."""
COMMAND_TIMEOUT = 900


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def nqsync(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `nqsync` command with ENV (no PREFECT_API_URL unless ENV has one)."""
    base = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return subprocess.run(
        [NQSYNC, *args], capture_output=True, text=True, env={**base, **env}, cwd=cwd,
        timeout=COMMAND_TIMEOUT, check=False,
    )


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """A Prefect server for the whole session (its startup costs seconds); its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


@dataclass
class World:
    """Mocks on loopback, the environment pointing at them, and the demo's sample source."""

    theodoinq: str
    nq71: str
    source: Path
    assignments: Path
    env: dict[str, str]
    root: Path

    def state(self, system: str) -> dict[str, Any]:
        url = self.theodoinq if system == "theodoinq" else self.nq71
        data: dict[str, Any] = httpx.get(f"{url}/_admin/state", timeout=30).json()
        return data

    def admin(self, system: str, path: str, body: dict[str, Any]) -> Any:
        url = self.theodoinq if system == "theodoinq" else self.nq71
        response = httpx.post(f"{url}/_admin/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def writes(self) -> dict[str, int]:
        keys = {"theodoinq": ("saves", "uploads", "submits"),
                "nq71": ("posts", "puts", "attachments", "parts")}
        return {
            system: sum(int(self.state(system)["counts"][k]) for k in names)
            for system, names in keys.items()
        }


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Both mocks on loopback, the environment pointing at them, the demo's sample source."""
    from flows.demo_data import write_demo_source
    from mock_servers.common.server import serving
    from mock_servers.nq71 import Nq71MockConfig
    from mock_servers.nq71 import create_app as create_nq71
    from mock_servers.theodoinq import TheodoinqMockConfig
    from mock_servers.theodoinq import create_app as create_theodoinq
    from models.settings import get_settings

    demo = write_demo_source(tmp_path / "work", AS_OF)
    theodoinq_app = create_theodoinq(TheodoinqMockConfig(seed=11, rate=200, burst=100))
    nq71_app = create_nq71(Nq71MockConfig(seed=11))
    with serving(theodoinq_app) as theodoinq, serving(nq71_app) as nq71:
        env = {
            "NQSYNC_ENV": "development",
            "NQSYNC_THEODOINQ_URL": theodoinq,
            "NQSYNC_NQ71_URL": nq71,
            "NQSYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
            "NQSYNC_REPORT_DIR": str(tmp_path / "reports"),
            "NQSYNC_ASSIGNMENTS": str(demo.assignments),
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("PREFECT_API_URL", raising=False)
        get_settings.cache_clear()
        yield World(theodoinq, nq71, demo.source, demo.assignments, env, tmp_path)
    get_settings.cache_clear()


async def run_logs(flow_run_id: Any, wanted: str, timeout: float = 60) -> list[str]:
    """The flow run's log messages, once one containing WANTED has arrived (or at timeout)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while True:
            logs = await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
            )
            messages = [log.message for log in logs]
            if any(wanted in m for m in messages) or time.monotonic() > deadline:
                return messages
            await asyncio.sleep(0.5)


def _descendant_commands(root: int) -> list[str]:
    """Command lines of every live descendant of process ROOT, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[str] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            try:
                raw = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            found.append(raw.replace(b"\0", b" ").decode("utf-8", "replace"))
            stack.append(child)
    return found


@dataclass
class Watched:
    """A finished command, with the command lines of the child processes seen while it ran."""

    returncode: int
    stdout: str
    stderr: str
    children: set[str]


def nqsync_watched(
    *args: str, env: dict[str, str], cwd: Path, drop: tuple[str, ...] = ()
) -> Watched:
    """Run the real `nqsync` like `nqsync()` (without the variables in DROP either), looking
    at its child processes as it runs."""
    gone = {"PREFECT_API_URL", *drop}
    base = {k: v for k, v in os.environ.items() if k not in gone}
    out, err = cwd / "stdout.txt", cwd / "stderr.txt"
    seen: set[str] = set()
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [NQSYNC, *args], stdout=stdout, stderr=stderr, env={**base, **env}, cwd=cwd
        )
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while process.poll() is None:
            seen.update(_descendant_commands(process.pid))
            if time.monotonic() > deadline:
                process.kill()
                break
            time.sleep(0.05)
        code = process.wait()
    return Watched(code, out.read_text("utf-8"), err.read_text("utf-8"), seen)
