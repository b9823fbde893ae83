"""A served run that needs approval: it plans, pauses with its form, and writes only once
approved through the Prefect API; a rejected one writes nothing and says who and why."""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import World
from tests.e2e.test_deployment import wait_for_deployment

SAFETY_TIMEOUT = 300.0
"""Bounds a hang; nothing asserts on time."""


async def wait_for_state(flow_run_id: Any, wanted: str) -> Any:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + SAFETY_TIMEOUT
    async with get_client() as client:
        while True:
            run = await client.read_flow_run(flow_run_id)
            if run.state is not None and run.state.type.value == wanted:
                return run
            if (run.state is not None and run.state.is_final()) or time.monotonic() > deadline:
                raise AssertionError(f"flow run ended as {run.state} instead of {wanted}")
            await asyncio.sleep(0.5)


def writes(world: World) -> dict[str, int]:
    return {s: int(world.state(s)["writes"]) for s in ("theodoinq", "nq71")}


def start(form: dict[str, Any]) -> Any:
    from prefect.deployments import run_deployment

    return run_deployment("nqsync-sync/nightly", parameters=form, timeout=0, as_subflow=False)


def test_approval_pauses_then_applies_and_a_rejection_writes_nothing(
    world: World, prefect_api: str, tmp_path: Path
) -> None:
    """Rejected: paused, then nothing written and the report says who; approved: applied."""
    from prefect.flow_runs import resume_flow_run

    env = {**os.environ, **world.env, "PREFECT_API_URL": prefect_api, "PYTHONUNBUFFERED": "1",
           "NQSYNC_APPROVAL": "cần duyệt"}
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows", "serve", "--source", str(world.source)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    form = {"source": str(world.source), "systems": "nq71", "periods": ["2026-11"],
            "as_of": "2026-11-27"}
    try:
        deployment = asyncio.run(wait_for_deployment("nqsync-sync/nightly", world.source))
        assert deployment.parameters["approval"] == "cần duyệt"
        rejected = start(form)
        asyncio.run(wait_for_state(rejected.id, "PAUSED"))
        assert writes(world) == {"theodoinq": 0, "nq71": 0}
        resume_flow_run(rejected.id, run_input={
            "quyet_dinh": "từ chối", "nguoi_duyet": "Trần Văn C", "y_kien": "Số liệu chưa đủ"})
        asyncio.run(wait_for_state(rejected.id, "COMPLETED"))
        assert writes(world) == {"theodoinq": 0, "nq71": 0}
        approved = start(form)
        asyncio.run(wait_for_state(approved.id, "PAUSED"))
        resume_flow_run(approved.id, run_input={
            "quyet_dinh": "duyệt", "nguoi_duyet": "Nguyễn Thị B", "y_kien": ""})
        asyncio.run(wait_for_state(approved.id, "COMPLETED"))
    finally:
        serve.terminate()
        serve.wait(timeout=60)
        log.close()
    assert writes(world)["nq71"] > 0
    reports = [json.loads(p.read_text("utf-8"))
               for p in (tmp_path / "reports").glob("*/reconciliation.json")]
    notes = [n for r in reports for s in r["systems"].values() for n in s.get("notes", [])]
    assert any("Trần Văn C từ chối" in n and "Số liệu chưa đủ" in n for n in notes), notes
    applied = [r for r in reports if not r["dry_run"]]
    assert len(applied) == 1 and applied[0]["systems"]["nq71"]["summary"]["created"] > 0
