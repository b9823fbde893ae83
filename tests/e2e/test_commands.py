"""`nqsync sync` and `nqsync demo` as a person runs them: exit codes, output, reports."""

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flows.commands import RunOptions
from tests.e2e.conftest import AS_OF, World


def options(world: World, **fields: Any) -> RunOptions:
    return RunOptions(source=world.source, as_of=AS_OF, **fields)


def test_sync_prints_the_reconciliation_json_and_exits_0(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--json` prints the report; no failed record means exit 0 (row errors allowed)."""
    from flows.commands import sync_command

    code = sync_command(options(world, periods=("2026-11",)), as_json=True)
    assert code == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["periods"] == ["2026-11"] and set(report["systems"]) == {"theodoinq", "nq71"}
    assert "Chạy trực tiếp, không qua Prefect" in captured.err


@pytest.mark.parametrize("word", ["all", "both"])
def test_all_and_both_mean_both_systems(
    world: World, word: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--system all` and `--system both` each sync both systems."""
    from flows.commands import sync_command

    code = sync_command(options(world, system=word, dry_run=True), as_json=True)
    assert code == 0
    assert set(json.loads(capsys.readouterr().out)["systems"]) == {"theodoinq", "nq71"}


def test_sync_with_a_prefect_api_runs_the_flow_there(
    world: World, prefect_api: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With PREFECT_API_URL set the run is the `nqsync-sync` flow, visible with its artifacts."""
    from flows.commands import sync_command
    from tests.e2e.test_sync_flow import artifacts_of

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    code = sync_command(options(world, system="nq71", periods=("2026-11",)), as_json=False)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Đã chạy qua Prefect (flow nqsync-sync)." in out
    [json_path] = [line.split(": ", 1)[1] for line in out.splitlines() if "json: " in line]
    run_id = json.loads(Path(json_path).read_text("utf-8"))["run_id"]
    flow_run = asyncio.run(latest_flow_run("nqsync-sync"))
    assert flow_run.state is not None and flow_run.state.is_completed()
    assert flow_run.parameters["systems"] == "nq71"
    keys = {a.key for a in asyncio.run(artifacts_of(flow_run.id))}
    assert {"nqsync-reconciliation", "nqsync-reconciliation-entries"} <= keys
    assert (Path(json_path).parent / "run.log").read_text("utf-8").count(run_id) >= 2


async def latest_flow_run(flow_name: str) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    async with get_client() as client:
        runs = await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
            sort=FlowRunSort.START_TIME_DESC, limit=1,
        )
    return runs[0]


def test_failed_records_exit_1_and_still_write_the_report(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """When nq71 refuses every creation the run exits 1 and the report says why."""
    from flows.commands import sync_command

    world.admin("nq71", "faults", {"rules": [
        {"method": "POST", "path": "/bao-cao$", "fault": "http_500"}]})
    code = sync_command(options(world, system="nq71", periods=("2026-11",)), as_json=False)
    assert code == 1
    out = capsys.readouterr().out
    assert "Lỗi" in out and "reconciliation.json" in out
    [path] = (world.root / "reports").glob("*/reconciliation.json")
    entries = json.loads(path.read_text("utf-8"))["systems"]["nq71"]["entries"]
    assert any(e["status"] == "failed" and e["error"] for e in entries)


def test_wrong_credentials_are_a_configuration_error(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A password theodoinq refuses is exit 2 with a one-line reason, and no system is written."""
    from flows.commands import sync_command

    monkeypatch.setenv("NQSYNC_THEODOINQ_PASSWORD", "not-the-password")
    code = sync_command(options(world), as_json=False)
    assert code == 2
    captured = capsys.readouterr()
    assert "theodoinq" in captured.err and "not-the-password" not in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out
    assert world.writes() == {"theodoinq": 0, "nq71": 0}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "flows", *args], capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "11/2026"], "YYYY-MM"),
        (["--system", "vneid"], "--system: hệ thống phải là all, both, theodoinq, nq71"),
        (["--as-of", "27/11/2026"], "YYYY-MM-DD"),
    ],
)
def test_usage_errors_exit_2_without_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """A bad period or system is exit 2 with one line and no traceback."""
    result = run_cli("sync", "--source", str(tmp_path), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_missing_source_and_production_defaults_exit_2(tmp_path: Path) -> None:
    """A missing folder, or development secrets in production, is exit 2, one line."""
    missing = run_cli("sync", "--source", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "không tìm thấy" in missing.stderr
    prod = run_cli("sync", "--source", str(tmp_path), env={"NQSYNC_ENV": "production"})
    assert prod.returncode == 2 and "NQSYNC_THEODOINQ_PASSWORD" in prod.stderr
    assert "nqsync-dev-password" not in prod.stderr and "Traceback" not in prod.stderr


def test_demo_twice_second_run_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo syncs sample data; run again in the same folder it is all in sync, 0 writes."""
    from flows.demo import demo_command

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert demo_command(tmp_path, AS_OF) == 0
    first = capsys.readouterr().out
    assert "Đã tạo mới" in first and "reconciliation.html" in first
    assert "Đã chạy trực tiếp (không qua Prefect)." in first
    assert demo_command(tmp_path, AS_OF) == 0
    second = capsys.readouterr().out
    assert "Số lần ghi lên hệ thống trong lần chạy này: theodoinq 0, nq71 0" in second
    assert "Đã tạo mới" not in second and "Khớp" in second
