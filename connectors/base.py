"""The adapter protocol every target system implements, and the data it trades in.

A run asks each adapter to `fetch` what the remote holds for some periods, to `plan` the changes
that would make the remote hold the commune's records (pure: a dry run stops here), and to
`apply` that plan. A plan carries its snapshot, so a fresh adapter can apply it (each stage may
run in its own task). Every (target_code, period) the adapter is asked about gets exactly one
`RecordOutcome`.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, Field

from models.records import EvidenceFile, ProgressRecord, Status
from models.status import Action, EntryStatus

if TYPE_CHECKING:
    from connectors.shapes import ShapeRecorder

Review = Literal["pending", "accepted", "rejected"]


class RemoteEvidence(BaseModel):
    """A file the remote holds as evidence for a report, with its review."""

    remote_id: str
    name: str = ""
    sha256: str | None = None
    review: Review = "pending"
    comment: str = ""


class RemoteReport(BaseModel):
    """What one system holds for one (target_code, period), in canonical terms."""

    target_code: str
    period: str
    remote_id: str
    actual: Decimal | None = None
    progress_percent: Decimal | None = None
    status: Status | None = None
    note: str = ""
    evidence: list[RemoteEvidence] = Field(default_factory=list)
    review: Review | None = None
    review_comment: str = ""
    updated_at: str | None = None
    updated_by: str | None = None
    duplicates: list[str] = Field(default_factory=list)
    fingerprint: str
    has_data: bool = True
    target: str | None = None
    """The remote's own statement of the target (theodoinq's `idxTarget`), when it has one."""


class DriftNote(BaseModel):
    """One change of a remote's API, as the report tells it."""

    message: str
    used: bool
    """Whether nqsync reads or writes what changed (then nothing is written to that system)."""
    kind: str = ""
    path: str = ""


class RemoteSnapshot(BaseModel):
    """Everything one system holds for the periods asked about."""

    system: str
    periods: list[str]
    reports: list[RemoteReport] = Field(default_factory=list)
    unmapped: dict[str, str] = Field(default_factory=dict)
    held_periods: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    drift: list[DriftNote] = Field(default_factory=list)
    """Changes in the shape of the remote's answers since they were last recorded."""
    context: dict[str, Any] = Field(default_factory=dict)
    """What the adapter needs again to apply a plan made from this snapshot (e.g. remote ids)."""

    def get(self, target_code: str, period: str) -> RemoteReport | None:
        """The remote report for a key, or None."""
        return next(
            (r for r in self.reports if r.target_code == target_code and r.period == period),
            None,
        )


class PlannedChange(BaseModel):
    """What the adapter means to do for one (target_code, period), and why."""

    target_code: str
    period: str
    action: Action
    reason: str = ""
    record: ProgressRecord | None = None
    remote: RemoteReport | None = None
    uploads: list[EvidenceFile] = Field(default_factory=list)
    fingerprint: str | None = None


class SyncPlan(BaseModel):
    """The changes planned for one system, with the snapshot they were planned from."""

    system: str
    snapshot: RemoteSnapshot
    changes: list[PlannedChange] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict)
    """The source workbooks (path → sha256) the records were read from, for the audit trail."""
    approver: str | None = None
    """Who approved this plan before it was applied, when it was."""

    def count(self, action: Action) -> int:
        """How many changes have that action."""
        return sum(1 for change in self.changes if change.action == action)


class Receipt(BaseModel):
    """What the remote held right after a write: its identity, version and fingerprint."""

    remote_id: str
    remote_version: str | None = None
    remote_fingerprint: str
    pushed_fingerprint: str


class RecordOutcome(BaseModel):
    """The outcome for one (target_code, period) on one system."""

    target_code: str
    period: str
    outcome: EntryStatus
    reason: str = ""
    error: str | None = None
    receipt: Receipt | None = None
    uploaded: list[str] = Field(default_factory=list)


class TargetAdapter(Protocol):
    """A target system as the flows see it."""

    system: str
    shapes: "ShapeRecorder | None"
    """Records the shapes of the remote's answers, to tell when its API changed."""

    async def fetch(self, periods: Sequence[str]) -> RemoteSnapshot:
        """Read what the remote holds for PERIODS (`YYYY-MM`)."""
        ...

    def plan(self, records: Sequence[ProgressRecord], snapshot: RemoteSnapshot) -> SyncPlan:
        """Plan the changes that make the remote hold RECORDS (one per target and period)."""
        ...

    async def apply(self, plan: SyncPlan, *, run_id: str) -> list[RecordOutcome]:
        """Carry PLAN out; one outcome per planned (target_code, period)."""
        ...

    async def submit(self, snapshot: RemoteSnapshot, *, run_id: str) -> dict[str, str]:
        """Submit the periods' reports where the system has such an act; what happened, per
        period, in Vietnamese (nothing where the system has no submission)."""
        ...
