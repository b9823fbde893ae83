"""`nqsync sync` and `nqsync demo` as a person runs them: exit codes, output, reports."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import AS_OF, World


def test_sync_prints_the_reconciliation_json_and_exits_0(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--json` prints the report; no failed record means exit 0 (row errors allowed)."""
    from flows.commands import sync_command

    code = sync_command(
        world.source, "all", ["2026-11"], dry_run=False, submit=False, as_json=True, as_of=AS_OF
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["periods"] == ["2026-11"] and set(report["systems"]) == {"theodoinq", "nq71"}


def test_failed_records_exit_1_and_still_write_the_report(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """When nq71 refuses every creation the run exits 1 and the report says why."""
    from flows.commands import sync_command

    world.admin("nq71", "faults", {"rules": [
        {"method": "POST", "path": "/bao-cao$", "fault": "http_500"}]})
    code = sync_command(
        world.source, "nq71", [], dry_run=False, submit=False, as_json=False, as_of=AS_OF
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "Lỗi" in out and "reconciliation.json" in out
    [path] = (world.root / "reports").glob("*/reconciliation.json")
    entries = json.loads(path.read_text("utf-8"))["systems"]["nq71"]["entries"]
    assert any(e["status"] == "failed" and e["error"] for e in entries)


def test_wrong_credentials_are_a_configuration_error(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A password theodoinq refuses is exit 2 with a one-line reason, and nq71 still syncs."""
    from flows.commands import sync_command

    monkeypatch.setenv("NQSYNC_THEODOINQ_PASSWORD", "not-the-password")
    code = sync_command(
        world.source, "all", [], dry_run=False, submit=False, as_json=False, as_of=AS_OF
    )
    assert code == 2
    captured = capsys.readouterr()
    assert "theodoinq" in captured.err and "not-the-password" not in captured.err + captured.out
    assert len(world.state("nq71")["reports"]) > 0


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
        (["--system", "vneid"], "--system"),
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
    prefect_api: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo syncs sample data; run again in the same folder it is all in sync, 0 writes."""
    from flows.demo import demo_command

    assert demo_command(tmp_path, AS_OF) == 0
    first = capsys.readouterr().out
    assert "Đã tạo mới" in first and "reconciliation.html" in first
    assert demo_command(tmp_path, AS_OF) == 0
    second = capsys.readouterr().out
    assert "Số lần ghi lên hệ thống trong lần chạy này: theodoinq 0, nq71 0" in second
    assert "Đã tạo mới" not in second and "Khớp" in second
