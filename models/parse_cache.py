"""The ledger's parse cache: what reading each unit workbook gave, kept for the next run.

Table `ledger_parse_cache` (on the ledger's metadata) holds, per absolute resolved workbook
path, the salt of the code that parsed it, the source root and root-relative file it was read
as, and `data`: the JSON text the reader wrote (the file's outcome and the stamps it depended
on), opaque here. `ParseCacheStore.load` reads the entries of one salt in one SELECT; `save`
writes a batch in one transaction, as one bulk upsert (SQLite and PostgreSQL alike). What an
entry means and when it may be used is `connectors.local.parse_cache`'s.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, Text, select
from sqlmodel import Field

from models.db import UTCDateTime
from models.ledger.store import ClockedStore
from models.ledger_tables import LEDGER_METADATA, SHA256_LENGTH, LedgerModel


class ParseEntry(LedgerModel, table=True):
    """Table `ledger_parse_cache`: one row per absolute resolved workbook path."""

    __tablename__ = "ledger_parse_cache"

    path: str = Field(primary_key=True)
    salt: str = Field(max_length=SHA256_LENGTH)
    root: str
    file: str
    data: str = Field(sa_type=Text)
    seen_at: datetime = Field(sa_type=UTCDateTime)


@dataclass(frozen=True)
class StoredParse:
    """One workbook's entry: its resolved PATH, the ROOT and FILE it was read as, and DATA."""

    path: str
    root: str
    file: str
    data: str


def _table() -> Table:
    return LEDGER_METADATA.tables[ParseEntry.__tablename__]


class ParseCacheStore(ClockedStore):
    """The parse cache on one ledger database (the ledger's engine, or its own by `open`)."""

    TABLES = (ParseEntry.__tablename__,)

    def load(self, salt: str) -> dict[str, StoredParse]:
        """Every entry written under SALT, by path, in one SELECT."""
        self._ensure_ready()
        table = _table()
        statement = select(table.c.path, table.c.root, table.c.file, table.c.data).where(
            table.c.salt == salt
        )
        with self._engine.connect() as connection:
            return {
                path: StoredParse(path, root, file, data)
                for path, root, file, data in connection.execute(statement)
            }

    def save(self, salt: str, entries: Iterable[StoredParse]) -> int:
        """Write ENTRIES under SALT in one transaction, replacing those of the same paths (a
        later entry of a path wins); how many paths were written."""
        moment = self._clock()
        rows: dict[str, dict[str, Any]] = {
            entry.path: {
                "path": entry.path, "salt": salt, "root": entry.root, "file": entry.file,
                "data": entry.data, "seen_at": moment,
            }
            for entry in entries
        }
        if not rows:
            return 0
        batch = list(rows.values())
        self._upsert_rows(_table(), ("path",), ("salt", "root", "file", "data", "seen_at"), batch)
        return len(batch)
