"""A reconciliation report with every status, warning kind and a failed system, for the render
tests (imported by the other `test_render_*` modules; it has no tests of its own)."""

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from flows.report_model import (
    Difference,
    Entry,
    EntryStatus,
    EvidenceStatus,
    Reconciliation,
    RunWarning,
    SourceFileRef,
    SourceSummary,
    SystemReport,
    TargetProgress,
)
from models.records import RowError

RUN_ID = "20261127-010000-ab12cd"
SCRIPT_NOTE = 'Ghi chú <script>alert("x")</script> & "trích dẫn"'
NQ71_ERROR = "Hệ thống nq71 không phản hồi (HTTP 503)"
QUIRK = "Không xử lý kỳ báo cáo TUAN của 57-NQ/TW (05/01/2026–11/01/2026, mã 40304)."
ROW_ERRORS = 26
TIMELINE = 62.5


def _side(actual: float, percent: float, status: str) -> dict[str, Any]:
    return {"actual": actual, "progress_percent": percent, "status": status, "note": ""}


def entries(prefix: str) -> list[Entry]:
    """One entry of each status; `prefix` tells the systems' remote ids apart."""
    same = _side(87.5, 97.5, "in_progress")
    return [
        Entry(unit_code="VHXH", target_code="1.5.17", period="2026-11",
              status=EntryStatus.IN_SYNC, local=same, remote=same, remote_id=f"{prefix}-1"),
        Entry(unit_code="VPUB", target_code="1.1.1", period="2026-11",
              status=EntryStatus.CREATED, local=_side(62, 100, "completed"),
              remote=_side(62, 100, "completed"), remote_id=f"{prefix}-2",
              evidence=EvidenceStatus(local=["bien-ban-5g.pdf"], review="pending")),
        Entry(unit_code="VHXH", target_code="1.2.2", period="2026-10",
              status=EntryStatus.UPDATED, local=_side(80, 80, "in_progress"),
              remote=_side(80, 80, "in_progress"), remote_id=f"{prefix}-3"),
        Entry(unit_code="VPUB", target_code="1.5.7", period="2026-11",
              status=EntryStatus.CONFLICT,
              reason="Số liệu trên hệ thống đã bị sửa sau lần gửi trước",
              local=_side(90, 100, "completed"), remote=_side(85.5, 90, "in_progress"),
              differences={"actual": Difference(local=90, remote=85.5),
                           "status": Difference(local="completed", remote="in_progress")},
              evidence=EvidenceStatus(local=["qd-60.pdf"], missing_remote=["qd-60.pdf"],
                                      duplicates_remote=["anh-hop.jpg"], review="rejected",
                                      review_comment="Ảnh mờ, không đọc được")),
        Entry(unit_code="CAX", target_code="1.5.24", period="2026-11", status=EntryStatus.HELD,
              reason="Báo cáo hoàn thành nhưng chưa có minh chứng",
              local=_side(100, 100, "completed")),
        Entry(unit_code="TCNS", target_code="1.3.4", period="2026-11",
              status=EntryStatus.MISSING_REMOTE, reason="Kỳ báo cáo đã khóa trên hệ thống",
              local=_side(1, 50, "in_progress")),
        Entry(unit_code=None, target_code="1.4.2", period="2026-09",
              status=EntryStatus.REMOTE_ONLY, remote=_side(40, 50, "in_progress")),
        Entry(unit_code="VPDU", target_code="1.5.25", period="2026-11",
              status=EntryStatus.UNMAPPED, reason="Không tìm thấy chỉ tiêu tương ứng",
              local=_side(0, 10, "in_progress")),
        Entry(unit_code="MTTQ", target_code="1.5.18", period="2026-11",
              status=EntryStatus.DUPLICATE, reason="Hệ thống giữ bản trùng lặp (báo cáo số 9)",
              local=_side(5, 50, "in_progress"), remote=_side(5, 50, "in_progress")),
        Entry(unit_code="TCNS", target_code="1.5.19", period="2026-11",
              status=EntryStatus.STALE, reason="Dữ liệu trên hệ thống đã thay đổi sau khi lập "
              "kế hoạch", local=_side(7, 70, "in_progress"), remote=_side(6, 60, "in_progress")),
        Entry(unit_code="DTN", target_code="1.2.5", period="2026-11", status=EntryStatus.FAILED,
              error="HTTP 500 khi lưu báo cáo", local=_side(91, 100, "completed")),
    ]


def _system(
    prefix: str,
    error: str | None = None,
    notes: list[str] | None = None,
    technical: list[str] | None = None,
) -> SystemReport:
    items = entries(prefix)
    summary = {str(k): v for k, v in Counter(e.status.value for e in items).items()}
    return SystemReport(
        summary=summary, entries=items, notes=notes or [], error=error,
        technical_notes=technical or [],
    )


def warnings() -> list[RunWarning]:
    """One warning of each kind."""
    return [
        RunWarning(kind="overdue", target_code="1.5.7", period="2026-11", unit_code="VPUB",
                   detail="Đã quá hạn 31/12/2026 mà chưa hoàn thành"),
        RunWarning(kind="behind_schedule", target_code="1.2.1", period="2026-11",
                   unit_code="VHXH", detail="Đạt 20% trong khi lộ trình là 62,5%"),
        RunWarning(kind="evidence_rejected", target_code="1.5.7", period="2026-11",
                   unit_code="VPUB", detail="Ảnh mờ, không đọc được"),
        RunWarning(kind="evidence_missing", target_code="1.5.24", period="2026-11",
                   unit_code="CAX", detail="Báo cáo hoàn thành chưa có minh chứng"),
        RunWarning(kind="missing_6ro", target_code="1.3.5", detail="Thiếu rõ thẩm quyền"),
    ]


def row_errors() -> list[RowError]:
    """Many row errors (more than the Markdown cap), the last without row and column."""
    errors = [
        RowError(file="VPUB/bao-cao-11.xlsx", sheet="Báo cáo", row=5 + i,
                 column="Tỷ lệ hoàn thành (%)", reason=f"Không đọc được số: 'abc{i}'")
        for i in range(ROW_ERRORS - 1)
    ]
    errors.append(RowError(file="CAX/bao-cao.csv", sheet="", row=None, column=None,
                           reason="Không tìm thấy trang Báo cáo"))
    return errors


def progress() -> list[TargetProgress]:
    """Progress in 1.1 (87.5), 1.2 (30, a stale duplicate), 1.4 (10) and 1.5 (80); none in 1.3.

    With the warnings: 1.2.1 (VHXH) is behind, 1.5.7 (VPUB) overdue; 1.2.3 is not reported.
    """
    def p(
        code: str, percent: float | None, status: str | None, period: str | None = "2026-11",
        unit: str = "VHXH",
    ) -> TargetProgress:
        return TargetProgress(target_code=code, section=code.rsplit(".", 1)[0],
                              unit_code=unit if period else None, period=period,
                              progress_percent=percent, status=status,
                              complete=status == "completed")

    return [
        p("1.1.1", 100, "completed"),
        p("1.1.2", 75, "in_progress"),
        p("1.2.1", 5, "in_progress", "2026-10"),
        p("1.2.1", 20, "in_progress"),
        p("1.2.2", 40, "in_progress"),
        p("1.2.3", None, None, None),
        p("1.4.1", 10, "in_progress"),
        p("1.5.17", 90, "in_progress"),
        p("1.5.7", 50, "in_progress", unit="VPUB"),
        p("1.5.24", 100, "completed"),
    ]


def build_report(dry_run: bool = False) -> Reconciliation:
    """The sample report: theodoinq fine, nq71 with an error and a note carrying `<script>`."""
    return Reconciliation(
        run_id=RUN_ID,
        started_at=datetime(2026, 11, 27, 1, 0, tzinfo=UTC),
        finished_at=datetime(2026, 11, 27, 1, 5, 30, tzinfo=UTC),
        dry_run=dry_run,
        as_of=date(2026, 11, 27),
        code_version="0.1.0+ed76868",
        periods=["2026-10", "2026-11"],
        source=SourceSummary(
            folder="/srv/bao-cao",
            files=[SourceFileRef(path="VPUB/bao-cao-11.xlsx", sha256="a" * 64),
                   SourceFileRef(path="CAX/bao-cao.csv", sha256="b" * 64)],
        ),
        systems={
            "theodoinq": _system("T", technical=[QUIRK]),
            "nq71": _system("N", error=NQ71_ERROR, notes=[SCRIPT_NOTE]),
        },
        warnings=warnings(),
        progress=progress(),
        timeline_percent=TIMELINE,
        errors=row_errors(),
    )
