"""The sync ledger's tables: nqsync's runs, uploads, sync states, intents and remembered reads.

Every table lives on the ledger's own metadata (`LEDGER_METADATA`), so other SQLModel tables in
the process (the mock servers') are never created in the ledger's database. Datetimes are
timezone-aware UTC. Nothing here is specific to one database backend.
"""

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from importlib import metadata as importlib_metadata
from typing import Any

from sqlalchemy import JSON, BigInteger, MetaData, String, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime

LEDGER_METADATA = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

SHA256_LENGTH = 64


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def new_run_id(at: datetime | None = None) -> str:
    """A sortable, unique run id such as `20261127T140500Z-3f9a1c`."""
    moment = (at or utc_now()).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def code_version() -> str:
    """The installed nqsync version, or `unknown`."""
    try:
        return importlib_metadata.version("nqsync")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


class LedgerModel(SQLModel, registry=registry(metadata=LEDGER_METADATA)):
    """Base of the ledger's tables and their public shapes."""


class RunStatus(StrEnum):
    """How a run ended (or that it is still running)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"


class RunBase(LedgerModel):
    """What a run is asked to do."""

    dry_run: bool = False
    systems: list[str] = Field(default_factory=list, sa_type=JSON)
    code_version: str = Field(default_factory=code_version)
    source_files: dict[str, str] = Field(default_factory=dict, sa_type=JSON)


class RunCreate(RunBase):
    """A run to start; without `run_id` one is made by `new_run_id`."""

    run_id: str | None = None


class Run(RunBase, table=True):
    """One run of the connector (table `ledger_run`); `source_files` maps path to sha256."""

    __tablename__ = "ledger_run"

    run_id: str = Field(primary_key=True, max_length=64)
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: RunStatus = Field(default=RunStatus.RUNNING, sa_type=String(16))
    summary: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    error: str | None = None


class RunPublic(RunBase):
    """A run as read back from the ledger."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    summary: dict[str, Any] | None
    error: str | None


class Evidence(LedgerModel, table=True):
    """Table `ledger_evidence`: an evidence file some upload was of, by its sha256; `path` and
    `size` as it was last uploaded."""

    __tablename__ = "ledger_evidence"

    sha256: str = Field(primary_key=True, max_length=SHA256_LENGTH)
    path: str
    size: int = Field(sa_type=BigInteger)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)


class UploadBase(LedgerModel):
    """A file's upload to one system: started (`remote_upload_id`) or done (`remote_file_id`)."""

    system: str = Field(max_length=16)
    sha256: str = Field(foreign_key="ledger_evidence.sha256", max_length=SHA256_LENGTH)
    remote_upload_id: str | None = None
    remote_file_id: str | None = None
    started_at: datetime = Field(sa_type=UTCDateTime)
    uploaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Upload(UploadBase, table=True):
    """Table `ledger_upload`, one row per (system, sha256): a file is uploaded once per system."""

    __tablename__ = "ledger_upload"
    __table_args__ = (UniqueConstraint("system", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)


class UploadPublic(UploadBase):
    """An upload as read back; complete once `remote_file_id` is set."""

    id: int


class SyncStateBase(LedgerModel):
    """What nqsync last pushed to, and last saw on, one system for one (target, period).

    `remote_id` is the remote's identity of the report (nq71 report id, theodoinq grant id);
    `remote_row` locates it further where needed (theodoinq row position, nq71 `ma_chi_tieu`).
    `last_seen_remote_version` is the remote's own change marker (`updateTime`,
    `ngay_cap_nhat`) as the remote wrote it.
    """

    unit_code: str | None = None
    remote_id: str | None = None
    remote_row: str | None = None
    last_pushed_fingerprint: str | None = Field(default=None, max_length=SHA256_LENGTH)
    last_pushed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_pushed_run_id: str | None = Field(default=None, max_length=64)
    last_seen_remote_version: str | None = None
    last_seen_remote_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_seen_remote_fingerprint: str | None = Field(default=None, max_length=SHA256_LENGTH)
    last_outcome: str | None = Field(default=None, max_length=32)
    last_error: str | None = None


class SyncState(SyncStateBase, table=True):
    """Table `ledger_sync_state`, one row per (system, target_code, period)."""

    __tablename__ = "ledger_sync_state"
    __table_args__ = (UniqueConstraint("system", "target_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=16)
    target_code: str = Field(max_length=16)
    period: str = Field(max_length=7)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SyncStatePublic(SyncStateBase):
    """A sync state as read back."""

    id: int
    system: str
    target_code: str
    period: str
    updated_at: datetime


class IntentBase(LedgerModel):
    """A write about to be made to one system for one (target, period): the outbox entry.

    Recorded before the first write; `expected` holds every fingerprint the remote may show
    because of this intent's steps (each intermediate state and the final one), so a later
    run can tell our own half-finished write from a person's edit. `reached` lists the
    fingerprints seen after each step that was confirmed. Closed once its outcome is settled.
    """

    run_id: str = Field(max_length=64)
    system: str = Field(max_length=16)
    target_code: str = Field(max_length=16)
    period: str = Field(max_length=7)
    fingerprint: str = Field(max_length=SHA256_LENGTH)
    steps: list[str] = Field(default_factory=list, sa_type=JSON)
    expected: list[str] = Field(default_factory=list, sa_type=JSON)
    reached: list[str] = Field(default_factory=list, sa_type=JSON)
    outcome: str | None = Field(default=None, max_length=32)


class Intent(IntentBase, table=True):
    """Table `ledger_intent`, one row per intended write of a run."""

    __tablename__ = "ledger_intent"

    id: int | None = Field(default=None, primary_key=True)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class IntentPublic(IntentBase):
    """An intent as read back."""

    id: int
    opened_at: datetime
    closed_at: datetime | None


class SeenAttachmentsBase(LedgerModel):
    """The attachments nqsync last read for one remote report, and the report's version then.

    A later fetch that finds the same report at the same version with as many attachments
    trusts this copy instead of reading them again (cost follows change).
    """

    system: str = Field(max_length=16)
    target_code: str = Field(max_length=16)
    period: str = Field(max_length=7)
    remote_id: str
    version: str | None = None
    count: int = 0
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class SeenAttachments(SeenAttachmentsBase, table=True):
    """Table `ledger_seen_attachments`, one row per (system, target_code, period)."""

    __tablename__ = "ledger_seen_attachments"
    __table_args__ = (UniqueConstraint("system", "target_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    seen_at: datetime = Field(sa_type=UTCDateTime)


class SeenAttachmentsPublic(SeenAttachmentsBase):
    """A remembered set of attachments, as read back."""

    seen_at: datetime
