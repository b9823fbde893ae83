"""Per system and (target, period): what nqsync last pushed and last saw on the remote
(table `ledger_sync_state`)."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.ledger.store import LedgerStore
from models.ledger_tables import SyncState, SyncStatePublic, utc_now


class SyncStates(LedgerStore):
    """Read and record sync states."""

    def get_sync_state(self, system: str, target_code: str, period: str) -> SyncStatePublic | None:
        """SYSTEM's sync state for (target_code, period), or None if never touched."""
        row = self._read(lambda session: _get(session, system, target_code, period))
        return None if row is None else SyncStatePublic.model_validate(row)

    def list_sync_states(self, system: str) -> list[SyncStatePublic]:
        """SYSTEM's sync states, by period and target."""
        statement = (
            select(SyncState)
            .where(SyncState.system == system)
            .order_by(col(SyncState.period), col(SyncState.target_code))
        )
        rows = self._read(lambda session: session.exec(statement).all())
        return [SyncStatePublic.model_validate(row) for row in rows]

    def record_receipt(
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
    ) -> SyncStatePublic:
        """Record a push the remote accepted (OUTCOME e.g. `created`, `updated`).

        Sets the pushed fingerprint, time and run, and clears the last error. The remote's
        identity and version are written when given and otherwise left as they were.
        """
        moment = at or utc_now()
        fields: dict[str, Any] = {
            "last_pushed_fingerprint": pushed_fingerprint,
            "last_pushed_at": moment,
            "last_pushed_run_id": run_id,
            "last_outcome": outcome,
            "last_error": None,
        }
        optional = {
            "unit_code": unit_code,
            "remote_id": remote_id,
            "remote_row": remote_row,
            "last_seen_remote_version": remote_version,
            "last_seen_remote_fingerprint": remote_fingerprint,
        }
        fields.update({name: value for name, value in optional.items() if value is not None})
        if remote_version is not None or remote_fingerprint is not None:
            fields["last_seen_remote_at"] = moment
        return self._upsert_sync_state(system, target_code, period, fields, moment)

    def record_remote_seen(
        self,
        system: str,
        target_code: str,
        period: str,
        *,
        remote_version: str | None,
        remote_fingerprint: str | None,
        at: datetime | None = None,
    ) -> SyncStatePublic:
        """Record what a fetch found on the remote for (target_code, period)."""
        moment = at or utc_now()
        fields = {
            "last_seen_remote_version": remote_version,
            "last_seen_remote_fingerprint": remote_fingerprint,
            "last_seen_remote_at": moment,
        }
        return self._upsert_sync_state(system, target_code, period, fields, moment)

    def record_outcome(
        self,
        system: str,
        target_code: str,
        period: str,
        *,
        outcome: str,
        error: str | None = None,
        at: datetime | None = None,
    ) -> SyncStatePublic:
        """Record a push that did not happen or failed (`held`, `conflict`, `failed`…).

        ERROR is stored as given: pass text already free of secrets.
        """
        fields = {"last_outcome": outcome, "last_error": error}
        return self._upsert_sync_state(system, target_code, period, fields, at or utc_now())

    def _upsert_sync_state(
        self, system: str, target_code: str, period: str, fields: dict[str, Any], at: datetime
    ) -> SyncStatePublic:
        """Create or change the state: FIELDS are written (None clears), the rest kept."""

        def work(session: Session) -> SyncState:
            row = _get(session, system, target_code, period) or SyncState(
                system=system, target_code=target_code, period=period, updated_at=at
            )
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = at
            session.add(row)
            session.flush()
            return row

        return SyncStatePublic.model_validate(self._write(work))


def _get(session: Session, system: str, target_code: str, period: str) -> SyncState | None:
    statement = select(SyncState).where(
        SyncState.system == system,
        SyncState.target_code == target_code,
        SyncState.period == period,
    )
    return session.exec(statement).first()
