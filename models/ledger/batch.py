"""Ledger writes gathered in memory and made together: one transaction, bulk statements.

A push stage notes what each settled record changes in the ledger (a receipt, an outcome, the
remote as seen, intents to close, attachments read) in a `LedgerBatch`, and `Ledger.commit`
writes the lot in one transaction, each run of same-kind changes as one bulk upsert or update
(SQLite and PostgreSQL alike). Write-ahead intents are never batched: `open_intent` commits
before the write it announces, so a batch lost to a crash only leaves intents open, which the
next run settles first.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Table, and_, bindparam, func, select, update

from models.bulk import upsert_many
from models.db import EXECUTEMANY_CHUNK, execute_many
from models.ledger.store import LedgerStore
from models.ledger_tables import (
    LEDGER_METADATA,
    Intent,
    SeenAttachments,
    SeenAttachmentsBase,
    SyncState,
    utc_now,
)

Kind = Literal["receipt", "outcome", "seen", "close", "step", "attachments"]

_RECEIPT_OPTIONAL = (
    "unit_code", "remote_id", "remote_row",
    "last_seen_remote_version", "last_seen_remote_fingerprint", "last_seen_remote_at",
)
_ATTACHMENT_FIELDS = tuple(SeenAttachmentsBase.model_fields)
_RECEIPT_SET = ("last_pushed_fingerprint", "last_pushed_at", "last_pushed_run_id",
                "last_outcome", "last_error", "updated_at")


@dataclass(slots=True)
class LedgerBatch:
    """Sync-state, intent and remembered-attachment changes, in the order they were noted."""

    ops: list[tuple[Kind, dict[str, Any]]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ops)

    def receipt(
        self,
        system: str,
        target_code: str,
        period: str,
        *,
        run_id: str,
        pushed_fingerprint: str,
        outcome: str,
        unit_code: str | None = None,
        remote_id: str | None = None,
        remote_row: str | None = None,
        remote_version: str | None = None,
        remote_fingerprint: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """A push the remote accepted: the pushed fingerprint, time, run and OUTCOME are set
        and the last error cleared; the remote's identity and version are written when given
        and otherwise left as they were."""
        moment = at or utc_now()
        seen = remote_version is not None or remote_fingerprint is not None
        self.ops.append(("receipt", {
            "system": system, "target_code": target_code, "period": period,
            "last_pushed_fingerprint": pushed_fingerprint, "last_pushed_at": moment,
            "last_pushed_run_id": run_id, "last_outcome": outcome, "last_error": None,
            "updated_at": moment, "unit_code": unit_code, "remote_id": remote_id,
            "remote_row": remote_row, "last_seen_remote_version": remote_version,
            "last_seen_remote_fingerprint": remote_fingerprint,
            "last_seen_remote_at": moment if seen else None,
        }))

    def outcome(
        self,
        system: str,
        target_code: str,
        period: str,
        *,
        outcome: str,
        error: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """A push that did not happen or failed (`held`, `conflict`, `failed`…); ERROR is stored
        as given (None clears it): pass text already free of secrets."""
        self.ops.append(("outcome", {
            "system": system, "target_code": target_code, "period": period,
            "last_outcome": outcome, "last_error": error, "updated_at": at or utc_now(),
        }))

    def remote_seen(
        self,
        system: str,
        target_code: str,
        period: str,
        *,
        remote_version: str | None,
        remote_fingerprint: str | None,
        at: datetime | None = None,
    ) -> None:
        """What a fetch found on the remote for (target_code, period)."""
        moment = at or utc_now()
        self.ops.append(("seen", {
            "system": system, "target_code": target_code, "period": period,
            "last_seen_remote_version": remote_version,
            "last_seen_remote_fingerprint": remote_fingerprint,
            "last_seen_remote_at": moment, "updated_at": moment,
        }))

    def close_intents(
        self, system: str, target_code: str, period: str, outcome: str,
        *, at: datetime | None = None,
    ) -> None:
        """Settle every intent of SYSTEM for (target_code, period) still open at commit."""
        self.ops.append(("close", {
            "k_system": system, "k_target_code": target_code, "k_period": period,
            "outcome": outcome, "closed_at": at or utc_now(),
        }))

    def intent_step(self, intent_id: int, remote_fingerprint: str) -> None:
        """What the remote held once a step of intent INTENT_ID was confirmed."""
        self.ops.append(("step", {"id": intent_id, "fingerprint": remote_fingerprint}))

    def attachments(
        self, entries: Iterable[SeenAttachmentsBase], *, at: datetime | None = None
    ) -> None:
        """The attachments read from remote reports, replacing earlier copies."""
        moment = at or utc_now()
        for entry in entries:
            row = {name: getattr(entry, name) for name in _ATTACHMENT_FIELDS}
            row["attachments"] = [dict(item) for item in entry.attachments]
            row["seen_at"] = moment
            self.ops.append(("attachments", row))


class Batches(LedgerStore):
    """Commit a `LedgerBatch`."""

    def commit(self, batch: LedgerBatch) -> int:
        """Write BATCH in one transaction and empty it; how many rows the changes matched."""
        ops = list(batch.ops)
        if not ops:
            return 0
        self._ensure_ready()
        count = 0
        with self._engine.begin() as connection:
            for (_, kind), rows in _in_rounds(ops):
                count += _WRITERS[kind](connection, rows)
        batch.ops.clear()
        return count


def _in_rounds(
    ops: list[tuple[Kind, dict[str, Any]]],
) -> list[tuple[tuple[int, Kind], list[dict[str, Any]]]]:
    """OPS grouped for bulk statements: round k holds each row's k-th change, by kind.

    Changes to one row keep their order (a receipt then an outcome stays so); within a round
    no statement touches a row twice, so the order of kinds does not matter.
    """
    seen: dict[tuple[Any, ...], int] = {}
    rounds: dict[tuple[int, Kind], list[dict[str, Any]]] = {}
    for kind, params in ops:
        row = (_TABLE_OF[kind], *[params[name] for name in _KEYS[kind]])
        turn = seen.get(row, 0)
        seen[row] = turn + 1
        rounds.setdefault((turn, kind), []).append(params)
    return sorted(rounds.items(), key=lambda item: (item[0][0], _ORDER[item[0][1]]))


def _table(name: str) -> Table:
    return LEDGER_METADATA.tables[name]


def _sync_upsert(
    connection: Connection,
    rows: list[dict[str, Any]],
    columns: Iterable[str] | Callable[[Any], dict[str, Any]],
) -> int:
    return upsert_many(connection, _table(SyncState.__tablename__), _SYNC_KEY, columns, rows)


def _write_receipts(connection: Connection, rows: list[dict[str, Any]]) -> int:
    table = _table(SyncState.__tablename__)

    def columns(new: Any) -> dict[str, Any]:
        kept = {name: func.coalesce(new[name], table.c[name]) for name in _RECEIPT_OPTIONAL}
        return {**{name: new[name] for name in _RECEIPT_SET}, **kept}

    return _sync_upsert(connection, rows, columns)


def _write_outcomes(connection: Connection, rows: list[dict[str, Any]]) -> int:
    names = ("last_outcome", "last_error", "updated_at")
    return _sync_upsert(connection, rows, names)


def _write_seen(connection: Connection, rows: list[dict[str, Any]]) -> int:
    names = ("last_seen_remote_version", "last_seen_remote_fingerprint",
             "last_seen_remote_at", "updated_at")
    return _sync_upsert(connection, rows, names)


def _close_intents(connection: Connection, rows: list[dict[str, Any]]) -> int:
    table = _table(Intent.__tablename__)
    statement = (
        update(table)
        .where(and_(
            table.c.system == bindparam("k_system"),
            table.c.target_code == bindparam("k_target_code"),
            table.c.period == bindparam("k_period"),
            table.c.closed_at.is_(None),
        ))
        .values(outcome=bindparam("outcome"), closed_at=bindparam("closed_at"))
    )
    return execute_many(connection, statement, rows)


def _note_steps(connection: Connection, rows: list[dict[str, Any]]) -> int:
    table = _table(Intent.__tablename__)
    ids = list(dict.fromkeys(int(row["id"]) for row in rows))
    reached: dict[int, list[str]] = {}
    for start in range(0, len(ids), EXECUTEMANY_CHUNK):
        chunk = ids[start:start + EXECUTEMANY_CHUNK]
        found = connection.execute(select(table.c.id, table.c.reached).where(table.c.id.in_(chunk)))
        reached.update((int(i), list(r or [])) for i, r in found)
    changed: set[int] = set()
    for row in rows:
        steps = reached.get(int(row["id"]))
        if steps is not None and row["fingerprint"] not in steps:
            steps.append(row["fingerprint"])
            changed.add(int(row["id"]))
    statement = (
        update(table).where(table.c.id == bindparam("k_id")).values(reached=bindparam("reached"))
    )
    rows = [{"k_id": i, "reached": reached[i]} for i in changed]
    return execute_many(connection, statement, rows)


def _write_attachments(connection: Connection, rows: list[dict[str, Any]]) -> int:
    table = _table(SeenAttachments.__tablename__)
    names = ("remote_id", "version", "count", "attachments", "seen_at")
    return upsert_many(connection, table, _SYNC_KEY, names, rows)


_SYNC_KEY = ("system", "target_code", "period")
_KEYS: dict[Kind, tuple[str, ...]] = {
    "receipt": _SYNC_KEY, "outcome": _SYNC_KEY, "seen": _SYNC_KEY, "attachments": _SYNC_KEY,
    "close": ("k_system", "k_target_code", "k_period"), "step": ("id",),
}

_TABLE_OF: dict[Kind, str] = {
    "receipt": "sync", "outcome": "sync", "seen": "sync", "attachments": "attachments",
    "close": "intent", "step": "intent",
}
_ORDER: dict[Kind, int] = {kind: i for i, kind in enumerate(_TABLE_OF)}

_WRITERS: dict[Kind, Callable[[Connection, list[dict[str, Any]]], int]] = {
    "receipt": _write_receipts,
    "outcome": _write_outcomes,
    "seen": _write_seen,
    "close": _close_intents,
    "step": _note_steps,
    "attachments": _write_attachments,
}

__all__ = ["Batches", "LedgerBatch"]
