"""Expected failures of the real `nqsync` command: one Vietnamese line, no traceback on the
console, the traceback in the run's `run.log` when the run has a folder."""

import json
from pathlib import Path

from flows.commands import STARTUP_TIMEOUT_VARIABLE
from tests.e2e.conftest import World, closed_port, nqsync, nqsync_watched


def run_logs_under(report_dir: Path) -> list[list[dict[str, object]]]:
    """The events of each run.log under REPORT_DIR."""
    return [
        [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        for path in sorted(report_dir.glob("*/run.log"))
    ]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Lỗi")]


def test_an_unreachable_remote_is_reported_without_a_traceback(world: World) -> None:
    """theodoinq at a closed port: exit 1, one line saying what to check, events in run.log."""
    variable = "NQSYNC_THEODOINQ_URL"
    env = {**world.env, variable: f"http://127.0.0.1:{closed_port()}"}
    result = nqsync(
        "sync", "--source", str(world.source), "--system", "theodoinq", "--period", "2026-11",
        env=env,
    )
    console = result.stdout + result.stderr
    assert result.returncode == 1, console
    assert "Traceback" not in console
    [line] = [line for line in result.stdout.splitlines() if line.startswith("theodoinq: ")]
    assert "lỗi kết nối" in line and f"Kiểm tra {variable}" in line and "run.log" in line
    [events] = run_logs_under(world.root / "reports")
    failed = [e for e in events if e["event"] == "system_failed"]
    assert len(failed) == 1 and failed[0]["system"] == "theodoinq"
    assert any(e["event"] == "retry" for e in events)
    assert not any(line.startswith("{") for line in console.splitlines())


def test_an_unreachable_prefect_api_is_one_line(world: World) -> None:
    """PREFECT_API_URL at a closed port: exit 2, one line, the traceback in run.log."""
    api = f"http://127.0.0.1:{closed_port()}/api"
    result = nqsync(
        "sync", "--source", str(world.source), env={**world.env, "PREFECT_API_URL": api}
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    [line] = error_lines(result.stderr)
    assert f"không kết nối được máy chủ Prefect tại {api}" in line and "PREFECT_API_URL" in line
    [events] = run_logs_under(world.root / "reports")
    assert "Traceback" in str(events[-1]["exception"]) and "ConnectError" in str(
        events[-1]["exception"]
    )


def test_a_prefect_start_failure_is_one_line(world: World, tmp_path: Path) -> None:
    """The temporary server not up in time: exit 2, one line saying what to do, no traceback."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    env = {**world.env, "PREFECT_HOME": str(home), STARTUP_TIMEOUT_VARIABLE: "1"}
    result = nqsync_watched(
        "sync", "--source", str(world.source), "--prefect", env=env, cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    [line] = error_lines(result.stderr)
    assert "không khởi động được máy chủ Prefect tạm thời" in line
    assert f"tăng {STARTUP_TIMEOUT_VARIABLE} (đang là 1 giây)" in line
    [events] = run_logs_under(world.root / "reports")
    assert "Timed out while attempting to connect to ephemeral" in str(events[-1]["exception"])


def test_a_bad_setting_names_the_variable(world: World) -> None:
    """NQSYNC_HTTP_TIMEOUT=abc: exit 2, the variable, what it needs and what it got."""
    for args in (["sync", "--source", str(world.source)], ["template", "VHXH", "--force",
                                                           "--out", str(world.root / "t.xlsx")]):
        result = nqsync(*args, env={**world.env, "NQSYNC_HTTP_TIMEOUT": "abc"})
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        assert "NQSYNC_HTTP_TIMEOUT cần số giây lớn hơn 0, ví dụ 30; đang là «abc»" in result.stderr
    assert not (world.root / "reports").exists()


def test_verbose_puts_the_events_on_the_console_too(world: World) -> None:
    """Without --verbose the console has no JSON events; with it, it has them."""
    args = ("sync", "--source", str(world.source), "--period", "2026-11", "--dry-run")
    quiet = nqsync(*args, env=world.env)
    loud = nqsync(*args, "--verbose", env=world.env)
    assert quiet.returncode == loud.returncode == 0, quiet.stderr + loud.stderr
    assert '"event": "run_started"' not in quiet.stdout + quiet.stderr
    assert '"event": "run_started"' in loud.stderr
    assert len(run_logs_under(world.root / "reports")) == 2
