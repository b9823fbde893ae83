"""The recorded shapes of the remotes' answers (table `ledger_api_shape`), for drift detection.

A shape is stored as the JSON form `connectors.shapes.Shape.to_json` makes, with its
fingerprint, per (system, endpoint key). `ShapeStore.save` adds a row when the fingerprint
differs from the last one saved and otherwise only moves `seen_at` on, so the table is the
history of each endpoint's shape; `last` is the one to compare the next answer with.
"""

import threading
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Field, Session, col, select

from models.db import UTCDateTime
from models.ledger_tables import LEDGER_METADATA, SHA256_LENGTH, LedgerModel, utc_now

__all__ = ["ApiShape", "RecordedShape", "ShapeStore"]


class ApiShape(LedgerModel, table=True):
    """Table `ledger_api_shape`: one row per distinct shape of (system, endpoint) seen."""

    __tablename__ = "ledger_api_shape"

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=16, index=True)
    endpoint: str = Field(max_length=200, index=True)
    shape: dict[str, Any] = Field(sa_type=JSON)
    fingerprint: str = Field(max_length=SHA256_LENGTH)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    seen_at: datetime = Field(sa_type=UTCDateTime)


class RecordedShape(BaseModel):
    """A shape as read back: `first_seen_at` when it was first saved, `seen_at` the latest."""

    system: str
    endpoint: str
    shape: dict[str, Any]
    fingerprint: str
    first_seen_at: datetime
    seen_at: datetime


def _public(row: ApiShape) -> RecordedShape:
    return RecordedShape.model_validate(row, from_attributes=True)


class ShapeStore:
    """Reads and saves recorded shapes on ENGINE; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._ready = False

    def create_table(self) -> None:
        """Create `ledger_api_shape` if missing (idempotent; done on first use anyway)."""
        with self._lock:
            if self._ready:
                return
            table = LEDGER_METADATA.tables[ApiShape.__tablename__]
            try:
                LEDGER_METADATA.create_all(self._engine, tables=[table])
            except (IntegrityError, ProgrammingError, OperationalError):
                LEDGER_METADATA.create_all(self._engine, tables=[table])
            self._ready = True

    @staticmethod
    def _latest(session: Session, system: str, endpoint: str) -> ApiShape | None:
        statement = (
            select(ApiShape)
            .where(ApiShape.system == system, ApiShape.endpoint == endpoint)
            .order_by(col(ApiShape.id).desc())
            .limit(1)
        )
        return session.exec(statement).first()

    def last(self, system: str, endpoint: str) -> RecordedShape | None:
        """The shape last saved for (SYSTEM, ENDPOINT), or None before the first save."""
        self.create_table()
        with Session(self._engine) as session:
            row = self._latest(session, system, endpoint)
            return None if row is None else _public(row)

    def save(
        self,
        system: str,
        endpoint: str,
        shape: dict[str, Any],
        fingerprint: str,
        *,
        at: datetime | None = None,
    ) -> RecordedShape:
        """Record SHAPE (with its FINGERPRINT) as the latest for (SYSTEM, ENDPOINT)."""
        self.create_table()
        moment = at or utc_now()
        with Session(self._engine, expire_on_commit=False) as session:
            row = self._latest(session, system, endpoint)
            if row is None or row.fingerprint != fingerprint:
                row = ApiShape(
                    system=system,
                    endpoint=endpoint,
                    shape=shape,
                    fingerprint=fingerprint,
                    first_seen_at=moment,
                    seen_at=moment,
                )
            else:
                row.seen_at = moment
            session.add(row)
            session.commit()
            return _public(row)

    def history(self, system: str, endpoint: str) -> list[RecordedShape]:
        """Every distinct shape saved for (SYSTEM, ENDPOINT), oldest first."""
        self.create_table()
        statement = (
            select(ApiShape)
            .where(ApiShape.system == system, ApiShape.endpoint == endpoint)
            .order_by(col(ApiShape.id))
        )
        with Session(self._engine) as session:
            return [_public(row) for row in session.exec(statement)]
