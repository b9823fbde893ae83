"""The audit trail: every write attempt and outcome, hash-chained so that tampering shows.

Table `ledger_audit` on the ledger's metadata. Each entry has a gap-free sequence number `seq`
(1, 2, …), its content (when, which run, system, record key, action, what was sent without
secrets, the remote's answer and version, the source file and its SHA-256, the approver) and

    hash = sha256(prev_hash + canonical_json(content))

where `prev_hash` is the previous entry's `hash` (`GENESIS_HASH` for entry 1) and `content`
includes `seq` and `at`. `AuditTrail.verify` recomputes the chain and names the first entry
that was changed, unlinked or removed. Appends take one writer at a time (PostgreSQL: a
transaction-scoped advisory lock; SQLite: the `BEGIN IMMEDIATE` transactions of
`models.db.make_engine`), and `seq` is the primary key, so concurrent runs cannot fork the chain.
Removing the newest entries cannot be told from the chain alone: keep `VerifyResult.last_hash`
somewhere else (a report prints it) to anchor it.
"""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import JSON
from sqlalchemy import insert as sql_insert
from sqlalchemy import select as sql_select
from sqlmodel import Field, Session, col, select

from models.db import UTCDateTime, lock_transaction
from models.fingerprint import canonical, canonical_json
from models.ledger.store import LedgerStore
from models.ledger_tables import LEDGER_METADATA, SHA256_LENGTH, LedgerModel, utc_now
from models.sensitive import without_secrets

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditEntryCreate",
    "AuditEntryPublic",
    "AuditTrail",
    "VerifyResult",
    "entry_hash",
]

GENESIS_HASH = "0" * SHA256_LENGTH
APPEND_LOCK = "nqsync.ledger_audit"
"""The lock every append holds for its transaction (`models.db.lock_transaction`)."""
_VERIFY_BATCH = 500

Problem = Literal["content_changed", "link_broken", "entry_missing"]


class AuditEntryBase(LedgerModel):
    """What one audit entry says.

    `action` is e.g. `intent` (about to write), `write` (a request sent) or `outcome` (how it
    ended). `request` is what was sent and `response` the remote's answer and version, as JSON
    objects; keys naming secrets (password, token, authorization…) are dropped on append.
    """

    run_id: str = Field(max_length=64)
    system: str = Field(max_length=16)
    target_code: str = Field(max_length=16, index=True)
    period: str = Field(max_length=7, index=True)
    unit_code: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=32)
    request: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    response: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    source_file: str | None = None
    source_sha256: str | None = Field(default=None, max_length=SHA256_LENGTH)
    approver: str | None = None


class AuditEntryCreate(AuditEntryBase):
    """An entry to append; `at` (timezone-aware) defaults to the time of the append."""

    at: datetime | None = None


class AuditEntry(AuditEntryBase, table=True):
    """Table `ledger_audit`, one row per entry, `seq` gap-free from 1."""

    __tablename__ = "ledger_audit"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_type=UTCDateTime)
    prev_hash: str = Field(max_length=SHA256_LENGTH)
    hash: str = Field(max_length=SHA256_LENGTH)


class AuditEntryPublic(AuditEntryBase):
    """An entry as read back."""

    seq: int
    at: datetime
    prev_hash: str
    hash: str


class VerifyResult(BaseModel):
    """The outcome of re-computing the chain.

    When broken, `seq` is the first entry found wrong and `problem` what is wrong with it:
    `content_changed` (its hash does not match its content), `link_broken` (its `prev_hash`
    is not the previous entry's hash: the previous entry was rewritten with a new hash, or this
    one was replaced) or `entry_missing` (`seq` itself is missing). `message` says it in
    Vietnamese. `count` is the number of entries read; `last_seq`/`last_hash` the newest.
    """

    ok: bool
    count: int
    seq: int | None = None
    problem: Problem | None = None
    message: str
    last_seq: int | None = None
    last_hash: str | None = None


def _content(seq: int, at: datetime, fields: Mapping[str, Any]) -> dict[str, Any]:
    names = AuditEntryBase.model_fields
    return {"seq": seq, "at": at, **{name: fields[name] for name in names}}


def entry_hash(prev_hash: str, seq: int, at: datetime, fields: Mapping[str, Any]) -> str:
    """sha256(prev_hash + canonical JSON of the entry's content: seq, at and FIELDS)."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical_json(_content(seq, at, fields)).encode("utf-8"))
    return digest.hexdigest()


def _stored_fields(entry: AuditEntryCreate) -> dict[str, Any]:
    fields = entry.model_dump(exclude={"at"})
    fields["request"] = canonical(without_secrets(entry.request))
    fields["response"] = canonical(without_secrets(entry.response))
    return fields


class AuditTrail(LedgerStore):
    """Appends to, verifies and reads the audit trail on ENGINE (from `models.db.make_engine`).

    Safe to share between threads; each call is one short transaction.
    """

    TABLES = (AuditEntry.__tablename__,)
    WRITE_ATTEMPTS = 5

    def append(self, entries: Sequence[AuditEntryCreate]) -> list[AuditEntryPublic]:
        """Append ENTRIES, in order, in one transaction; the entries as written.

        Either every entry is written or none is (e.g. a naive `at`, or a request that is not
        JSON data, refuses the whole batch).
        """
        batch = list(entries)
        if not batch:
            return []
        rows = self._write(lambda session: _append(session, batch))
        return [AuditEntryPublic.model_validate(row) for row in rows]

    def verify(self) -> VerifyResult:
        """Re-compute the whole chain; the first broken entry, if any."""
        return self._read(_verify)

    def history(
        self, period: str | None = None, target: str | None = None
    ) -> list[AuditEntryPublic]:
        """The entries (of one period `YYYY-MM` and/or one target code if given), by `seq`."""
        statement = select(AuditEntry).order_by(col(AuditEntry.seq))
        if period is not None:
            statement = statement.where(AuditEntry.period == period)
        if target is not None:
            statement = statement.where(AuditEntry.target_code == target)
        rows = self._read(lambda session: session.exec(statement).all())
        return [AuditEntryPublic.model_validate(row) for row in rows]


def _append(session: Session, batch: Sequence[AuditEntryCreate]) -> list[dict[str, Any]]:
    """Chain BATCH after the newest entry, holding the append lock for the transaction; the
    rows written, in one bulk insert."""
    connection = session.connection()
    lock_transaction(connection, APPEND_LOCK)
    table = LEDGER_METADATA.tables[AuditEntry.__tablename__]
    last = connection.execute(
        sql_select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (int(last.seq), str(last.hash)) if last else (0, GENESIS_HASH)
    rows = []
    for entry in batch:
        seq += 1
        at = entry.at or utc_now()
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("the audit trail stores timezone-aware datetimes only")
        at = at.astimezone(UTC)
        fields = _stored_fields(entry)
        digest = entry_hash(prev_hash, seq, at, fields)
        rows.append({"seq": seq, "at": at, "prev_hash": prev_hash, "hash": digest, **fields})
        prev_hash = digest
    connection.execute(sql_insert(table), rows)
    return rows


def _verify(session: Session) -> VerifyResult:
    count = 0
    previous: AuditEntry | None = None
    statement = select(AuditEntry).order_by(col(AuditEntry.seq))
    for row in session.exec(statement.execution_options(yield_per=_VERIFY_BATCH)):
        count += 1
        broken = _check(row, previous)
        if broken is not None:
            return broken.model_copy(update={"count": count})
        previous = row
    if previous is None:
        return VerifyResult(ok=True, count=0, message="Nhật ký kiểm toán chưa có mục nào.")
    return VerifyResult(
        ok=True,
        count=count,
        message=f"Chuỗi nhật ký kiểm toán nguyên vẹn: {count} mục.",
        last_seq=previous.seq,
        last_hash=previous.hash,
    )


def _check(row: AuditEntry, previous: AuditEntry | None) -> VerifyResult | None:
    expected_seq = 1 if previous is None else previous.seq + 1
    if row.seq != expected_seq:
        after = "" if previous is None else f" sau mục #{previous.seq}"
        return _broken(
            expected_seq,
            "entry_missing",
            f"Thiếu mục #{expected_seq}:{after} là mục #{row.seq} (mục đã bị xóa).",
        )
    fields = {name: getattr(row, name) for name in AuditEntryBase.model_fields}
    if entry_hash(row.prev_hash, row.seq, row.at, fields) != row.hash:
        return _broken(
            row.seq,
            "content_changed",
            f"Mục #{row.seq} đã bị sửa: mã băm tính lại từ nội dung không khớp mã băm đã lưu.",
        )
    expected_prev = GENESIS_HASH if previous is None else previous.hash
    if row.prev_hash != expected_prev:
        before = "điểm khởi đầu" if previous is None else f"mục #{previous.seq}"
        return _broken(
            row.seq,
            "link_broken",
            f"Mục #{row.seq} không nối được với {before}: mã băm mục trước không khớp "
            f"({before} hoặc mục #{row.seq} đã bị sửa hay thay thế).",
        )
    return None


def _broken(seq: int, problem: Problem, message: str) -> VerifyResult:
    return VerifyResult(ok=False, count=0, seq=seq, problem=problem, message=message)
