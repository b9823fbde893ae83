"""End-to-end fixtures: one Prefect test server per session, fresh mock servers per test."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

AS_OF = date(2026, 11, 27)


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
def world(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
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
        get_settings.cache_clear()
        yield World(theodoinq, nq71, demo.source, demo.assignments, env, tmp_path)
    get_settings.cache_clear()
