"""Per system and (target, period): what nqsync last pushed and last saw on the remote
(table `ledger_sync_state`); written through `models.ledger.batch`."""

from sqlmodel import Session, col, select

from models.ledger.store import LedgerStore
from models.ledger_tables import SyncState, SyncStatePublic


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


def _get(session: Session, system: str, target_code: str, period: str) -> SyncState | None:
    statement = select(SyncState).where(
        SyncState.system == system,
        SyncState.target_code == target_code,
        SyncState.period == period,
    )
    return session.exec(statement).first()
