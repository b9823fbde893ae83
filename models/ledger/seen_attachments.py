"""The attachments last read from each remote report, with the report's version then (table
`ledger_seen_attachments`), so an unchanged report's attachments are not read again."""

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import select

from models.ledger.batch import Batches, LedgerBatch
from models.ledger_tables import (
    SeenAttachments,
    SeenAttachmentsBase,
    SeenAttachmentsPublic,
)


class RememberedAttachments(Batches):
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
        batch = LedgerBatch()
        batch.attachments(entries, at=at)
        self.commit(batch)
