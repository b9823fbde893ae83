"""Per system and (target, period): what nqsync last pushed and last saw on the remote
(table `ledger_sync_state`)."""

from datetime import datetime

from sqlmodel import Session, col, select

from models.ledger.batch import Batches, LedgerBatch
from models.ledger_tables import SyncState, SyncStatePublic


class SyncStates(Batches):
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
        """Record a push the remote accepted (OUTCOME e.g. `created`, `updated`): see
        `LedgerBatch.receipt`, which a stage uses to record many at once."""
        batch = LedgerBatch()
        batch.receipt(
            system, target_code, period, run_id=run_id, pushed_fingerprint=pushed_fingerprint,
            outcome=outcome, unit_code=unit_code, remote_id=remote_id, remote_row=remote_row,
            remote_version=remote_version, remote_fingerprint=remote_fingerprint, at=at,
        )
        return self._commit_one(batch, system, target_code, period)

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
        batch = LedgerBatch()
        batch.remote_seen(
            system, target_code, period,
            remote_version=remote_version, remote_fingerprint=remote_fingerprint, at=at,
        )
        return self._commit_one(batch, system, target_code, period)

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
        batch = LedgerBatch()
        batch.outcome(system, target_code, period, outcome=outcome, error=error, at=at)
        return self._commit_one(batch, system, target_code, period)

    def _commit_one(
        self, batch: LedgerBatch, system: str, target_code: str, period: str
    ) -> SyncStatePublic:
        self.commit(batch)
        state = self.get_sync_state(system, target_code, period)
        assert state is not None
        return state


def _get(session: Session, system: str, target_code: str, period: str) -> SyncState | None:
    statement = select(SyncState).where(
        SyncState.system == system,
        SyncState.target_code == target_code,
        SyncState.period == period,
    )
    return session.exec(statement).first()
