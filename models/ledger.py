"""The sync ledger: nqsync's memory of runs, canonical reports, uploads and per-system sync state.

`Ledger.open()` connects to `NQSYNC_DATABASE_URL` (SQLite `nqsync.db` in the working directory by
default) and creates the tables on first use. Every method is one short transaction and returns
detached `*Public` models, so callers never hold a session.
"""

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Engine, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.db import make_engine
from models.fingerprint import canonical_json, fingerprint, record_fingerprint
from models.ledger_tables import (
    LEDGER_METADATA,
    Attachment,
    AttachmentPublic,
    CanonicalReport,
    CanonicalReportPublic,
    Evidence,
    EvidencePublic,
    Intent,
    IntentPublic,
    Run,
    RunCreate,
    RunPublic,
    RunStatus,
    SeenAttachments,
    SeenAttachmentsBase,
    SeenAttachmentsPublic,
    SyncState,
    SyncStatePublic,
    SyncStateUpdate,
    Upload,
    UploadPublic,
    new_run_id,
    utc_now,
)
from models.records import EvidenceFile, ProgressRecord
from models.settings import Settings, get_settings

__all__ = [
    "AttachmentPublic",
    "CanonicalReportPublic",
    "EvidencePublic",
    "IntentPublic",
    "Ledger",
    "RunCreate",
    "RunPublic",
    "RunStatus",
    "SeenAttachmentsBase",
    "SeenAttachmentsPublic",
    "SyncStatePublic",
    "SyncStateUpdate",
    "UploadPublic",
    "canonical_json",
    "fingerprint",
    "record_fingerprint",
]

_T = TypeVar("_T")
_WRITE_ATTEMPTS = 3


class Ledger:
    """Repository over the ledger tables; safe to share between threads."""

    def __init__(self, engine: Engine, *, owns_engine: bool = False) -> None:
        """Use ENGINE; with `owns_engine`, `close()` disposes of it."""
        self._engine = engine
        self._owns_engine = owns_engine
        self._tables_ready = False
        self._lock = threading.Lock()

    @classmethod
    def open(cls, url: str | None = None, *, settings: Settings | None = None) -> Self:
        """A ledger on URL, else on the settings' `database_url`."""
        database_url = url or (settings or get_settings()).database_url
        return cls(make_engine(database_url), owns_engine=True)

    @property
    def engine(self) -> Engine:
        """The engine the ledger writes through."""
        return self._engine

    def close(self) -> None:
        """Release the engine's connections if this ledger opened it."""
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def create_tables(self) -> None:
        """Create any missing ledger table (idempotent; done on first use anyway)."""
        with self._lock:
            if not self._tables_ready:
                LEDGER_METADATA.create_all(self._engine)
                self._tables_ready = True

    def _read(self, work: Callable[[Session], _T]) -> _T:
        self.create_tables()
        with Session(self._engine, expire_on_commit=False) as session:
            return work(session)

    def _write(self, work: Callable[[Session], _T]) -> _T:
        self.create_tables()
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            with Session(self._engine, expire_on_commit=False) as session:
                try:
                    result = work(session)
                    session.commit()
                    return result
                except IntegrityError:
                    session.rollback()
                    if attempt == _WRITE_ATTEMPTS:
                        raise
        raise AssertionError("unreachable")

    # Runs

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

    def get_run(self, run_id: str) -> RunPublic | None:
        """The run with that id, or None."""
        row = self._read(lambda session: session.get(Run, run_id))
        return None if row is None else RunPublic.model_validate(row)

    def recent_runs(self, limit: int = 20) -> list[RunPublic]:
        """The latest runs, newest first."""
        statement = select(Run).order_by(col(Run.started_at).desc()).limit(limit)
        rows = self._read(lambda session: session.exec(statement).all())
        return [RunPublic.model_validate(row) for row in rows]

    # Canonical reports and evidence

    def record_reports(
        self, run_id: str, records: Iterable[ProgressRecord], *, at: datetime | None = None
    ) -> int:
        """Record the canonical reports read in a run, and their evidence files, in one go.

        One transaction and a few bulk statements, whatever the number of records. A report
        keeps its first-seen run; `changed_run_id` moves only when its fingerprint does.
        """
        moment = at or utc_now()
        batch = {record.key: record for record in records}
        if not batch:
            return 0
        periods = sorted({key[2] for key in batch})

        def work(session: Session) -> int:
            _bulk_evidence(session, [e for r in batch.values() for e in r.evidence], moment)
            existing = _reports_of(session, periods)
            inserts, updates = [], []
            for key, record in batch.items():
                values = _report_values(run_id, record, moment)
                row = existing.get(key)
                if row is None:
                    inserts.append(
                        {**values, "first_seen_run_id": run_id, "changed_run_id": run_id}
                    )
                    continue
                if row.fingerprint != values["fingerprint"]:
                    values["changed_run_id"] = run_id
                updates.append({**values, "id": row.id})
            if inserts:
                session.execute(insert(CanonicalReport), inserts)
            if updates:
                session.execute(update(CanonicalReport), updates)
            return len(batch)

        return self._write(work)

    def record_report(
        self, run_id: str, record: ProgressRecord, *, at: datetime | None = None
    ) -> CanonicalReportPublic:
        """Record one canonical report read in a run (see `record_reports`)."""
        self.record_reports(run_id, [record], at=at)
        stored = self.get_report(*record.key)
        assert stored is not None
        return stored

    def get_report(
        self, unit_code: str, target_code: str, period: str
    ) -> CanonicalReportPublic | None:
        """The last recorded report for (unit_code, target_code, period), or None."""
        statement = select(CanonicalReport).where(
            CanonicalReport.unit_code == unit_code,
            CanonicalReport.target_code == target_code,
            CanonicalReport.period == period,
        )
        row = self._read(lambda session: session.exec(statement).first())
        return None if row is None else CanonicalReportPublic.model_validate(row)

    def list_reports(self, *, period: str | None = None) -> list[CanonicalReportPublic]:
        """Recorded reports (of one period if given), by target, unit and period."""
        statement = select(CanonicalReport).order_by(
            col(CanonicalReport.target_code),
            col(CanonicalReport.unit_code),
            col(CanonicalReport.period),
        )
        if period is not None:
            statement = statement.where(CanonicalReport.period == period)
        rows = self._read(lambda session: session.exec(statement).all())
        return [CanonicalReportPublic.model_validate(row) for row in rows]

    def record_evidence(
        self, evidence: EvidenceFile, *, at: datetime | None = None
    ) -> EvidencePublic:
        """Record an evidence file (by sha256); its path and size are updated to the latest."""
        moment = at or utc_now()
        row = self._write(lambda session: _upsert_evidence(session, evidence, moment))
        return EvidencePublic.model_validate(row)

    def get_evidence(self, sha256: str) -> EvidencePublic | None:
        """The evidence file with that sha256, or None."""
        row = self._read(lambda session: session.get(Evidence, sha256.lower()))
        return None if row is None else EvidencePublic.model_validate(row)

    # Uploads and attachments

    def record_upload_started(
        self,
        system: str,
        evidence: EvidenceFile,
        remote_upload_id: str,
        *,
        at: datetime | None = None,
    ) -> UploadPublic:
        """Record a resumable upload begun on SYSTEM; any earlier completion is forgotten."""
        moment = at or utc_now()
        return self._save_upload(
            system,
            evidence,
            moment,
            remote_upload_id=remote_upload_id,
            remote_file_id=None,
            uploaded_at=None,
            started_at=moment,
        )

    def record_upload(
        self,
        system: str,
        evidence: EvidenceFile,
        remote_file_id: str,
        *,
        at: datetime | None = None,
    ) -> UploadPublic:
        """Record that SYSTEM holds the whole file as REMOTE_FILE_ID."""
        moment = at or utc_now()
        return self._save_upload(
            system, evidence, moment, remote_file_id=remote_file_id, uploaded_at=moment
        )

    def _save_upload(
        self, system: str, evidence: EvidenceFile, moment: datetime, **fields: Any
    ) -> UploadPublic:
        def work(session: Session) -> Upload:
            _upsert_evidence(session, evidence, moment)
            row = _get_upload(session, system, evidence.sha256) or Upload(
                system=system, sha256=evidence.sha256.lower(), started_at=moment
            )
            for name, value in fields.items():
                setattr(row, name, value)
            session.add(row)
            session.flush()
            return row

        return UploadPublic.model_validate(self._write(work))

    def find_upload(self, system: str, sha256: str) -> UploadPublic | None:
        """SYSTEM's upload of the file with that sha256 (complete or started), or None."""
        row = self._read(lambda session: _get_upload(session, system, sha256))
        return None if row is None else UploadPublic.model_validate(row)

    def list_uploads(self, system: str) -> list[UploadPublic]:
        """Every upload recorded for SYSTEM, complete or started, oldest first."""
        statement = select(Upload).where(Upload.system == system).order_by(col(Upload.id))
        rows = self._read(lambda session: session.exec(statement).all())
        return [UploadPublic.model_validate(row) for row in rows]

    def forget_upload(self, system: str, sha256: str) -> bool:
        """Drop SYSTEM's upload record of a file (e.g. the remote lost it); whether one existed."""

        def work(session: Session) -> bool:
            row = _get_upload(session, system, sha256)
            if row is None:
                return False
            session.delete(row)
            return True

        return self._write(work)

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
    ) -> AttachmentPublic:
        """Record that a file is attached to the remote report of (target_code, period).

        The evidence file must have been recorded (it is, by `record_upload`).
        """
        moment = at or utc_now()

        def work(session: Session) -> Attachment:
            row = _get_attachment(session, system, target_code, period, sha256) or Attachment(
                system=system,
                target_code=target_code,
                period=period,
                sha256=sha256.lower(),
                remote_report=remote_report,
                remote_file_id=remote_file_id,
                attached_at=moment,
            )
            row.remote_report = remote_report
            row.remote_file_id = remote_file_id
            row.remote_attachment_id = remote_attachment_id
            row.attached_at = moment
            session.add(row)
            session.flush()
            return row

        return AttachmentPublic.model_validate(self._write(work))

    def find_attachment(
        self, system: str, target_code: str, period: str, sha256: str
    ) -> AttachmentPublic | None:
        """The attachment of that file to the remote report of (target_code, period), or None."""
        row = self._read(
            lambda session: _get_attachment(session, system, target_code, period, sha256)
        )
        return None if row is None else AttachmentPublic.model_validate(row)

    def list_attachments(
        self, system: str, target_code: str, period: str
    ) -> list[AttachmentPublic]:
        """Every file recorded as attached to the remote report of (target_code, period)."""
        statement = (
            select(Attachment)
            .where(
                Attachment.system == system,
                Attachment.target_code == target_code,
                Attachment.period == period,
            )
            .order_by(col(Attachment.id))
        )
        rows = self._read(lambda session: session.exec(statement).all())
        return [AttachmentPublic.model_validate(row) for row in rows]

    # Sync state

    def get_sync_state(self, system: str, target_code: str, period: str) -> SyncStatePublic | None:
        """SYSTEM's sync state for (target_code, period), or None if never touched."""
        row = self._read(lambda session: _get_sync_state(session, system, target_code, period))
        return None if row is None else SyncStatePublic.model_validate(row)

    def list_sync_states(self, system: str, *, period: str | None = None) -> list[SyncStatePublic]:
        """SYSTEM's sync states (of one period if given), by period and target."""
        statement = (
            select(SyncState)
            .where(SyncState.system == system)
            .order_by(col(SyncState.period), col(SyncState.target_code))
        )
        if period is not None:
            statement = statement.where(SyncState.period == period)
        rows = self._read(lambda session: session.exec(statement).all())
        return [SyncStatePublic.model_validate(row) for row in rows]

    def upsert_sync_state(
        self,
        system: str,
        target_code: str,
        period: str,
        update: SyncStateUpdate,
        *,
        at: datetime | None = None,
    ) -> SyncStatePublic:
        """Create or change SYSTEM's sync state for (target_code, period).

        Only the fields set explicitly on UPDATE are written; setting one to None clears it.
        """
        changes = update.model_dump(exclude_unset=True)
        moment = at or utc_now()

        def work(session: Session) -> SyncState:
            row = _get_sync_state(session, system, target_code, period) or SyncState(
                system=system, target_code=target_code, period=period, updated_at=moment
            )
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = moment
            session.add(row)
            session.flush()
            return row

        return SyncStatePublic.model_validate(self._write(work))

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
        update = SyncStateUpdate(**fields)
        return self.upsert_sync_state(system, target_code, period, update, at=moment)

    def record_remote_seen(
        self,
        system: str,
        target_code: str,
        period: str,
        *,
        remote_version: str | None,
        remote_fingerprint: str | None,
        remote_id: str | None = None,
        remote_row: str | None = None,
        at: datetime | None = None,
    ) -> SyncStatePublic:
        """Record what a fetch found on the remote for (target_code, period)."""
        moment = at or utc_now()
        fields: dict[str, Any] = {
            "last_seen_remote_version": remote_version,
            "last_seen_remote_fingerprint": remote_fingerprint,
            "last_seen_remote_at": moment,
        }
        if remote_id is not None:
            fields["remote_id"] = remote_id
        if remote_row is not None:
            fields["remote_row"] = remote_row
        update = SyncStateUpdate(**fields)
        return self.upsert_sync_state(system, target_code, period, update, at=moment)

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
        update = SyncStateUpdate(last_outcome=outcome, last_error=error)
        return self.upsert_sync_state(system, target_code, period, update, at=at)

    # Intents (write-ahead)

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
        row = Intent(
            run_id=run_id, system=system, target_code=target_code, period=period,
            fingerprint=fingerprint, steps=list(steps), expected=list(dict.fromkeys(expected)),
            opened_at=utc_now(),
        )

        def work(session: Session) -> int:
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

        return self._write(work)

    def note_intent_step(self, intent_id: int, remote_fingerprint: str) -> None:
        """Record what the remote held once a step of the intent was confirmed."""

        def work(session: Session) -> None:
            row = session.get(Intent, intent_id)
            if row is not None and remote_fingerprint not in row.reached:
                row.reached = [*row.reached, remote_fingerprint]
                session.add(row)

        self._write(work)

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

    def close_intents(self, system: str, target_code: str, period: str, outcome: str) -> int:
        """Settle every open intent of SYSTEM for (target_code, period); how many were open."""
        statement = select(Intent).where(
            Intent.system == system, Intent.target_code == target_code,
            Intent.period == period, col(Intent.closed_at).is_(None),
        )
        moment = utc_now()

        def work(session: Session) -> int:
            rows = session.exec(statement).all()
            for row in rows:
                row.closed_at, row.outcome = moment, outcome
                session.add(row)
            return len(rows)

        return self._write(work)


    # Attachments last read (nq71)

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


def _get_upload(session: Session, system: str, sha256: str) -> Upload | None:
    statement = select(Upload).where(Upload.system == system, Upload.sha256 == sha256.lower())
    return session.exec(statement).first()


def _get_attachment(
    session: Session, system: str, target_code: str, period: str, sha256: str
) -> Attachment | None:
    statement = select(Attachment).where(
        Attachment.system == system,
        Attachment.target_code == target_code,
        Attachment.period == period,
        Attachment.sha256 == sha256.lower(),
    )
    return session.exec(statement).first()


def _get_sync_state(
    session: Session, system: str, target_code: str, period: str
) -> SyncState | None:
    statement = select(SyncState).where(
        SyncState.system == system,
        SyncState.target_code == target_code,
        SyncState.period == period,
    )
    return session.exec(statement).first()


def _bulk_evidence(session: Session, files: Sequence[EvidenceFile], at: datetime) -> None:
    """Insert the evidence files not yet known and touch the others, in bulk."""
    latest = {e.sha256.lower(): e for e in files}
    if not latest:
        return
    known = set(
        session.exec(select(Evidence.sha256).where(col(Evidence.sha256).in_(list(latest))))
    )
    rows = [
        {"sha256": sha, "path": e.path, "size": e.size, "last_seen_at": at}
        for sha, e in latest.items()
    ]
    fresh = [{**row, "first_seen_at": at} for row in rows if row["sha256"] not in known]
    if fresh:
        session.execute(insert(Evidence), fresh)
    seen = [row for row in rows if row["sha256"] in known]
    if seen:
        session.execute(update(Evidence), seen)


def _upsert_evidence(session: Session, evidence: EvidenceFile, at: datetime) -> Evidence:
    _bulk_evidence(session, [evidence], at)
    row = session.get(Evidence, evidence.sha256.lower(), populate_existing=True)
    assert row is not None
    return row


def _reports_of(session: Session, periods: Sequence[str]) -> dict[tuple[str, str, str], Any]:
    """Id and fingerprint of the recorded reports of PERIODS, by key (plain rows, no objects)."""
    table = LEDGER_METADATA.tables[CanonicalReport.__tablename__]
    statement = sa_select(
        table.c.unit_code, table.c.target_code, table.c.period, table.c.id, table.c.fingerprint
    ).where(table.c.period.in_(periods))
    return {(r.unit_code, r.target_code, r.period): r for r in session.execute(statement)}


def _report_values(run_id: str, record: ProgressRecord, at: datetime) -> dict[str, Any]:
    return {
        "unit_code": record.unit_code,
        "target_code": record.target_code,
        "period": record.period,
        "actual": None if record.actual is None else float(record.actual),
        "progress_percent": (
            None if record.progress_percent is None else float(record.progress_percent)
        ),
        "status": record.status.value,
        "note": record.note,
        "reporter": record.reporter,
        "evidence_sha256": list(dict.fromkeys(e.sha256.lower() for e in record.evidence)),
        "document_number": record.document_number,
        "issue_date": record.issue_date,
        "fingerprint": record_fingerprint(record),
        "source_file": record.source.file,
        "source_sheet": record.source.sheet,
        "source_row": record.source.row,
        "last_seen_run_id": run_id,
        "updated_at": at,
    }
