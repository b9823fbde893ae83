"""What every store on the ledger's database shares: its engine, its tables, its transactions.

A store (`Ledger`, `FileHashCache`, `AuditTrail`, `ShapeStore`) borrows an engine or opens its
own (`open`), makes its tables on first use, one creator at a time (`models.db`'s schema
transaction), and reads and writes in short sessions that return detached objects.
"""

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.bulk import upsert_many
from models.db import make_engine, schema_transaction
from models.ledger_tables import LEDGER_METADATA, utc_now

_T = TypeVar("_T")


class LedgerStore:
    """A store on one ledger database; safe to share between threads."""

    TABLES: ClassVar[tuple[str, ...]] = ()
    """The tables the store makes on first use (`_prepare` may do more)."""
    WRITE_ATTEMPTS: ClassVar[int] = 3
    """How often a write that lost a race (an IntegrityError) is tried in all."""

    def __init__(self, engine: Engine, *, owns_engine: bool = False) -> None:
        """Use ENGINE (from `models.db.make_engine`); with `owns_engine`, `close()` disposes
        of it."""
        self._engine = engine
        self._owns_engine = owns_engine
        self._lock = threading.Lock()
        self._ready = False

    @classmethod
    def open(cls, url: str) -> Self:
        """The store on the database at URL, with its own engine."""
        return cls(make_engine(url), owns_engine=True)

    @property
    def engine(self) -> Engine:
        """The engine the store works through."""
        return self._engine

    def close(self) -> None:
        """Release the engine's connections if this store opened it."""
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _ensure_ready(self) -> None:
        with self._lock:
            if not self._ready:
                with schema_transaction(self._engine) as connection:
                    self._prepare(connection)
                self._ready = True

    def _prepare(self, connection: Connection) -> None:
        """Make the missing `TABLES`, inside the schema transaction."""
        tables = [LEDGER_METADATA.tables[name] for name in self.TABLES]
        LEDGER_METADATA.create_all(connection, tables=tables)

    def _read(self, work: Callable[[Session], _T]) -> _T:
        self._ensure_ready()
        with Session(self._engine, expire_on_commit=False) as session:
            return work(session)

    def _upsert_rows(
        self, table: Table, keys: Iterable[str], updated: Iterable[str], rows: Sequence[Any]
    ) -> None:
        """Upsert ROWS into TABLE on KEYS (UPDATED columns taken from the new row), in one
        transaction of bulk statements."""
        self._ensure_ready()
        with self._engine.begin() as connection:
            upsert_many(connection, table, keys, updated, rows)

    def _write(self, work: Callable[[Session], _T]) -> _T:
        """WORK in one transaction, tried again from the start after an IntegrityError."""
        self._ensure_ready()
        for attempt in range(1, self.WRITE_ATTEMPTS + 1):
            with Session(self._engine, expire_on_commit=False) as session:
                try:
                    result = work(session)
                    session.commit()
                    return result
                except IntegrityError:
                    session.rollback()
                    if attempt == self.WRITE_ATTEMPTS:
                        raise
        raise AssertionError("unreachable")


class ClockedStore(LedgerStore):
    """A store that times the rows it writes by its own clock (tests give a fixed one)."""

    def __init__(
        self,
        engine: Engine,
        *,
        owns_engine: bool = False,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Use ENGINE (e.g. `Ledger.engine`); with `owns_engine`, `close()` disposes of it."""
        super().__init__(engine, owns_engine=owns_engine)
        self._clock = clock
