"""Evidence files uploaded to each system (tables `ledger_upload`, `ledger_evidence`): one
upload per (system, file content), resumable while started, reused once complete."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.ledger.store import LedgerStore
from models.ledger_tables import Evidence, Upload, UploadPublic, utc_now
from models.records import EvidenceFile


class Uploads(LedgerStore):
    """Record, find, list and forget uploads."""

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
        fields = {"remote_upload_id": remote_upload_id, "remote_file_id": None,
                  "uploaded_at": None, "started_at": moment}
        return self._save_upload(system, evidence, moment, fields)

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
        fields = {"remote_file_id": remote_file_id, "uploaded_at": moment}
        return self._save_upload(system, evidence, moment, fields)

    def find_upload(self, system: str, sha256: str) -> UploadPublic | None:
        """SYSTEM's upload of the file with that sha256 (complete or started), or None."""
        row = self._read(lambda session: _get(session, system, sha256))
        return None if row is None else UploadPublic.model_validate(row)

    def list_uploads(self, system: str) -> list[UploadPublic]:
        """Every upload recorded for SYSTEM, complete or started, oldest first."""
        statement = select(Upload).where(Upload.system == system).order_by(col(Upload.id))
        rows = self._read(lambda session: session.exec(statement).all())
        return [UploadPublic.model_validate(row) for row in rows]

    def forget_upload(self, system: str, sha256: str) -> bool:
        """Drop SYSTEM's upload record of a file (e.g. the remote lost it); whether one existed."""

        def work(session: Session) -> bool:
            row = _get(session, system, sha256)
            if row is None:
                return False
            session.delete(row)
            return True

        return self._write(work)

    def _save_upload(
        self, system: str, evidence: EvidenceFile, at: datetime, fields: dict[str, Any]
    ) -> UploadPublic:
        def work(session: Session) -> Upload:
            _save_evidence(session, evidence, at)
            row = _get(session, system, evidence.sha256) or Upload(
                system=system, sha256=evidence.sha256.lower(), started_at=at
            )
            for name, value in fields.items():
                setattr(row, name, value)
            session.add(row)
            session.flush()
            return row

        return UploadPublic.model_validate(self._write(work))


def _get(session: Session, system: str, sha256: str) -> Upload | None:
    statement = select(Upload).where(Upload.system == system, Upload.sha256 == sha256.lower())
    return session.exec(statement).first()


def _save_evidence(session: Session, evidence: EvidenceFile, at: datetime) -> None:
    """Add the file's evidence row, or bring its path, size and last-seen time up to date."""
    sha256 = evidence.sha256.lower()
    row = session.get(Evidence, sha256) or Evidence(
        sha256=sha256, path=evidence.path, size=evidence.size, first_seen_at=at, last_seen_at=at
    )
    row.path, row.size, row.last_seen_at = evidence.path, evidence.size, at
    session.add(row)
    session.flush()
