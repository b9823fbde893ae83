import unicodedata
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import RemoteEvidence, RemoteReport, RemoteSnapshot
from flows.plan_warnings import (
    NO_REASON,
    PLAN_START,
    _latest_per_unit,
    compute_warnings,
    target_progress,
    timeline_percent,
)
from flows.report_model import RunWarning
from models import catalogue
from models.assignment import Assignment, AssignmentFinding, AssignmentSet
from models.records import EvidenceFile, ProgressRecord, SourceRef, Status

APRIL = date(2026, 4, 1)
LATE_NOVEMBER = date(2026, 11, 27)
NEXT_JANUARY = date(2027, 1, 5)
END = date(2026, 12, 31)
PDF = (EvidenceFile(path="qd.pdf", sha256="a" * 64, size=10),)


def rec(
    code: str = "1.5.17",
    period: str = "2026-11",
    unit: str = "CAX",
    *,
    actual: float | None = 50,
    progress: float | None = 50,
    status: Status = Status.IN_PROGRESS,
    evidence: tuple[EvidenceFile, ...] = (),
) -> ProgressRecord:
    return ProgressRecord(
        unit_code=unit, target_code=code, period=period, actual=actual,
        progress_percent=progress, status=status, evidence=evidence,
        source=SourceRef(file=f"{unit}.xlsx", sheet="Báo cáo", row=5),
    )


def remote(code: str = "1.5.17", period: str = "2026-11", **extra: Any) -> RemoteReport:
    return RemoteReport(target_code=code, period=period, remote_id="r1", fingerprint="fp", **extra)


def snap(system: str, *reports: RemoteReport) -> RemoteSnapshot:
    return RemoteSnapshot(system=system, periods=["2026-11"], reports=list(reports))


def warn(
    records: list[ProgressRecord],
    as_of: date,
    *,
    snapshots: dict[str, RemoteSnapshot] | None = None,
    selected: list[ProgressRecord] | None = None,
    assignments: AssignmentSet | None = None,
    threshold: float = 0.5,
) -> list[RunWarning]:
    return compute_warnings(
        records, snapshots or {}, selected or [], assignments, as_of, threshold=threshold
    )


def kinds(warnings: list[RunWarning]) -> list[tuple[str, str, str | None, str | None]]:
    return [(w.kind, w.target_code, w.period, w.unit_code) for w in warnings]


def test_timeline_percent_at_known_dates() -> None:
    """0 at the start, the elapsed share of days in between, 100 from the deadline on."""
    assert timeline_percent(PLAN_START, END) == 0
    assert timeline_percent(date(2025, 12, 1), END) == 0
    assert timeline_percent(APRIL, END) == pytest.approx(100 * 90 / 364)
    assert timeline_percent(LATE_NOVEMBER, END) == pytest.approx(100 * 330 / 364)
    assert timeline_percent(END, END) == 100
    assert timeline_percent(NEXT_JANUARY, END) == 100
    assert timeline_percent(APRIL, date(2026, 6, 30)) == pytest.approx(50)


def test_timeline_percent_with_a_deadline_before_the_start() -> None:
    """A deadline at or before the start: nothing elapsed before it, all once it is reached."""
    assert timeline_percent(PLAN_START, PLAN_START) == 100
    assert timeline_percent(date(2025, 6, 1), date(2025, 12, 31)) == 0
    assert timeline_percent(PLAN_START, date(2025, 12, 31)) == 100


days = st.integers(min_value=-800, max_value=800).map(lambda n: PLAN_START + timedelta(days=n))


@given(first=days, second=days, deadline=days)
def test_timeline_percent_is_monotone_and_within_bounds(
    first: date, second: date, deadline: date
) -> None:
    """Any dates: a share within 0–100 that never falls as time passes."""
    early, late = sorted((first, second))
    low, high = timeline_percent(early, deadline), timeline_percent(late, deadline)
    assert 0 <= low <= high <= 100


def test_overdue_after_the_catalogue_deadline() -> None:
    """5/1/2027: an unfinished target is overdue, naming the deadline and status."""
    warnings = warn([rec(progress=80)], NEXT_JANUARY)
    assert warnings == [
        RunWarning(
            kind="overdue", target_code="1.5.17", period="2026-11", unit_code="CAX",
            detail="Hạn 31/12/2026 đã qua, tình trạng: Đang thực hiện",
        )
    ]


def test_a_completed_target_with_evidence_is_never_overdue() -> None:
    """Completed with its evidence: no warning after the deadline."""
    done = rec(status=Status.COMPLETED, progress=100, evidence=PDF)
    assert warn([done], NEXT_JANUARY) == []


def test_a_value_meeting_the_target_counts_as_complete() -> None:
    """95% VNeID (≥ 90) without evidence: evidence_missing, not overdue."""
    met = rec(actual=95, progress=95, status=Status.IN_PROGRESS)
    assert [(w.kind, w.detail) for w in warn([met], NEXT_JANUARY)] == [
        (
            "evidence_missing",
            "Báo cáo hoàn thành (tình trạng: Đang thực hiện, giá trị thực hiện: 95) "
            "nhưng chưa có minh chứng",
        )
    ]


def test_the_units_own_overdue_status_is_a_warning_before_the_deadline() -> None:
    """Reported Quá hạn in April: overdue with the unit's word, and no behind_schedule too."""
    late = rec(status=Status.OVERDUE, progress=1)
    assert [(w.kind, w.detail) for w in warn([late], APRIL)] == [
        ("overdue", "Đơn vị báo cáo tình trạng: Quá hạn (hạn 31/12/2026)")
    ]


def test_the_units_overdue_status_after_the_deadline_names_the_deadline() -> None:
    """Quá hạn in January 2027: one overdue warning, in the past-deadline form."""
    late = rec(status=Status.OVERDUE, progress=30)
    assert [(w.kind, w.detail) for w in warn([late], NEXT_JANUARY)] == [
        ("overdue", "Hạn 31/12/2026 đã qua, tình trạng: Quá hạn")
    ]


def test_behind_schedule_in_late_november() -> None:
    """27/11/2026: 90.7% of the timeline gone, 15% done is below the 45.3% line."""
    warnings = warn([rec(progress=15)], LATE_NOVEMBER)
    assert warnings == [
        RunWarning(
            kind="behind_schedule", target_code="1.5.17", period="2026-11", unit_code="CAX",
            detail="Hoàn thành 15% trong khi lộ trình đã qua 90,7% (ngưỡng cảnh báo 45,3%)",
        )
    ]


def test_on_schedule_at_or_above_the_line() -> None:
    """50% done in late November is above 45.3%: no warning."""
    assert warn([rec(progress=50)], LATE_NOVEMBER) == []


def test_a_higher_threshold_warns_sooner() -> None:
    """Threshold 0.6: 50% done is below the 54.4% line."""
    warnings = warn([rec(progress=50)], LATE_NOVEMBER, threshold=0.6)
    assert [(w.kind, w.detail) for w in warnings] == [
        (
            "behind_schedule",
            "Hoàn thành 50% trong khi lộ trình đã qua 90,7% (ngưỡng cảnh báo 54,4%)",
        )
    ]


def test_a_zero_threshold_never_warns_behind_schedule() -> None:
    """Threshold 0: nothing is below the line."""
    assert warn([rec(progress=0)], LATE_NOVEMBER, threshold=0) == []


def test_early_in_the_year_only_very_low_progress_is_behind() -> None:
    """1/4/2026: 24.7% of the timeline, line at 12.4%; 10% warns, 15% does not."""
    warnings = warn([rec("1.5.17", progress=10), rec("1.5.18", actual=20, progress=15)], APRIL)
    assert [(w.target_code, w.detail) for w in warnings] == [
        ("1.5.17", "Hoàn thành 10% trong khi lộ trình đã qua 24,7% (ngưỡng cảnh báo 12,4%)")
    ]


def test_no_behind_schedule_without_a_progress_figure() -> None:
    """Progress unknown: nothing to compare."""
    assert warn([rec(progress=None)], LATE_NOVEMBER) == []


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_a_threshold_outside_zero_to_one_is_refused(threshold: float) -> None:
    """The threshold is a share, 0–1."""
    with pytest.raises(ValueError, match="threshold"):
        warn([], APRIL, threshold=threshold)


def test_an_assignment_deadline_overrides_the_catalogues() -> None:
    """Deadline 31/3/2026 in the assignment: overdue on 1/4/2026."""
    assignments = AssignmentSet(
        assignments=(Assignment(target_code="1.5.17", deadline=date(2026, 3, 31)),)
    )
    warnings = warn([rec(progress=80)], APRIL, assignments=assignments)
    assert [(w.kind, w.detail) for w in warnings] == [
        ("overdue", "Hạn 31/03/2026 đã qua, tình trạng: Đang thực hiện")
    ]


def test_an_assignment_deadline_sets_the_timeline() -> None:
    """Deadline 30/6/2026: half the timeline gone on 1/4/2026, line at 25%."""
    assignments = AssignmentSet(
        assignments=(Assignment(target_code="1.5.17", deadline=date(2026, 6, 30)),)
    )
    warnings = warn([rec(progress=20)], APRIL, assignments=assignments)
    assert [w.detail for w in warnings] == [
        "Hoàn thành 20% trong khi lộ trình đã qua 50% (ngưỡng cảnh báo 25%)"
    ]


def test_an_assignment_without_a_deadline_keeps_the_catalogues() -> None:
    """A standing duty (no date): the plan's 31/12/2026 applies."""
    assignments = AssignmentSet(
        assignments=(Assignment(target_code="1.5.17", deadline_text="Thường xuyên"),)
    )
    assert warn([rec(progress=80)], APRIL, assignments=assignments) == []
    assert [w.detail for w in warn([rec(progress=80)], NEXT_JANUARY, assignments=assignments)] == [
        "Hạn 31/12/2026 đã qua, tình trạng: Đang thực hiện"
    ]


def test_the_units_latest_period_decides() -> None:
    """Behind in September, complete with evidence in November: no warning."""
    records = [
        rec(period="2026-09", progress=1),
        rec(period="2026-11", status=Status.COMPLETED, progress=100, evidence=PDF),
    ]
    assert warn(records, LATE_NOVEMBER) == []
    assert [r.period for r in _latest_per_unit(records)] == ["2026-11"]


def test_each_unit_is_warned_for_its_own_record() -> None:
    """Two units on one target: one warning each, by unit."""
    records = [rec(unit="VPUB", progress=5), rec(unit="CAX", progress=10)]
    assert kinds(warn(records, LATE_NOVEMBER)) == [
        ("behind_schedule", "1.5.17", "2026-11", "CAX"),
        ("behind_schedule", "1.5.17", "2026-11", "VPUB"),
    ]


def test_completion_without_evidence() -> None:
    """Status Hoàn thành, no file: evidence_missing; with a file: nothing."""
    bare = rec("1.3.2", actual=None, status=Status.COMPLETED, progress=100)
    proven = rec("1.3.4", actual=1, status=Status.COMPLETED, progress=100, evidence=PDF)
    warnings = warn([bare, proven], LATE_NOVEMBER)
    assert [(w.kind, w.target_code, w.detail) for w in warnings] == [
        (
            "evidence_missing", "1.3.2",
            "Báo cáo hoàn thành (tình trạng: Hoàn thành) nhưng chưa có minh chứng",
        )
    ]


def test_rejected_evidence_from_both_systems() -> None:
    """Each system's rejection is a warning with its reviewer's reason and the figure's unit."""
    theodoinq = remote(review="rejected", review_comment="Chưa có chữ ký")
    nq71 = remote(
        evidence=[
            RemoteEvidence(remote_id="d1", review="rejected", comment="Ảnh mờ"),
            RemoteEvidence(remote_id="d2", review="accepted"),
        ],
    )
    warnings = warn(
        [rec(progress=80, evidence=PDF)],
        LATE_NOVEMBER,
        snapshots={"theodoinq": snap("theodoinq", theodoinq), "nq71": snap("nq71", nq71)},
        selected=[rec(unit="VPUB")],
    )
    assert warnings == [
        RunWarning(
            kind="evidence_rejected", target_code="1.5.17", period="2026-11", unit_code="VPUB",
            detail="Minh chứng không đạt trên nq71: Ảnh mờ",
        ),
        RunWarning(
            kind="evidence_rejected", target_code="1.5.17", period="2026-11", unit_code="VPUB",
            detail="Minh chứng không đạt trên theodoinq: Chưa có chữ ký",
        ),
    ]


def test_a_rejection_without_a_comment_or_a_selected_unit() -> None:
    """No comment: said so; no commune figure for the key: no unit."""
    report = remote("1.2.1", "2026-10", evidence=[RemoteEvidence(remote_id="f", review="rejected")])
    warnings = warn([], LATE_NOVEMBER, snapshots={"theodoinq": snap("theodoinq", report)})
    assert kinds(warnings) == [("evidence_rejected", "1.2.1", "2026-10", None)]
    assert warnings[0].detail == f"Minh chứng không đạt trên theodoinq: {NO_REASON}"


def test_accepted_or_pending_reviews_are_no_warning() -> None:
    """Only rejections warn."""
    reports = [
        remote("1.5.1", review="accepted", evidence=[RemoteEvidence(remote_id="a")]),
        remote("1.5.2", review="pending"),
    ]
    assert warn([], LATE_NOVEMBER, snapshots={"nq71": snap("nq71", *reports)}) == []


def test_missing_6ro_from_the_assignment_findings() -> None:
    """One warning per finding, with its message, no unit or period."""
    findings = (
        AssignmentFinding(
            target_code="1.5.10", missing=("sản phẩm",), message="Thiếu sản phẩm"
        ),
        AssignmentFinding(
            target_code="1.1.2", missing=("thời hạn",), message="Thiếu thời hạn"
        ),
    )
    warnings = warn([], APRIL, assignments=AssignmentSet(findings=findings))
    assert [(w.kind, w.target_code, w.period, w.unit_code, w.detail) for w in warnings] == [
        ("missing_6ro", "1.1.2", None, None, "Thiếu thời hạn"),
        ("missing_6ro", "1.5.10", None, None, "Thiếu sản phẩm"),
    ]


def test_no_missing_6ro_without_assignments() -> None:
    """No assignment workbook: no 6 rõ findings."""
    assert warn([rec(progress=80)], APRIL, assignments=None) == []


def test_warnings_are_sorted_by_kind_target_period_and_unit() -> None:
    """Kind order first, then the plan's numeric order, period and unit."""
    records = [
        rec("1.5.10", progress=1),
        rec("1.5.9", progress=1),
        rec("1.2.2", status=Status.OVERDUE),
        rec("1.1.1", status=Status.COMPLETED, progress=100),
    ]
    findings = (AssignmentFinding(target_code="1.1.1", missing=("sản phẩm",), message="m"),)
    rejected = remote("1.5.26", review="rejected", review_comment="x")
    warnings = warn(
        records, LATE_NOVEMBER,
        snapshots={"nq71": snap("nq71", rejected)},
        assignments=AssignmentSet(findings=findings),
    )
    assert kinds(warnings) == [
        ("overdue", "1.2.2", "2026-11", "CAX"),
        ("behind_schedule", "1.5.9", "2026-11", "CAX"),
        ("behind_schedule", "1.5.10", "2026-11", "CAX"),
        ("evidence_rejected", "1.5.26", "2026-11", None),
        ("evidence_missing", "1.1.1", "2026-11", "CAX"),
        ("missing_6ro", "1.1.1", None, None),
    ]


def test_no_duplicate_warnings() -> None:
    """The same record twice, the same finding twice: each warned once."""
    finding = AssignmentFinding(target_code="1.1.1", missing=("sản phẩm",), message="m")
    warnings = warn(
        [rec(progress=1), rec(progress=1)],
        LATE_NOVEMBER,
        assignments=AssignmentSet(findings=(finding, finding)),
    )
    assert kinds(warnings) == [
        ("behind_schedule", "1.5.17", "2026-11", "CAX"),
        ("missing_6ro", "1.1.1", None, None),
    ]


def test_details_are_nfc() -> None:
    """A reviewer comment in NFD comes out NFC."""
    nfd = unicodedata.normalize("NFD", "Chưa đạt yêu cầu")
    report = remote(review="rejected", review_comment=nfd)
    warnings = warn([], APRIL, snapshots={"nq71": snap("nq71", report)})
    assert warnings[0].detail == "Minh chứng không đạt trên nq71: Chưa đạt yêu cầu"
    assert unicodedata.is_normalized("NFC", warnings[0].detail)


def test_target_progress_covers_all_44_targets_in_plan_order() -> None:
    """Every target, in the plan's order, empty where nobody reported."""
    progress = target_progress([], [])
    assert [p.target_code for p in progress] == [t.code for t in catalogue.targets()]
    assert len(progress) == 44
    assert progress[0].model_dump() == {
        "target_code": "1.1.1", "section": "1.1", "unit_code": None, "period": None,
        "progress_percent": None, "status": None, "complete": False,
    }


def test_target_progress_prefers_the_commune_figure_of_the_latest_period() -> None:
    """The selected record of the latest period wins over other units' records."""
    lead = rec("1.5.17", unit="VPUB", progress=70)
    records = [rec("1.5.17", unit="CAX", progress=90), lead, rec("1.5.17", "2026-10", "VPUB")]
    entry = next(p for p in target_progress(records, [lead]) if p.target_code == "1.5.17")
    assert (entry.unit_code, entry.period, entry.progress_percent, entry.status) == (
        "VPUB", "2026-11", 70, "in_progress"
    )
    assert entry.section == "1.5"


def test_target_progress_falls_back_to_the_latest_record_of_any_unit() -> None:
    """A later period without a commune figure: that period's record, first unit by code."""
    commune = rec("1.2.2", "2026-10", unit="VPUB", progress=40)
    records = [
        commune,
        rec("1.2.2", "2026-11", unit="DTN", progress=60),
        rec("1.2.2", "2026-11", unit="CAX", progress=55),
    ]
    entry = next(p for p in target_progress(records, [commune]) if p.target_code == "1.2.2")
    assert (entry.unit_code, entry.period, entry.progress_percent) == ("CAX", "2026-11", 55)
