import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

URL = re.compile(r"(http://127\.0\.0\.1:\d+)")
SAFETY_TIMEOUT = 300
"""Seconds after which a hung process fails the test (a safety net, never a bound asserted)."""


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flows", "mock-servers", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def read_urls(process: subprocess.Popen[str]) -> list[str]:
    """The two base URLs the command prints, read in a thread so a hang cannot block the test."""
    assert process.stdout is not None
    stdout = process.stdout
    urls: list[str] = []
    done = threading.Event()

    def read() -> None:
        while len(urls) < 2:
            line = stdout.readline()
            if not line:
                break
            urls.extend(URL.findall(line))
        done.set()

    threading.Thread(target=read, daemon=True).start()
    done.wait(SAFETY_TIMEOUT)
    return urls[:2]


def wait_until_ready(url: str) -> None:
    """Poll URL until it answers (any HTTP status), within the safety timeout."""
    give_up = time.monotonic() + SAFETY_TIMEOUT
    while True:
        try:
            httpx.get(url, timeout=SAFETY_TIMEOUT)
            return
        except httpx.TransportError:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serves_both_mocks_with_the_configured_accounts_until_signalled(
    sig: signal.Signals, tmp_path: Path
) -> None:
    """Both mocks answer on loopback with the NQSYNC_* accounts; a signal ends them cleanly."""
    process = start(
        "--theodoinq-port", "0", "--nq71-port", "0", "--seed", "4", "--data-dir", str(tmp_path),
        env={"NQSYNC_THEODOINQ_USERNAME": "dp.test", "NQSYNC_THEODOINQ_PASSWORD": "pw-for-test"},
    )
    try:
        theodoinq, nq71 = read_urls(process)
        for url in (theodoinq, nq71):
            wait_until_ready(f"{url}/_admin/state")
        login = httpx.post(
            f"{theodoinq}/auth_api/api/login",
            json={"username": "dp.test", "password": "pw-for-test"},
            timeout=SAFETY_TIMEOUT,
        )
        assert login.json()["status"] == "OK"
        token = httpx.post(
            f"{nq71}/token",
            data={"grant_type": "client_credentials"},
            auth=("nqsync-dev-client", "nqsync-dev-secret"),
            timeout=SAFETY_TIMEOUT,
        )
        assert token.status_code == 200 and token.json()["token_type"] == "Bearer"
    finally:
        process.send_signal(sig)
        out, err = process.communicate(timeout=SAFETY_TIMEOUT)
    assert process.returncode == 0, err
    assert "Đã dừng" in out
    assert "pw-for-test" not in out + err
    assert (tmp_path / "theodoinq.sqlite3").exists() and (tmp_path / "nq71.sqlite3").exists()


def test_refuses_a_non_loopback_host_without_allow_remote() -> None:
    """A non-loopback --host is refused with a one-line reason and exit 2."""
    process = start("--host", "0.0.0.0")
    _, err = process.communicate(timeout=SAFETY_TIMEOUT)
    assert process.returncode == 2
    assert "loopback" in err and "--allow-remote" in err
    assert "Traceback" not in err


def test_busy_port_is_a_clear_error() -> None:
    """A port already in use ends with exit 2 and a one-line reason."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = start("--theodoinq-port", str(port), "--nq71-port", "0")
        _, err = process.communicate(timeout=SAFETY_TIMEOUT)
    assert process.returncode == 2
    assert "Không mở được cổng" in err and "Traceback" not in err
