"""The mock's state in SQLite: grants, report rows, files (with their bytes), tokens and counters.

One connection, guarded by a lock; every method is one transaction. In memory by default, or a
file that survives restarts.
"""

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mock_servers.theodoinq import seed as seeding

SCHEMA_VERSION = 1
COUNTERS = ("logins", "saves", "submits", "uploads", "requests", "rateLimited")

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS grants (
    grant_id INTEGER PRIMARY KEY, organisation TEXT NOT NULL, year INTEGER NOT NULL,
    resolution TEXT NOT NULL, period_type TEXT NOT NULL, from_date TEXT NOT NULL,
    to_date TEXT NOT NULL, deadline TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    idx_id INTEGER PRIMARY KEY, grant_id INTEGER NOT NULL, idx_code TEXT NOT NULL,
    parent_id INTEGER, idx_order INTEGER NOT NULL, idx_name TEXT NOT NULL,
    idx_type TEXT NOT NULL, idx_unit TEXT NOT NULL, idx_target TEXT NOT NULL,
    idx_value TEXT NOT NULL, idx_content TEXT NOT NULL, idx_content_raw TEXT NOT NULL,
    file_ids TEXT NOT NULL, eval_status TEXT NOT NULL, eval_comment TEXT NOT NULL,
    update_time TEXT, update_user TEXT, saves INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS rows_by_grant ON rows (grant_id);
CREATE TABLE IF NOT EXISTS files (
    file_id TEXT PRIMARY KEY, owner TEXT NOT NULL, file_name TEXT NOT NULL,
    size INTEGER NOT NULL, sha256 TEXT NOT NULL, file_type TEXT NOT NULL,
    upload_time TEXT NOT NULL, content BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS files_by_hash ON files (owner, sha256);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at REAL NOT NULL);
"""

_ROW_COLUMNS = (
    "idx_id, grant_id, idx_code, parent_id, idx_order, idx_name, idx_type, idx_unit, idx_target, "
    "idx_value, idx_content, idx_content_raw, file_ids, eval_status, eval_comment, update_time, "
    "update_user, saves"
)
_GRANT_COLUMNS = (
    "grant_id, organisation, year, resolution, period_type, from_date, to_date, deadline, status"
)
_FILE_COLUMNS = "file_id, owner, file_name, size, sha256, file_type, upload_time"


@dataclass(frozen=True)
class GrantRecord:
    """A stored grant."""

    grant_id: int
    organisation: str
    year: int
    resolution: str
    period_type: str
    from_date: str
    to_date: str
    deadline: str
    status: str

    def wire(self) -> dict[str, Any]:
        """The grant as theodoinq serves it."""
        return {
            "grantId": self.grant_id,
            "resolution": self.resolution,
            "periodType": self.period_type,
            "fromDate": self.from_date,
            "toDate": self.to_date,
            "deadline": self.deadline,
            "grantStatus": self.status,
        }


@dataclass(frozen=True)
class RowRecord:
    """A stored report row, with the count of saves that changed it."""

    idx_id: int
    grant_id: int
    idx_code: str
    parent_id: int | None
    idx_order: int
    idx_name: str
    idx_type: str
    idx_unit: str
    idx_target: str
    idx_value: str
    idx_content: str
    idx_content_raw: str
    file_ids: tuple[str, ...]
    eval_status: str
    eval_comment: str
    update_time: str | None
    update_user: str | None
    saves: int

    def wire(self) -> dict[str, Any]:
        """The row as theodoinq serves it."""
        return {
            "idxId": self.idx_id,
            "idxCode": self.idx_code,
            "parentId": self.parent_id,
            "idxOrder": self.idx_order,
            "idxName": self.idx_name,
            "idxType": self.idx_type,
            "idxUnit": self.idx_unit,
            "idxTarget": self.idx_target,
            "idxValue": self.idx_value,
            "idxContent": self.idx_content,
            "idxContentRaw": self.idx_content_raw,
            "fileIds": list(self.file_ids),
            "evalStatus": self.eval_status,
            "evalComment": self.eval_comment,
            "updateTime": self.update_time,
            "updateUser": self.update_user,
        }


@dataclass(frozen=True)
class RowContent:
    """What a write puts in a row: value, HTML content, its text, and files."""

    idx_id: int
    value: str
    content: str
    content_raw: str
    file_ids: tuple[str, ...]


@dataclass(frozen=True)
class FileRecord:
    """A stored file's metadata."""

    file_id: str
    owner: str
    file_name: str
    size: int
    sha256: str
    file_type: str
    upload_time: str

    def wire(self) -> dict[str, Any]:
        """The metadata as theodoinq serves it."""
        return {
            "fileId": self.file_id,
            "fileName": self.file_name,
            "size": self.size,
            "sha256": self.sha256,
            "uploadTime": self.upload_time,
        }


def _row(values: tuple[Any, ...]) -> RowRecord:
    fields = list(values)
    fields[12] = tuple(json.loads(fields[12]))
    return RowRecord(*fields)


class Store:
    """The mock's SQLite state."""

    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False
        )
        self._lock = threading.RLock()
        with self._tx() as cur:
            cur.executescript(_DDL)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        with self._lock, self._conn:
            cur = self._conn.cursor()
            try:
                yield cur
            finally:
                cur.close()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock, so that a read-check-write sequence is not interleaved."""
        with self._lock:
            yield

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    @staticmethod
    def _meta(cur: sqlite3.Cursor, key: str) -> int | None:
        found = cur.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else int(found[0])

    @staticmethod
    def _set_meta(cur: sqlite3.Cursor, key: str, value: int) -> None:
        cur.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def seeded_with(self) -> int | None:
        """The seed the stored state was made from, or None if it holds no usable state."""
        with self._tx() as cur:
            if self._meta(cur, "schema") != SCHEMA_VERSION:
                return None
            return self._meta(cur, "seed")

    def generation(self) -> int:
        """How many times the state was seeded (1 after the first seeding)."""
        with self._tx() as cur:
            return self._meta(cur, "generation") or 0

    def reset(self, seed: int, organisation: str, year: int) -> None:
        """Empty everything and seed `organisation`'s grants for `year`, with new ids."""
        with self._tx() as cur:
            for table in ("grants", "rows", "files", "tokens"):
                cur.execute(f"DELETE FROM {table}")
            if self._meta(cur, "seed") != seed:
                cur.execute("DELETE FROM meta")
            generation = (self._meta(cur, "generation") or 0) + 1
            next_id = self._meta(cur, "next_grant_id") or seeding.first_grant_id(seed)
            rng = seeding.generation_rng(seed, generation)
            specs = seeding.grant_specs(year, organisation)
            rng.shuffle(specs)
            rows = seeding.row_specs()
            for spec in specs:
                grant_id = next_id
                next_id += rng.randint(1, 29)
                cur.execute(
                    f"INSERT INTO grants ({_GRANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (grant_id, spec.organisation, spec.year, spec.resolution, spec.period_type,
                     spec.from_date, spec.to_date, spec.deadline, "OPEN"),
                )
                ids = [grant_id * 1000 + n for n in rng.sample(range(100, 1000), len(rows))]
                section_ids = ids[: seeding.SECTION_COUNT]
                for row_spec, idx_id in zip(rows, ids, strict=True):
                    parent = None if row_spec.item is None else section_ids[row_spec.section]
                    order = row_spec.section + 1 if row_spec.item is None else row_spec.item
                    cur.execute(
                        f"INSERT INTO rows ({_ROW_COLUMNS}) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', '[]', 'CHUA_DANH_GIA', '', "
                        "NULL, NULL, 0)",
                        (idx_id, grant_id, seeding.seeded_uuid(rng), parent, order, row_spec.name,
                         row_spec.idx_type, row_spec.unit, row_spec.target),
                    )
            self._set_meta(cur, "schema", SCHEMA_VERSION)
            self._set_meta(cur, "seed", seed)
            self._set_meta(cur, "generation", generation)
            self._set_meta(cur, "next_grant_id", next_id)
            self._set_meta(cur, "file_seq", 0)
            for counter in COUNTERS:
                self._set_meta(cur, f"count.{counter}", 0)

    def bump(self, counter: str, amount: int = 1) -> None:
        """Add to one of the COUNTERS."""
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (f"count.{counter}", amount),
            )

    def counts(self) -> dict[str, int]:
        """The COUNTERS."""
        with self._tx() as cur:
            return {name: self._meta(cur, f"count.{name}") or 0 for name in COUNTERS}

    def grants(self, organisation: str | None = None, year: int | None = None) -> list[GrantRecord]:
        """Grants, by id, optionally of one organisation and year."""
        query = f"SELECT {_GRANT_COLUMNS} FROM grants WHERE 1 = 1"
        params: list[Any] = []
        if organisation is not None:
            query += " AND organisation = ?"
            params.append(organisation)
        if year is not None:
            query += " AND year = ?"
            params.append(year)
        with self._tx() as cur:
            return [GrantRecord(*r) for r in cur.execute(query + " ORDER BY grant_id", params)]

    def grant(self, grant_id: int) -> GrantRecord | None:
        """One grant, or None."""
        with self._tx() as cur:
            found = cur.execute(
                f"SELECT {_GRANT_COLUMNS} FROM grants WHERE grant_id = ?", (grant_id,)
            ).fetchone()
            return None if found is None else GrantRecord(*found)

    def set_grant_status(self, grant_id: int, status: str) -> bool:
        """Set a grant's status; False if there is no such grant."""
        with self._tx() as cur:
            cur.execute("UPDATE grants SET status = ? WHERE grant_id = ?", (status, grant_id))
            return cur.rowcount == 1

    def rows(self, grant_id: int) -> list[RowRecord]:
        """A report's rows: section rows first, then indicator rows, each by idxId."""
        with self._tx() as cur:
            return [
                _row(r)
                for r in cur.execute(
                    f"SELECT {_ROW_COLUMNS} FROM rows WHERE grant_id = ? "
                    "ORDER BY parent_id IS NOT NULL, idx_id",
                    (grant_id,),
                )
            ]

    def row(self, grant_id: int, idx_id: int) -> RowRecord | None:
        """One row of a grant, or None."""
        with self._tx() as cur:
            found = cur.execute(
                f"SELECT {_ROW_COLUMNS} FROM rows WHERE grant_id = ? AND idx_id = ?",
                (grant_id, idx_id),
            ).fetchone()
            return None if found is None else _row(found)

    def write_rows(self, changes: Iterable[RowContent], user: str, when: str) -> int:
        """Write rows' value, content and files, stamp them and count a save on each."""
        written = 0
        with self._tx() as cur:
            for change in changes:
                cur.execute(
                    "UPDATE rows SET idx_value = ?, idx_content = ?, idx_content_raw = ?, "
                    "file_ids = ?, update_time = ?, update_user = ?, saves = saves + 1 "
                    "WHERE idx_id = ?",
                    (change.value, change.content, change.content_raw,
                     json.dumps(list(change.file_ids)), when, user, change.idx_id),
                )
                written += cur.rowcount
        return written

    def set_review(self, idx_id: int, status: str, comment: str) -> None:
        """Set a row's review."""
        with self._tx() as cur:
            cur.execute(
                "UPDATE rows SET eval_status = ?, eval_comment = ? WHERE idx_id = ?",
                (status, comment, idx_id),
            )

    def add_file(
        self,
        owner: str,
        file_name: str,
        sha256: str,
        file_type: str,
        content: IO[bytes],
        size: int,
        when: str,
    ) -> FileRecord:
        """Store a new file (always a new id), copying `content` into the database in chunks."""
        with self._tx() as cur:
            sequence = (self._meta(cur, "file_seq") or 0) + 1
            self._set_meta(cur, "file_seq", sequence)
            file_id = seeding.file_uuid(
                self._meta(cur, "seed") or 0, self._meta(cur, "generation") or 0, sequence
            )
            cur.execute(
                f"INSERT INTO files ({_FILE_COLUMNS}, content) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, zeroblob(?))",
                (file_id, owner, file_name, size, sha256, file_type, when, size),
            )
            rowid = cur.lastrowid
            if size and rowid is not None:
                content.seek(0)
                with self._conn.blobopen("files", "content", rowid) as blob:
                    while chunk := content.read(64 * 1024):
                        blob.write(chunk)
            return FileRecord(file_id, owner, file_name, size, sha256, file_type, when)

    def file(self, file_id: str) -> FileRecord | None:
        """One file's metadata, or None."""
        with self._tx() as cur:
            found = cur.execute(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE file_id = ?", (file_id,)
            ).fetchone()
            return None if found is None else FileRecord(*found)

    def files(self, owner: str | None = None, sha256: str | None = None) -> list[FileRecord]:
        """Files in upload order, optionally of one owner and one hash."""
        query = f"SELECT {_FILE_COLUMNS} FROM files WHERE 1 = 1"
        params: list[Any] = []
        if owner is not None:
            query += " AND owner = ?"
            params.append(owner)
        if sha256 is not None:
            query += " AND sha256 = ?"
            params.append(sha256)
        with self._tx() as cur:
            return [FileRecord(*r) for r in cur.execute(query + " ORDER BY rowid", params)]

    def owned_file_ids(self, owner: str, file_ids: Iterable[str]) -> set[str]:
        """Those of `file_ids` that are files of `owner`."""
        wanted = sorted(set(file_ids))
        if not wanted:
            return set()
        marks = ", ".join("?" for _ in wanted)
        with self._tx() as cur:
            return {
                r[0]
                for r in cur.execute(
                    f"SELECT file_id FROM files WHERE owner = ? AND file_id IN ({marks})",
                    (owner, *wanted),
                )
            }

    def add_token(self, token_hash: str, username: str, expires_at: float) -> None:
        """Remember an issued token (by its hash)."""
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO tokens (token_hash, username, expires_at) VALUES (?, ?, ?)",
                (token_hash, username, expires_at),
            )

    def token(self, token_hash: str) -> tuple[str, float] | None:
        """The account and expiry time of a token, expired or not, or None if unknown."""
        with self._tx() as cur:
            found = cur.execute(
                "SELECT username, expires_at FROM tokens WHERE token_hash = ?", (token_hash,)
            ).fetchone()
            return None if found is None else (str(found[0]), float(found[1]))

    def drop_token(self, token_hash: str) -> None:
        """Forget a token."""
        with self._tx() as cur:
            cur.execute("DELETE FROM tokens WHERE token_hash = ?", (token_hash,))

    def drop_expired_tokens(self, now: float) -> None:
        """Forget tokens that expired before `now`."""
        with self._tx() as cur:
            cur.execute("DELETE FROM tokens WHERE expires_at <= ?", (now,))
