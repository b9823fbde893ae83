"""Section progress (every target counted, by state) and the Vietnamese way of writing values."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from test_render_support import TIMELINE, build_report

from flows.render import labels as lb
from flows.render import section_progress
from flows.render.progress import STATE_ORDER, target_statuses
from flows.report_model import EntryStatus, SystemReport


def test_every_target_of_the_catalogue_counts() -> None:
    """Each section counts all its targets: the reported ones, and each state."""
    sections = section_progress(build_report())
    assert [(s.code, s.targets, s.reported) for s in sections] == [
        ("1.1", 2, 2), ("1.2", 6, 2), ("1.3", 5, 0), ("1.4", 5, 1), ("1.5", 26, 3),
    ]
    assert sum(s.targets for s in sections) == 44
    counts = {
        s.code: tuple(s.count(state) for state in STATE_ORDER) for s in sections
    }
    assert STATE_ORDER == ("overdue", "behind", "not_reported", "on_track", "completed")
    assert counts == {
        "1.1": (0, 0, 0, 1, 1), "1.2": (0, 1, 4, 1, 0), "1.3": (0, 0, 5, 0, 0),
        "1.4": (0, 0, 4, 1, 0), "1.5": (1, 0, 23, 1, 1),
    }
    assert all(s.timeline_percent == TIMELINE for s in sections)


def test_a_section_with_a_behind_or_overdue_target_is_never_on_track() -> None:
    """The warnings of the figure's unit decide: 1.2.1 behind, 1.5.7 overdue, each named."""
    sections = {s.code: s for s in section_progress(build_report())}
    assert {code: s.behind for code, s in sections.items()} == {
        "1.1": False, "1.2": True, "1.3": False, "1.4": False, "1.5": True
    }
    assert {code: s.assessment for code, s in sections.items()} == {
        "1.1": "on_track", "1.2": "behind", "1.3": "not_reported", "1.4": "not_reported",
        "1.5": "overdue",
    }
    assert [(t.code, t.progress_percent) for t in sections["1.2"].attention] == [("1.2.1", 20)]
    assert [t.code for t in sections["1.5"].attention] == ["1.5.7"]


def test_a_warning_of_another_unit_does_not_mark_the_commune_figure() -> None:
    """The overdue warning is VPUB's: with the figure reported by VHXH, 1.5.7 is on track."""
    report = build_report()
    for item in report.progress:
        if item.target_code == "1.5.7":
            item.unit_code = "VHXH"
    state = {t.code: t.state for t in target_statuses(report)}
    assert state["1.5.7"] == "on_track" and state["1.2.3"] == "not_reported"


def test_a_completion_by_value_is_complete() -> None:
    """A target whose value meets it is complete even when its status says in progress."""
    report = build_report()
    for item in report.progress:
        if item.target_code == "1.1.2":
            item.complete = True
    assert {t.code: t.state for t in target_statuses(report)}["1.1.2"] == "completed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(87.5, "87,5"), (1234.5, "1.234,5"), (100.0, "100"), (0.0, "0"), (33.3333, "33,33")],
)
def test_numbers_the_vietnamese_way(value: float, expected: str) -> None:
    """Decimal comma, dot-grouped thousands, no trailing zeros."""
    assert lb.number(value) == expected


def test_decimals_are_numbers_and_sentences_join_without_doubled_punctuation() -> None:
    """Decimal values read as numbers; reasons ending in `.` join with `; ` only."""
    assert lb.number(Decimal("81.5")) == "81,5"
    assert lb._value_text("actual", Decimal("1234.5")) == "1.234,5"
    assert lb.as_number(Decimal("100")) == 100 and isinstance(lb.as_number(Decimal("100")), int)
    assert lb.as_number(Decimal("0.5")) == 0.5 and lb.as_number("5") is None
    assert lb.sentences(["Chưa có minh chứng.", None, "", "Lỗi: hết giờ;"]) == (
        "Chưa có minh chứng; Lỗi: hết giờ"
    )


def test_status_labels_by_mode() -> None:
    """A dry run says what it will do; a real run what it did."""
    assert lb.status_label(EntryStatus.CREATED) == "Đã tạo mới"
    assert lb.status_label(EntryStatus.CREATED, dry_run=True) == "Sẽ tạo mới"
    assert lb.status_label(EntryStatus.UPDATED, dry_run=True) == "Sẽ cập nhật"
    assert lb.status_label(EntryStatus.HELD, dry_run=True) == lb.status_label(EntryStatus.HELD)


def test_percent_time_and_period_text() -> None:
    """Percent with one decimal, UTC turned into Vietnam time, periods as MM/YYYY."""
    assert lb.percent(87.5) == "87,5%"
    assert lb.percent(None) == "—"
    assert lb.time_text(datetime(2026, 11, 26, 17, 30, tzinfo=UTC)) == "27/11/2026 00:30"
    assert lb.time_text(datetime(2026, 11, 26, 17, 30)) == "27/11/2026 00:30"
    assert lb.period_text("2026-03") == "03/2026"
    assert lb.period_text("quý 4") == "quý 4"


def test_status_counts_fall_back_to_entries() -> None:
    """Without a summary, counts come from the entries; every status is present."""
    system = build_report().systems["theodoinq"]
    counted = lb.status_counts(SystemReport(entries=system.entries))
    assert counted == lb.status_counts(system) == dict.fromkeys(EntryStatus, 1)
