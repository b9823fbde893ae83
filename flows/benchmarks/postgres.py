"""A throwaway PostgreSQL cluster for the ledger benchmark, when this machine can start one.

`throwaway_cluster()` yields the URL of a fresh cluster (`initdb`, then `pg_ctl start` on a
free loopback port, `fsync=off` as in the tests, which measures nqsync's statements rather
than the disk), and removes it afterwards; `unavailable()` says why it cannot, or None.
Running as root, the cluster is owned by the `postgres` user (through `runuser`).
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin"))
START_TIMEOUT = 120
"""Seconds `pg_ctl` waits for the server to start (a safety net on a busy machine)."""


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in PG_BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return None


def unavailable() -> str | None:
    """Why no throwaway cluster can be started here, or None."""
    if _binary("initdb") is None or _binary("pg_ctl") is None:
        return "initdb/pg_ctl not found"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg 3 is not installed (the `postgres` extra)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` user"
    return None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A fresh cluster on a free loopback port for the block; yields its `postgres` database's
    URL. Raises RuntimeError when it cannot start (see `unavailable`)."""
    reason = unavailable()
    if reason:
        raise RuntimeError(reason)
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    assert initdb is not None and pg_ctl is not None
    base = Path(tempfile.mkdtemp(prefix="nqsync-pg-bench-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = base / "data", base / "server.log"
    port = _free_port()
    started = False
    try:
        subprocess.run(
            _as_owner([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                       "--locale=C"]),
            check=True, capture_output=True,
        )
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        result = subprocess.run(
            _as_owner([pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", str(START_TIMEOUT),
                       "-o", options, "start"]),
            capture_output=True, text=True, check=False,
        )
        started = result.returncode == 0
        if not started:
            raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip()[-500:]}")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(
                _as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True, check=False,
            )
        shutil.rmtree(base, ignore_errors=True)
