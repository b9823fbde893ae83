"""Each write a connector makes, and how it ended, appended to the hash-chained audit trail.

An inspector can then answer "who sent this figure, when, from which unit's file, and was it
changed since?" from the ledger alone (`nqsync audit verify`, `nqsync audit export`).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from connectors.base import PlannedChange
from models.audit import AuditEntryCreate, AuditTrail
from models.ledger_tables import utc_now
from models.records import ProgressRecord

GRANT = "*"
"""The target code of an entry about a whole period (a theodoinq submission)."""


class Auditor:
    """Appends one system's write attempts and outcomes for one run (secrets never kept)."""

    def __init__(
        self,
        engine: Engine,
        system: str,
        run_id: str,
        sources: Mapping[str, str],
        approver: str | None = None,
    ) -> None:
        self._trail = AuditTrail(engine)
        self.system = system
        self.run_id = run_id
        self._sources = dict(sources)
        self._approver = approver
        self._pending: list[AuditEntryCreate] = []

    def record(
        self,
        action: str,
        target_code: str,
        period: str,
        *,
        record: ProgressRecord | None = None,
        request: Mapping[str, Any] | None = None,
        response: Mapping[str, Any] | None = None,
        later: bool = False,
    ) -> None:
        """Append one entry: ACTION is `intent`, `write` or `outcome`.

        With LATER, the entry (timed now) waits for `flush`, which appends all that wait in
        one transaction: for what happened after a write, never for an intent before one.
        """
        entry = self._entry(action, target_code, period, record, request, response, later)
        if later:
            self._pending.append(entry)
        else:
            self._trail.append([entry])

    def record_changes(
        self, action: str, changes: Sequence[tuple[PlannedChange, Mapping[str, Any]]]
    ) -> None:
        """Append an ACTION entry for each (change, request) now, in one transaction (the
        intents of one write that carries several changes)."""
        self._trail.append([
            self._entry(action, c.target_code, c.period, c.record, request, None, False)
            for c, request in changes
        ])

    def _entry(
        self,
        action: str,
        target_code: str,
        period: str,
        record: ProgressRecord | None,
        request: Mapping[str, Any] | None,
        response: Mapping[str, Any] | None,
        later: bool,
    ) -> AuditEntryCreate:
        source = record.source.file if record is not None else None
        return AuditEntryCreate(
            run_id=self.run_id,
            system=self.system,
            target_code=target_code,
            period=period,
            unit_code=record.unit_code if record is not None else None,
            action=action,
            request=dict(request or {}),
            response=dict(response or {}),
            source_file=source,
            source_sha256=self._sources.get(source) if source else None,
            approver=self._approver,
            at=utc_now() if later else None,
        )

    def flush(self) -> None:
        """Append the entries that wait, in one transaction."""
        pending, self._pending = self._pending, []
        self._trail.append(pending)


def audit_change(
    auditor: Auditor | None,
    action: str,
    change: PlannedChange,
    *,
    request: Mapping[str, Any] | None = None,
    response: Mapping[str, Any] | None = None,
    later: bool = False,
) -> None:
    """Append an entry about one planned change, when the run keeps an audit trail (LATER:
    see `Auditor.record`)."""
    if auditor is not None:
        auditor.record(
            action, change.target_code, change.period,
            record=change.record, request=request, response=response, later=later,
        )
