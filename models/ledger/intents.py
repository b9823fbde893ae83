"""The write-ahead intents (table `ledger_intent`): what a run is about to write, noted before
the first write, so that a later run can finish its own half-done work (see
`connectors.planning`)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import Session, col, select

from models.ledger.store import LedgerStore
from models.ledger_tables import LEDGER_METADATA, Intent, IntentPublic, utc_now


@dataclass(frozen=True, slots=True)
class IntentDraft:
    """What a run is about to write to one (target, period), before the first write."""

    target_code: str
    period: str
    fingerprint: str
    steps: Sequence[str]
    expected: Sequence[str]


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
        draft = IntentDraft(target_code, period, fingerprint, list(steps), list(expected))
        return self.open_intent_group(run_id, system, [draft])[0]

    def open_intent_group(
        self, run_id: str, system: str, drafts: Sequence[IntentDraft]
    ) -> list[int]:
        """Record the DRAFTS of one write (e.g. the rows of one theodoinq save) in one
        transaction, before it; their ids, in order."""
        opened = utc_now()
        rows = [
            {
                "run_id": run_id, "system": system, "target_code": d.target_code,
                "period": d.period, "fingerprint": d.fingerprint, "steps": list(d.steps),
                "expected": list(dict.fromkeys(d.expected)), "reached": [], "outcome": None,
                "opened_at": opened, "closed_at": None,
            }
            for d in drafts
        ]
        table = LEDGER_METADATA.tables[Intent.__tablename__]

        def work(session: Session) -> list[int]:
            connection = session.connection()
            ids: list[int] = []
            for row in rows:
                key = connection.execute(insert(table), row).inserted_primary_key
                assert key is not None
                ids.append(int(key[0]))
            return ids

        return self._write(work) if rows else []

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
