"""A fresh machine: an empty Prefect home, no Prefect API configured, the real command."""

from pathlib import Path

from flows.commands import STARTUP_TIMEOUT_VARIABLE
from tests.e2e.conftest import World, nqsync_watched

SERVER_MARKS = ("uvicorn", "prefect.server", "prefect server")


def server_children(children: set[str]) -> list[str]:
    return [c for c in children if any(mark in c for mark in SERVER_MARKS)]


def test_first_demo_on_an_empty_prefect_home_exits_0(tmp_path: Path) -> None:
    """`nqsync demo` (the Quick start) passes the first time with an empty PREFECT_HOME."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    result = nqsync_watched(
        "demo", "--workdir", str(tmp_path / "demo"), env={"PREFECT_HOME": str(home)}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Đã chạy trực tiếp (không qua Prefect)." in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not server_children(result.children)


def test_first_demo_through_prefect_on_an_empty_home_exits_0(tmp_path: Path) -> None:
    """`nqsync demo --prefect` starts and migrates a temporary Prefect server the first time."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    result = nqsync_watched(
        "demo", "--workdir", str(tmp_path / "demo"), "--prefect",
        env={"PREFECT_HOME": str(home)}, cwd=tmp_path, drop=(STARTUP_TIMEOUT_VARIABLE,),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Đã chạy qua Prefect (flow nqsync-sync)." in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert server_children(result.children), "no temporary Prefect server was seen"
    assert (home / "prefect.db").exists()


def test_sync_without_a_prefect_api_starts_no_server(world: World, tmp_path: Path) -> None:
    """`nqsync sync` with no PREFECT_API_URL spawns no server process and touches no Prefect db."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    result = nqsync_watched(
        "sync", "--source", str(world.source), "--period", "2026-11",
        env={**world.env, "PREFECT_HOME": str(home)}, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Đã chạy trực tiếp (không qua Prefect)." in result.stdout
    assert not server_children(result.children), result.children
    assert list(home.iterdir()) == []
