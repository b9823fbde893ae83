"""The plan's warnings ("cơ chế cảnh báo", DESIGN.md "Warnings"), as of a run's date.

Per (unit, target) the unit's latest period decides. A target is complete when its record is a
report of completion by the plan's rule (`is_completion`: status completed, or a value that
meets the target). Its deadline is the assignment's when it names one, else the catalogue's.
"""

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from connectors.base import RemoteReport, RemoteSnapshot
from connectors.planning import is_completion
from flows.reconcile import code_key
from flows.report_model import RunWarning, TargetProgress, WarningKind
from models import catalogue
from models.assignment import AssignmentSet
from models.records import STATUS_LABELS, ProgressRecord, Status

PLAN_START = date(2026, 1, 1)

KIND_ORDER: tuple[WarningKind, ...] = (
    "overdue",
    "behind_schedule",
    "evidence_rejected",
    "evidence_missing",
    "missing_6ro",
)

NO_REASON = "(không ghi lý do)"


def timeline_percent(as_of: date, deadline: date, start: date = PLAN_START) -> float:
    """The elapsed share of the timeline from START to DEADLINE on AS_OF, 0–100, clipped."""
    if as_of >= deadline:
        return 100.0
    if as_of <= start:
        return 0.0
    return 100.0 * (as_of - start).days / (deadline - start).days


def _deadline_of(target_code: str, assignments: AssignmentSet | None) -> date:
    """A target's deadline: its assignment's when given, else the catalogue's."""
    assignment = assignments.for_target(target_code) if assignments else None
    if assignment is not None and assignment.deadline is not None:
        return assignment.deadline
    target = catalogue.get(target_code)
    return target.deadline if target is not None else catalogue.DEADLINE


def compute_warnings(
    records: Sequence[ProgressRecord],
    snapshots: Mapping[str, RemoteSnapshot],
    selected: Sequence[ProgressRecord],
    assignments: AssignmentSet | None,
    as_of: date,
    *,
    threshold: float = 0.5,
) -> list[RunWarning]:
    """Every warning of the run, sorted by kind, target, period and unit, without duplicates."""
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be within 0–1, got {threshold}")
    found: list[RunWarning] = []
    for record in _latest_per_unit(records):
        found += _record_warnings(
            record, _deadline_of(record.target_code, assignments), as_of, threshold
        )
    found += _rejected(snapshots, selected)
    if assignments is not None:
        found += [
            _warning("missing_6ro", finding.target_code, None, None, finding.message)
            for finding in assignments.findings
        ]
    return _sorted_unique(found)


def _latest_per_unit(records: Iterable[ProgressRecord]) -> list[ProgressRecord]:
    """Each unit's latest-period record of each target."""
    latest: dict[tuple[str, str], ProgressRecord] = {}
    for record in records:
        key = (record.unit_code, record.target_code)
        if key not in latest or record.period > latest[key].period:
            latest[key] = record
    return list(latest.values())


def _record_warnings(
    record: ProgressRecord, deadline: date, as_of: date, threshold: float
) -> list[RunWarning]:
    target = catalogue.get(record.target_code)
    complete = is_completion(record, target)
    out = []
    overdue = _overdue_detail(record, deadline, as_of, complete)
    if overdue:
        out.append(_warning("overdue", *_where(record), overdue))
    elif not complete and record.progress_percent is not None:
        behind = _behind_detail(record.progress_percent, deadline, as_of, threshold)
        if behind:
            out.append(_warning("behind_schedule", *_where(record), behind))
    if complete and not record.evidence:
        out.append(_warning("evidence_missing", *_where(record), _missing_detail(record)))
    return out


def _where(record: ProgressRecord) -> tuple[str, str, str]:
    return record.target_code, record.period, record.unit_code


def _overdue_detail(record: ProgressRecord, deadline: date, as_of: date, complete: bool) -> str:
    status = STATUS_LABELS[record.status]
    if as_of > deadline and (not complete or record.status is Status.OVERDUE):
        return f"Hạn {_day(deadline)} đã qua, tình trạng: {status}"
    if record.status is Status.OVERDUE:
        return f"Đơn vị báo cáo tình trạng: {status} (hạn {_day(deadline)})"
    return ""


def _behind_detail(
    progress: Decimal | float, deadline: date, as_of: date, threshold: float
) -> str:
    elapsed = timeline_percent(as_of, deadline)
    floor = threshold * elapsed
    if float(progress) >= floor:
        return ""
    return (
        f"Hoàn thành {_number(progress)}% trong khi lộ trình đã qua {_number(elapsed)}% "
        f"(ngưỡng cảnh báo {_number(floor)}%)"
    )


def _missing_detail(record: ProgressRecord) -> str:
    value = "" if record.actual is None else f", giá trị thực hiện: {_number(record.actual)}"
    return (
        f"Báo cáo hoàn thành (tình trạng: {STATUS_LABELS[record.status]}{value}) "
        "nhưng chưa có minh chứng"
    )


def _rejected(
    snapshots: Mapping[str, RemoteSnapshot], selected: Sequence[ProgressRecord]
) -> list[RunWarning]:
    units = {(r.target_code, r.period): r.unit_code for r in selected}
    out = []
    for system, snapshot in sorted(snapshots.items()):
        for report in snapshot.reports:
            if _is_rejected(report):
                unit = units.get((report.target_code, report.period))
                detail = f"Minh chứng không đạt trên {system}: {_reviewer_reason(report)}"
                out.append(
                    _warning("evidence_rejected", report.target_code, report.period, unit, detail)
                )
    return out


def _is_rejected(report: RemoteReport) -> bool:
    return report.review == "rejected" or any(e.review == "rejected" for e in report.evidence)


def _reviewer_reason(report: RemoteReport) -> str:
    if report.review_comment.strip():
        return report.review_comment.strip()
    comments = [e.comment.strip() for e in report.evidence if e.review == "rejected"]
    unique = list(dict.fromkeys(c for c in comments if c))
    return "; ".join(unique) or NO_REASON


def _warning(
    kind: WarningKind, target_code: str, period: str | None, unit_code: str | None, detail: str
) -> RunWarning:
    return RunWarning(
        kind=kind,
        target_code=target_code,
        period=period,
        unit_code=unit_code,
        detail=unicodedata.normalize("NFC", detail),
    )


def _sorted_unique(warnings: Iterable[RunWarning]) -> list[RunWarning]:
    unique = {(w.kind, w.target_code, w.period, w.unit_code, w.detail): w for w in warnings}
    return sorted(
        unique.values(),
        key=lambda w: (
            KIND_ORDER.index(w.kind),
            code_key(w.target_code),
            w.period or "",
            w.unit_code or "",
            w.detail,
        ),
    )


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _number(value: Decimal | float) -> str:
    """A number as Vietnamese write it: at most one decimal, after a comma."""
    text = f"{round(float(value), 1):.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def target_progress(
    records: Sequence[ProgressRecord], selected: Sequence[ProgressRecord]
) -> list[TargetProgress]:
    """Each of the 44 targets' latest progress, in plan order, for the chart.

    The latest period reported by anyone decides; the commune figure (SELECTED) for it when
    there is one, else the record of the first unit by code; empty when nobody reported.
    """
    return [_progress(t.code, t.section, records, selected) for t in catalogue.targets()]


def _progress(
    code: str,
    section: str,
    records: Sequence[ProgressRecord],
    selected: Sequence[ProgressRecord],
) -> TargetProgress:
    mine = [r for r in (*selected, *records) if r.target_code == code]
    if not mine:
        return TargetProgress(target_code=code, section=section)
    period = max(r.period for r in mine)
    commune = [r for r in selected if r.target_code == code and r.period == period]
    chosen = (
        commune[0]
        if commune
        else min((r for r in mine if r.period == period), key=lambda r: r.unit_code)
    )
    return TargetProgress(
        target_code=code,
        section=section,
        unit_code=chosen.unit_code,
        period=chosen.period,
        progress_percent=None if chosen.progress_percent is None else float(
            chosen.progress_percent
        ),
        status=chosen.status.value,
        complete=is_completion(chosen, catalogue.get(code)),
    )
