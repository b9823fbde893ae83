from flows.selection import select_commune_figures
from models.assignment import Assignment, AssignmentSet
from models.records import ProgressRecord, SourceRef, Status


def rec(unit: str, code: str, period: str = "2026-11", actual: float = 1) -> ProgressRecord:
    return ProgressRecord(
        unit_code=unit, target_code=code, period=period, actual=actual,
        status=Status.IN_PROGRESS, source=SourceRef(file=f"{unit}.xlsx", sheet="Báo cáo", row=5),
    )


def assignments(**leads: str) -> AssignmentSet:
    return AssignmentSet(assignments=tuple(
        Assignment(target_code=code.replace("_", "."), lead_unit=unit)
        for code, unit in leads.items()
    ))


def test_the_lead_units_report_is_the_communes_figure() -> None:
    """With a lead named, its record is chosen over a supporting unit's."""
    chosen = select_commune_figures(
        [rec("CAX", "1.5.17", actual=80), rec("VPUB", "1.5.17", actual=87.5)],
        assignments(**{"1_5_17": "VPUB"}),
    )
    assert [(r.unit_code, r.actual) for r in chosen.selected] == [("VPUB", 87.5)]
    assert chosen.skipped == []


def test_the_only_reporter_is_chosen_without_an_assignment() -> None:
    """No assignment and one reporter: that unit's record."""
    chosen = select_commune_figures([rec("TCNS", "1.5.8")], None)
    assert [r.unit_code for r in chosen.selected] == ["TCNS"]


def test_several_reporters_and_no_lead_push_nothing() -> None:
    """Two units, no lead: both skipped with the reason naming them."""
    chosen = select_commune_figures([rec("CAX", "1.5.8"), rec("DTN", "1.5.8")], None)
    assert chosen.selected == []
    assert [r.unit_code for r, _ in chosen.skipped] == ["CAX", "DTN"]
    assert "CAX, DTN" in chosen.skipped[0][1]


def test_a_lead_that_did_not_report_blocks_the_others() -> None:
    """The lead is named but silent: the supporting unit's figure is not pushed."""
    chosen = select_commune_figures([rec("CAX", "1.1.1")], assignments(**{"1_1_1": "VPUB"}))
    assert chosen.selected == [] and "VPUB" in chosen.skipped[0][1]


def test_keys_are_per_period_and_in_plan_order() -> None:
    """Each period is its own key; output follows the plan's numeric order."""
    chosen = select_commune_figures(
        [rec("A", "1.5.10"), rec("A", "1.5.9"), rec("A", "1.5.9", period="2026-10")], None
    )
    assert [(r.target_code, r.period) for r in chosen.selected] == [
        ("1.5.9", "2026-10"), ("1.5.9", "2026-11"), ("1.5.10", "2026-11"),
    ]
