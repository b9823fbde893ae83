"""Section progress (the chart's data) and the Vietnamese way of writing values."""

from datetime import UTC, datetime

import pytest
from test_render_support import TIMELINE, build_report

from flows.render import SectionProgress, section_progress
from flows.render import labels as lb
from flows.report_model import EntryStatus, SystemReport


def test_section_progress_exact_values() -> None:
    """Each section has its size, reported count, average, completed count and the timeline."""
    assert section_progress(build_report()) == [
        SectionProgress("1.1", "Phát triển hạ tầng", 2, 2, 87.5, 1, TIMELINE),
        SectionProgress("1.2", "Phát triển nguồn nhân lực", 6, 2, 30.0, 0, TIMELINE),
        SectionProgress("1.3", "Phát triển khoa học, công nghệ", 5, 0, None, 0, TIMELINE),
        SectionProgress(
            "1.4", "Phát triển hệ sinh thái đổi mới sáng tạo", 5, 1, 10.0, 0, TIMELINE
        ),
        SectionProgress("1.5", "Phát triển chuyển đổi số", 26, 3, 80.0, 1, TIMELINE),
    ]


def test_section_behind_is_below_half_the_timeline() -> None:
    """A section is behind when its average is below half of the timeline, never when empty."""
    behind = {s.code: s.behind for s in section_progress(build_report())}
    assert behind == {"1.1": False, "1.2": True, "1.3": False, "1.4": True, "1.5": False}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(87.5, "87,5"), (1234.5, "1.234,5"), (100.0, "100"), (0.0, "0"), (33.3333, "33,33")],
)
def test_numbers_the_vietnamese_way(value: float, expected: str) -> None:
    """Decimal comma, dot-grouped thousands, no trailing zeros."""
    assert lb.number(value) == expected


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
