"""Database engines for the ledger: SQLite by default, PostgreSQL by URL."""

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Dialect,
    Engine,
    Table,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
SCHEMA_LOCK = "nqsync.ledger_schema"
"""The name of the lock a change to the ledger's tables holds (see `schema_transaction`)."""


def normalise_database_url(url: str | URL) -> URL:
    """The URL SQLAlchemy should use: bare `postgresql://`/`postgres://` means psycopg 3."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in {"postgres", "postgresql"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_sqlite_memory(url: URL) -> bool:
    return url.database in {None, "", ":memory:"}


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for URL; on SQLite: WAL, a busy timeout, foreign keys, write-locking transactions.

    A SQLite file's parent folder is created if missing; an in-memory database is shared by
    every connection of the engine. Transactions on SQLite begin with
    `BEGIN IMMEDIATE`, so concurrent writers wait on the busy timeout instead of failing.
    """
    parsed = normalise_database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, echo=echo, pool_pre_ping=True)
    connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    if _is_sqlite_memory(parsed):
        engine = create_engine(parsed, echo=echo, connect_args=connect_args, poolclass=StaticPool)
    else:
        database = parsed.database or ""
        if not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, echo=echo, connect_args=connect_args)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def upsert(
    dialect: str,
    table: Table,
    keys: Iterable[str],
    updated: Iterable[str] | Callable[[Any], Mapping[str, Any]],
) -> Any:
    """INSERT … ON CONFLICT (KEYS) DO UPDATE on SQLite or PostgreSQL (DIALECT), for executing
    with one row or a list of rows. UPDATED names the columns taken from the new row (such a
    statement is built once and reused), or maps the new row (`excluded`) to the values to set.
    """
    if callable(updated):
        return _upsert(dialect, table, tuple(keys), updated)
    return _named_upsert(dialect, table, tuple(keys), tuple(updated))


@functools.lru_cache(maxsize=64)
def _named_upsert(dialect: str, table: Table, keys: tuple[str, ...], names: tuple[str, ...]) -> Any:
    return _upsert(dialect, table, keys, lambda new: {name: new[name] for name in names})


def _upsert(
    dialect: str, table: Table, keys: tuple[str, ...], values: Callable[[Any], Mapping[str, Any]]
) -> Any:
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise ValueError(f"the ledger supports SQLite and PostgreSQL, not {dialect}")
    return statement.on_conflict_do_update(
        index_elements=[table.c[key] for key in keys], set_=dict(values(statement.excluded))
    )


EXECUTEMANY_CHUNK = 500
"""Rows sent per executemany by `execute_many`."""


def execute_many(
    connection: Connection, statement: Any, rows: Sequence[Mapping[str, Any]]
) -> int:
    """STATEMENT for each of ROWS, `EXECUTEMANY_CHUNK` rows per call; the rows it matched."""
    counted = statement.execution_options(preserve_rowcount=True)
    count = 0
    for start in range(0, len(rows), EXECUTEMANY_CHUNK):
        result: Any = connection.execute(counted, rows[start : start + EXECUTEMANY_CHUNK])
        count += max(result.rowcount, 0)
    return count


def lock_transaction(connection: Connection, name: str) -> None:
    """Hold the lock NAME until CONNECTION's transaction ends (PostgreSQL advisory lock).

    On SQLite there is nothing to take: the `BEGIN IMMEDIATE` of `make_engine`'s transactions
    already lets one writer at a time in.
    """
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction in which one process at a time creates or changes tables.

    Two processes creating the same table at once would otherwise race (on PostgreSQL the
    second fails); here the second waits, then finds the table made.
    """
    with engine.begin() as connection:
        lock_transaction(connection, SCHEMA_LOCK)
        yield connection


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store aware ones in UTC."""
        if value is None:
            return None
        if value.tzinfo is not UTC:
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError("the ledger stores timezone-aware datetimes only")
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
