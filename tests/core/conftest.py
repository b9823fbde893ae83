"""A throwaway PostgreSQL cluster for the core tests that run on both ledger backends, and
threads started together."""

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from flows.benchmarks import postgres
from models.db import make_engine
from models.ledger import Ledger, RunCreate


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port; yields its admin URL."""
    reason = postgres.unavailable()
    if reason:
        pytest.skip(reason)
    with postgres.throwaway_cluster() as url:
        yield url


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


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    """An open ledger on each backend."""
    with Ledger.open(database_url) as opened:
        yield opened


@pytest.fixture
def run_id(ledger: Ledger) -> str:
    """The id of a started run."""
    return ledger.start_run(RunCreate(systems=["theodoinq", "nq71"])).run_id


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
