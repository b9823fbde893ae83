"""The ledger's runs: each run recorded when it starts and when it ends (table `ledger_run`)."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from models.ledger.store import LedgerStore
from models.ledger_tables import Run, RunCreate, RunPublic, RunStatus, new_run_id, utc_now


class Runs(LedgerStore):
    """Start and finish runs."""

    def start_run(self, run: RunCreate | None = None, *, at: datetime | None = None) -> RunPublic:
        """Record the start of a run (status `running`)."""
        request = run or RunCreate()
        row = Run(
            run_id=request.run_id or new_run_id(at),
            started_at=at or utc_now(),
            dry_run=request.dry_run,
            systems=list(request.systems),
            code_version=request.code_version,
            source_files=dict(request.source_files),
        )

        def work(session: Session) -> Run:
            session.add(row)
            return row

        return RunPublic.model_validate(self._write(work))

    def finish_run(
        self,
        run_id: str,
        status: RunStatus,
        *,
        summary: dict[str, Any] | None = None,
        error: str | None = None,
        at: datetime | None = None,
    ) -> RunPublic:
        """Record how a run ended; raises KeyError for an unknown run."""

        def work(session: Session) -> Run:
            row = session.get(Run, run_id)
            if row is None:
                raise KeyError(run_id)
            row.status = status
            row.finished_at = at or utc_now()
            row.summary = summary
            row.error = error
            session.add(row)
            return row

        return RunPublic.model_validate(self._write(work))
