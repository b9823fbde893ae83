"""The write-ahead intents (table `ledger_intent`): what a run is about to write, noted before
the first write, so that a later run can finish its own half-done work (see
`connectors.planning`)."""

from collections.abc import Iterable

from sqlalchemy import insert
from sqlmodel import Session, col, select

from models.ledger.store import LedgerStore
from models.ledger_tables import LEDGER_METADATA, Intent, IntentPublic, utc_now


class Intents(LedgerStore):
    """Open and list intents (advanced and closed through `models.ledger.batch`)."""

    def open_intent(
        self,
        run_id: str,
        system: str,
        target_code: str,
        period: str,
        *,
        fingerprint: str,
        steps: Iterable[str],
        expected: Iterable[str],
    ) -> int:
        """Record, before writing, what a run is about to write; the intent's id."""
        row = {
            "run_id": run_id, "system": system, "target_code": target_code, "period": period,
            "fingerprint": fingerprint, "steps": list(steps),
            "expected": list(dict.fromkeys(expected)), "reached": [], "outcome": None,
            "opened_at": utc_now(), "closed_at": None,
        }
        table = LEDGER_METADATA.tables[Intent.__tablename__]

        def work(session: Session) -> int:
            key = session.connection().execute(insert(table), row).inserted_primary_key
            assert key is not None
            return int(key[0])

        return self._write(work)

    def open_intents(self, system: str) -> dict[tuple[str, str], list[IntentPublic]]:
        """SYSTEM's intents not yet settled, by (target_code, period), oldest first."""
        statement = (
            select(Intent)
            .where(Intent.system == system, col(Intent.closed_at).is_(None))
            .order_by(col(Intent.id))
        )
        rows = self._read(lambda session: session.exec(statement).all())
        found: dict[tuple[str, str], list[IntentPublic]] = {}
        for row in rows:
            found.setdefault((row.target_code, row.period), []).append(
                IntentPublic.model_validate(row)
            )
        return found
