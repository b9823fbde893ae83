"""Evidence files uploaded to each system (tables `ledger_upload`, `ledger_evidence`): one
upload per (system, file content), resumable while started, reused once complete."""

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from models.db import upsert
from models.ledger.store import LedgerStore
from models.ledger_tables import LEDGER_METADATA, Evidence, Upload, UploadPublic, utc_now
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
        self._ensure_ready()
        with self._engine.connect() as connection:
            row = connection.execute(_UPLOAD_OF, {"system": system, "sha256": sha256.lower()})
            found = row.first()
        return None if found is None else UploadPublic.model_validate(found._asdict())

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
        """Upsert the file's evidence row and its upload to SYSTEM (FIELDS set, the rest kept;
        `started_at` is AT for a new upload), in one transaction of two bulk-style statements."""
        self._ensure_ready()
        sha256 = evidence.sha256.lower()
        files = LEDGER_METADATA.tables[Evidence.__tablename__]
        uploads = LEDGER_METADATA.tables[Upload.__tablename__]
        kept = ("path", "size", "last_seen_at")
        row = {"system": system, "sha256": sha256, "remote_upload_id": None,
               "remote_file_id": None, "started_at": at, "uploaded_at": None, **fields}
        with self._engine.begin() as connection:
            connection.execute(
                upsert(connection.dialect.name, files, ("sha256",), kept),
                {"sha256": sha256, "path": evidence.path, "size": evidence.size,
                 "first_seen_at": at, "last_seen_at": at},
            )
            connection.execute(
                upsert(connection.dialect.name, uploads, ("system", "sha256"), fields),
                row,
            )
            saved = connection.execute(_UPLOAD_OF, {"system": system, "sha256": sha256}).one()
        return UploadPublic.model_validate(saved._asdict())


_UPLOADS = LEDGER_METADATA.tables[Upload.__tablename__]
_UPLOAD_OF = sql_select(_UPLOADS).where(
    _UPLOADS.c.system == bindparam("system"), _UPLOADS.c.sha256 == bindparam("sha256")
)


def _get(session: Session, system: str, sha256: str) -> Upload | None:
    statement = select(Upload).where(Upload.system == system, Upload.sha256 == sha256.lower())
    return session.exec(statement).first()
