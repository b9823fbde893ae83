"""The ledger's file-hash cache: a file whose size, mtime and inode are as recorded is not read.

Table `ledger_file_hash` (on the ledger's metadata) holds, per absolute resolved path, the
(size, mtime_ns, inode) a file had when it was hashed and its sha256. `FileHashCache.lookup`
answers the recorded sha256 only when all three still match; `remember` writes a batch of
hashes in one transaction, as one bulk upsert (SQLite and PostgreSQL alike). Deciding what is
safe to remember (a file modified within the filesystem's timestamp granularity of its hashing
must not be) is the caller's: see `connectors.local.hash_cache`.
"""

import os
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Table, select
from sqlmodel import Field

from models.db import UTCDateTime
from models.ledger.store import ClockedStore
from models.ledger_tables import LEDGER_METADATA, SHA256_LENGTH, LedgerModel

_INT64 = 1 << 63


class FileHash(LedgerModel, table=True):
    """Table `ledger_file_hash`: one row per absolute resolved path."""

    __tablename__ = "ledger_file_hash"

    path: str = Field(primary_key=True)
    size: int = Field(sa_type=BigInteger)
    mtime_ns: int = Field(sa_type=BigInteger)
    inode: int = Field(sa_type=BigInteger)
    """The inode as a signed 64-bit number (values from 2⁶³ wrap to negative)."""
    sha256: str = Field(max_length=SHA256_LENGTH)
    seen_at: datetime = Field(sa_type=UTCDateTime)


Stamp = tuple[int, int, int]
"""(size, mtime_ns, inode as stored)."""


def stamp(stat: os.stat_result) -> Stamp:
    inode = stat.st_ino
    return stat.st_size, stat.st_mtime_ns, inode - (1 << 64) if inode >= _INT64 else inode


def _table() -> Table:
    return LEDGER_METADATA.tables[FileHash.__tablename__]


class FileHashCache(ClockedStore):
    """The file-hash cache on one ledger database (the ledger's engine, or its own by `open`).

    Reads the whole table once, on the first lookup: a commune's source is at most a few
    thousand files. Safe to use from one thread at a time.
    """

    TABLES = (FileHash.__tablename__,)

    _known: dict[str, tuple[Stamp, str]] | None = None
    """The whole table by path once read (each instance its own, set on the first lookup)."""

    def _load(self) -> dict[str, tuple[Stamp, str]]:
        if self._known is None:
            self._ensure_ready()
            table = _table()
            statement = select(
                table.c.path, table.c.size, table.c.mtime_ns, table.c.inode, table.c.sha256
            )
            with self._engine.connect() as connection:
                self._known = {
                    path: ((size, mtime_ns, inode), sha256)
                    for path, size, mtime_ns, inode, sha256 in connection.execute(statement)
                }
        return self._known

    def lookup(self, path: str, stat: os.stat_result) -> str | None:
        """The recorded sha256 of PATH if its size, mtime_ns and inode are those of STAT."""
        found = self._load().get(path)
        if found is None or found[0] != stamp(stat):
            return None
        return found[1]

    def remember(self, entries: Iterable[tuple[str, os.stat_result, str]]) -> int:
        """Record (path, stat taken before hashing, sha256) of each file, in one transaction;
        a later entry of the same path wins. How many paths were written."""
        moment = self._clock()
        rows: dict[str, dict[str, Any]] = {}
        for path, stat, sha256 in entries:
            size, mtime_ns, inode = stamp(stat)
            rows[path] = {
                "path": path, "size": size, "mtime_ns": mtime_ns, "inode": inode,
                "sha256": sha256.lower(), "seen_at": moment,
            }
        if not rows:
            return 0
        batch = list(rows.values())
        updated = ("size", "mtime_ns", "inode", "sha256", "seen_at")
        self._upsert_rows(_table(), ("path",), updated, batch)
        if self._known is not None:
            for row in batch:
                recorded = (row["size"], row["mtime_ns"], row["inode"])
                self._known[row["path"]] = (recorded, row["sha256"])
        return len(batch)
