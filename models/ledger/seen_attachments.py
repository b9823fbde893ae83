"""The attachments last read from each remote report, with the report's version then (table
`ledger_seen_attachments`), so an unchanged report's attachments are not read again."""

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from models.ledger.store import LedgerStore
from models.ledger_tables import (
    SeenAttachments,
    SeenAttachmentsBase,
    SeenAttachmentsPublic,
    utc_now,
)


class RememberedAttachments(LedgerStore):
    """Recall and remember the attachments read."""

    def seen_attachments(self, system: str) -> dict[tuple[str, str], SeenAttachmentsPublic]:
        """SYSTEM's remembered attachments by (target_code, period)."""
        statement = select(SeenAttachments).where(SeenAttachments.system == system)
        rows = self._read(lambda session: session.exec(statement).all())
        return {
            (row.target_code, row.period): SeenAttachmentsPublic.model_validate(row)
            for row in rows
        }

    def remember_attachments(
        self, entries: Iterable[SeenAttachmentsBase], *, at: datetime | None = None
    ) -> None:
        """Remember what was read, replacing earlier copies, in one transaction."""
        moment = at or utc_now()
        items = list(entries)
        if not items:
            return

        def work(session: Session) -> None:
            for item in items:
                statement = select(SeenAttachments).where(
                    SeenAttachments.system == item.system,
                    SeenAttachments.target_code == item.target_code,
                    SeenAttachments.period == item.period,
                )
                row = session.exec(statement).first() or SeenAttachments(
                    system=item.system, target_code=item.target_code, period=item.period,
                    remote_id=item.remote_id, seen_at=moment,
                )
                for name in ("remote_id", "version", "count", "attachments"):
                    setattr(row, name, getattr(item, name))
                row.seen_at = moment
                session.add(row)

        self._write(work)
