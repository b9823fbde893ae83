"""Calls whose tables are gone (schema step 1), kept as no-ops only until their last callers
(`flows/pipeline.py`, `flows/benchmarks/`, `connectors/nq71/adapter.py`) drop them; then this
module goes too."""

from collections.abc import Iterable
from datetime import datetime

from models.ledger.store import LedgerStore
from models.records import ProgressRecord


class Retired(LedgerStore):
    """No-ops standing in for the canonical-report and attachment records."""

    def record_reports(
        self, run_id: str, records: Iterable[ProgressRecord], *, at: datetime | None = None
    ) -> None:
        """Nothing: the canonical reports are no longer kept (nothing read them)."""

    def record_attachment(
        self,
        system: str,
        target_code: str,
        period: str,
        sha256: str,
        *,
        remote_report: str,
        remote_file_id: str,
        remote_attachment_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Nothing: attachments are no longer kept (nothing read them)."""
