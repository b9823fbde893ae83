"""A real run of the pipeline (no Prefect) against both mocks on loopback, for the report tests."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import AS_OF

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class Runs:
    """The reports of a dry run, then of a real run, on the demo's sample source."""

    dry: Path
    real: Path


@contextmanager
def pipeline_runs(root: Path) -> Iterator[Runs]:
    """Serve fresh mocks, point the settings at them, run a dry run then a real run."""
    from flows.demo_data import write_demo_source
    from flows.pipeline import SyncRequest, run_sync
    from mock_servers.common.server import serving
    from mock_servers.nq71 import Nq71MockConfig
    from mock_servers.nq71 import create_app as create_nq71
    from mock_servers.theodoinq import TheodoinqMockConfig
    from mock_servers.theodoinq import create_app as create_theodoinq
    from models.settings import get_settings

    demo = write_demo_source(root / "work", AS_OF)
    theodoinq_app = create_theodoinq(TheodoinqMockConfig(seed=11, rate=200, burst=100))
    with (
        serving(theodoinq_app) as theodoinq,
        serving(create_nq71(Nq71MockConfig(seed=11))) as nq71,
        pytest.MonkeyPatch.context() as patch,
    ):
        for name, value in {
            "NQSYNC_ENV": "development",
            "NQSYNC_THEODOINQ_URL": theodoinq,
            "NQSYNC_NQ71_URL": nq71,
            "NQSYNC_DATABASE_URL": f"sqlite:///{root / 'ledger.db'}",
            "NQSYNC_REPORT_DIR": str(root / "reports"),
            "NQSYNC_ASSIGNMENTS": str(demo.assignments),
        }.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        try:
            folders = [
                asyncio.run(
                    run_sync(
                        SyncRequest(
                            source=demo.source, as_of=AS_OF, dry_run=dry,
                            assignments=demo.assignments,
                        )
                    )
                ).paths.directory
                for dry in (True, False)
            ]
            yield Runs(dry=folders[0], real=folders[1])
        finally:
            get_settings.cache_clear()
