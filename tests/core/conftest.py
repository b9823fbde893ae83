"""A throwaway PostgreSQL 15 cluster for the core tests that run on both ledger backends, and
threads started together."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from models.db import make_engine

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def postgres_unavailable() -> str | None:
    """Why a throwaway cluster cannot be started here, or None."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL binaries not found in {PG_BIN}"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg 3 is not installed (pip install 'psycopg[binary]>=3.1')"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as another user"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to own the cluster"
    return None


def _as_cluster_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port; yields its admin URL."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="nqsync-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = base / "data", base / "server.log"
    port = _free_port()
    pg_ctl = str(PG_BIN / "pg_ctl")
    started = False
    try:
        initdb = [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C"]
        subprocess.run(_as_cluster_owner(initdb), check=True, capture_output=True)
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        start = [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"]
        result = subprocess.run(_as_cluster_owner(start), capture_output=True, text=True)
        started = result.returncode == 0
        if not started:
            server_log = log.read_text() if log.exists() else ""
            pytest.fail(f"pg_ctl start failed: {result.stderr}\n{server_log}")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(
                _as_cluster_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
            )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the throwaway cluster."""
    admin = make_engine(postgres_server).execution_options(isolation_level="AUTOCOMMIT")
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL on each backend: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'ledger.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def run_at_once(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run WORK(0) … WORK(COUNT-1) on COUNT threads released together; what they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=120)
            work(index)
        except BaseException as exc:  # pragma: no cover - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return errors


@pytest.fixture
def at_once() -> Callable[[int, Callable[[int], None]], list[BaseException]]:
    """`run_at_once`: work on threads released together, returning what they raised."""
    return run_at_once
