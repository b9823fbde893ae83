"""The recorded shapes of the remotes' answers (table `ledger_api_shape`), for drift detection.

A shape is stored as the JSON form `connectors.shapes.Shape.to_json` makes, with its
fingerprint, per (system, endpoint key). `ShapeStore.save` adds a row when the fingerprint
differs from the last one saved and otherwise only moves `seen_at` on, so the table is the
history of each endpoint's shape; `last` is the one to compare the next answer with.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON
from sqlmodel import Field, Session, col, select

from models.db import UTCDateTime
from models.ledger.store import LedgerStore
from models.ledger_tables import SHA256_LENGTH, LedgerModel, utc_now

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


class ShapeStore(LedgerStore):
    """Reads and saves recorded shapes on ENGINE; safe to share between threads."""

    TABLES = (ApiShape.__tablename__,)

    def last(self, system: str, endpoint: str) -> RecordedShape | None:
        """The shape last saved for (SYSTEM, ENDPOINT), or None before the first save."""
        row = self._read(lambda session: _latest(session, system, endpoint))
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
        moment = at or utc_now()

        def work(session: Session) -> ApiShape:
            row = _latest(session, system, endpoint)
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
            return row

        return _public(self._write(work))


def _latest(session: Session, system: str, endpoint: str) -> ApiShape | None:
    statement = (
        select(ApiShape)
        .where(ApiShape.system == system, ApiShape.endpoint == endpoint)
        .order_by(col(ApiShape.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()
