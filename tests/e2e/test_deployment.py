"""The `nightly` deployment served by `nqsync serve`, started as the Prefect UI would."""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import World, run_logs


async def wait_for_deployment(name: str, source: Path, timeout: float = 90) -> Any:
    """The deployment NAME once it is served for SOURCE (an earlier test may have served it
    for another folder on the same Prefect server)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while True:
            try:
                found = await client.read_deployment_by_name(name)
                if found.parameters.get("source") == str(source.resolve()):
                    return found
            except ObjectNotFound:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} was not served for {source}")
            await asyncio.sleep(0.5)


async def artifact_keys(flow_run_id: Any) -> set[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key for a in found if a.key}


def test_served_deployment_runs_with_ui_parameters(
    world: World, prefect_api: str, tmp_path: Path
) -> None:
    """`nqsync serve` registers `nightly` (01:00 Asia/Ho_Chi_Minh); a run from it completes."""
    from prefect.deployments import run_deployment

    env = {**os.environ, **world.env, "PREFECT_API_URL": prefect_api, "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows", "serve", "--source", str(world.source)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deployment = asyncio.run(wait_for_deployment("nqsync-sync/nightly", world.source))
        [schedule] = deployment.schedules
        assert schedule.schedule.cron == "0 1 * * *"
        assert schedule.schedule.timezone == "Asia/Ho_Chi_Minh"
        assert deployment.parameters["source"] == str(world.source.resolve())
        form_schema = deployment.parameter_openapi_schema["properties"]
        assert {"all", "both"} <= set(form_schema["systems"]["enum"])
        assert form_schema["as_of"]["title"] == "Ngày tính cảnh báo (YYYY-MM-DD)"
        form = {
            "source": str(world.source),
            "systems": "nq71",
            "periods": ["2026-11"],
            "dry_run": False,
            "submit": False,
            "as_of": "2026-11-27",
        }
        flow_run = run_deployment(
            "nqsync-sync/nightly", parameters=form, timeout=240, poll_interval=1,
            as_subflow=False,
        )
        assert flow_run.state is not None and flow_run.state.is_completed(), (
            flow_run.state, (tmp_path / "serve.log").read_text()[-3000:]
        )
        assert {"nqsync-reconciliation", "nqsync-reconciliation-entries"} <= asyncio.run(
            artifact_keys(flow_run.id)
        )
        messages = asyncio.run(run_logs(flow_run.id, "Xong lần chạy"))
        assert any(m.startswith("Bắt đầu lần chạy (mã lần chạy: ") for m in messages), messages
        assert any(m.startswith("Xong một hệ thống (") and "hệ thống: nq71" in m
                   for m in messages), messages
        assert not any("nqsync-dev-secret" in m for m in messages)
    finally:
        serve.terminate()
        serve.wait(timeout=60)
        log.close()
    reports = list((tmp_path / "reports").glob("*/reconciliation.json"))
    assert len(reports) == 1
    report = json.loads(reports[0].read_text("utf-8"))
    assert list(report["systems"]) == ["nq71"] and report["periods"] == ["2026-11"]
    assert report["systems"]["nq71"]["summary"]["created"] > 0
    assert len(world.state("nq71")["reports"]) == report["systems"]["nq71"]["summary"]["created"]
