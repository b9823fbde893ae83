"""The reconciliation report of one run: the machine form every rendering is made from.

Serialised with `model_dump(mode="json")` it is `reconciliation.json`:
`{"run_id", "started_at", "finished_at", "dry_run", "as_of", "code_version",
"source": {"files": [{"path", "sha256"}]}, "systems": {"theodoinq": {"summary", "entries",
"notes"}, "nq71": {...}}, "warnings": [...], "errors": [row errors as validate prints them]}`.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, field_serializer

from models.records import RowError
from models.status import EntryStatus as EntryStatus

STATUS_LABELS: dict[EntryStatus, str] = {
    EntryStatus.IN_SYNC: "Khớp",
    EntryStatus.CREATED: "Đã tạo mới",
    EntryStatus.UPDATED: "Đã cập nhật",
    EntryStatus.CONFLICT: "Xung đột (bị sửa trên hệ thống)",
    EntryStatus.HELD: "Tạm giữ, chưa gửi",
    EntryStatus.MISSING_REMOTE: "Hệ thống chưa có",
    EntryStatus.REMOTE_ONLY: "Chỉ có trên hệ thống",
    EntryStatus.UNMAPPED: "Không ánh xạ được",
    EntryStatus.DUPLICATE: "Trùng lặp trên hệ thống (cần xóa tay)",
    EntryStatus.STALE: "Đã đổi sau khi duyệt, không ghi",
    EntryStatus.FAILED: "Lỗi",
}
"""How the standing office reads each status after a real run (Vietnamese, NFC)."""

PLANNED_STATUS_LABELS: dict[EntryStatus, str] = {
    **STATUS_LABELS,
    EntryStatus.CREATED: "Sẽ tạo mới",
    EntryStatus.UPDATED: "Sẽ cập nhật",
}
"""The same for a dry run, which only says what it would do."""


def status_label(status: EntryStatus, dry_run: bool = False) -> str:
    """The Vietnamese label of STATUS: in the future tense on a dry run, in the past otherwise."""
    return (PLANNED_STATUS_LABELS if dry_run else STATUS_LABELS)[status]


def _plain(value: Any) -> Any:
    """A Decimal as the JSON number it is (int when whole); other values as they are."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Difference(BaseModel):
    """One field whose local and remote values differ (numbers stay numbers in JSON)."""

    local: Any = None
    remote: Any = None

    @field_serializer("local", "remote", when_used="json")
    def _number(self, value: Any) -> Any:
        return _plain(value)


class EvidenceStatus(BaseModel):
    """Evidence of one entry: what is local, what the remote lacks or holds twice, its review."""

    local: list[str] = Field(default_factory=list)
    missing_remote: list[str] = Field(default_factory=list)
    duplicates_remote: list[str] = Field(default_factory=list)
    review: Literal["pending", "accepted", "rejected"] | None = None
    review_comment: str = ""


class LedgerState(BaseModel):
    """The third side: what the ledger remembers of our last push of this key to this system."""

    last_pushed_at: datetime | None = None
    last_pushed_run_id: str | None = None
    last_outcome: str | None = None
    remote_version: str | None = None
    remote_matches_last_seen: bool | None = None


class Entry(BaseModel):
    """One (unit, target, period) on one system.

    `local` and `remote` hold the canonical fields (`actual`, `progress_percent`, `status`,
    `note`) of each side, None when that side has nothing. `planned` is what a dry run would
    do (`create`, `update`), None on a real run, and `planned_uploads` the evidence files it
    would upload first. `ledger` is what nqsync last pushed and saw,
    and whether the remote still matches it.
    """

    unit_code: str | None = None
    target_code: str
    period: str
    status: EntryStatus
    reason: str = ""
    local: dict[str, Any] | None = None
    remote: dict[str, Any] | None = None
    differences: dict[str, Difference] = Field(default_factory=dict)
    error: str | None = None
    evidence: EvidenceStatus = Field(default_factory=EvidenceStatus)
    remote_id: str | None = None
    planned: Literal["create", "update"] | None = None
    planned_uploads: list[str] = Field(default_factory=list)
    ledger: LedgerState | None = None

    @field_serializer("local", "remote", when_used="json")
    def _numbers(self, value: dict[str, Any] | None) -> Any:
        return _plain(value)


class SystemReport(BaseModel):
    """One system's side of the run: counts per status, the entries, and notes.

    `notes` are what the standing office may have to act on (unmapped targets, held periods);
    `technical_notes` the remote's quirks it need not (report kinds nqsync does not handle,
    remote indicators that match no target), shown apart, after the data.
    """

    summary: dict[str, int] = Field(default_factory=dict)
    entries: list[Entry] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    technical_notes: list[str] = Field(default_factory=list)
    error: str | None = None


WarningKind = Literal[
    "overdue", "behind_schedule", "evidence_rejected", "evidence_missing", "missing_6ro", "drift"
]

WARNING_LABELS: dict[str, str] = {
    "overdue": "Quá hạn",
    "behind_schedule": "Chậm so với lộ trình",
    "evidence_rejected": "Minh chứng không đạt",
    "evidence_missing": "Thiếu minh chứng",
    "missing_6ro": "Phân công chưa đủ 6 rõ",
    "drift": "API của hệ thống đã thay đổi",
}


class RunWarning(BaseModel):
    """One warning of the plan's "cơ chế cảnh báo", with its detail in Vietnamese."""

    kind: WarningKind
    target_code: str
    period: str | None = None
    unit_code: str | None = None
    detail: str


class TargetProgress(BaseModel):
    """A target's latest local progress, for the chart against the timeline.

    `complete` is the plan's rule for a report of completion (status completed, or a value
    that meets the target); a target nobody reported has no unit, period or status.
    """

    target_code: str
    section: str
    unit_code: str | None = None
    period: str | None = None
    progress_percent: float | None = None
    status: str | None = None
    complete: bool = False


class SourceFileRef(BaseModel):
    """A source workbook and its hash."""

    path: str
    sha256: str


class SourceSummary(BaseModel):
    """The run's source files."""

    folder: str = ""
    files: list[SourceFileRef] = Field(default_factory=list)


class Reconciliation(BaseModel):
    """The whole report of one run."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    dry_run: bool = False
    as_of: date
    code_version: str = ""
    periods: list[str] = Field(default_factory=list)
    source: SourceSummary = Field(default_factory=SourceSummary)
    systems: dict[str, SystemReport] = Field(default_factory=dict)
    warnings: list[RunWarning] = Field(default_factory=list)
    progress: list[TargetProgress] = Field(default_factory=list)
    timeline_percent: float = 0.0
    errors: list[RowError] = Field(default_factory=list)

    def failed(self) -> bool:
        """Whether any record failed on any system (the command's exit 1)."""
        return any(
            report.error is not None or report.summary.get(EntryStatus.FAILED.value, 0) > 0
            for report in self.systems.values()
        )
