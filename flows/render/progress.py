"""Progress per section of the plan against the timeline: the chart's and the tables' data.

Every target of the catalogue counts, reported or not. A target's state comes from its latest
commune figure and the run's warnings for that figure's unit (so the deadlines of the
assignment and the behind threshold are the warnings'): overdue, behind, complete (the plan's
rule), on track, or not reported.
"""

from dataclasses import dataclass
from typing import Literal

from flows.report_model import Reconciliation, TargetProgress
from models.catalogue import SECTIONS, targets

TargetState = Literal["overdue", "behind", "not_reported", "on_track", "completed"]

STATE_ORDER: tuple[TargetState, ...] = (
    "overdue",
    "behind",
    "not_reported",
    "on_track",
    "completed",
)
"""Worst first: the order of the chart's segments and of the targets named."""

STATE_LABELS: dict[TargetState, str] = {
    "overdue": "Quá hạn",
    "behind": "Chậm so với lộ trình",
    "not_reported": "Chưa báo cáo",
    "on_track": "Đúng lộ trình",
    "completed": "Hoàn thành",
}

STATE_TONES: dict[TargetState, Literal["ok", "warn", "bad"]] = {
    "overdue": "bad",
    "behind": "bad",
    "not_reported": "warn",
    "on_track": "ok",
    "completed": "ok",
}
"""The colour tone (`ok`, `warn`, `bad`) of each state, for badges and sheet colours."""

_WARNING_STATE: dict[str, TargetState] = {"overdue": "overdue", "behind_schedule": "behind"}


@dataclass(frozen=True)
class TargetStatus:
    """One target of the plan where it stands: its latest commune figure and its state."""

    code: str
    section: str
    title: str
    state: TargetState
    unit_code: str | None
    period: str | None
    progress_percent: float | None


@dataclass(frozen=True)
class SectionProgress:
    """One section (1.1 … 1.5): each of its targets with its state, against the timeline.

    `attention` names the overdue then behind targets, lowest first.
    """

    code: str
    title: str
    timeline_percent: float
    items: tuple[TargetStatus, ...]

    @property
    def targets(self) -> int:
        """How many targets the section has in the plan."""
        return len(self.items)

    @property
    def reported(self) -> int:
        """How many of them someone reported."""
        return self.targets - self.count("not_reported")

    @property
    def behind(self) -> bool:
        """Whether any target of the section is overdue or behind the timeline."""
        return self.count("overdue") + self.count("behind") > 0

    def count(self, state: TargetState) -> int:
        """How many of the section's targets are in STATE."""
        return sum(1 for item in self.items if item.state == state)

    def of_state(self, state: TargetState) -> list[TargetStatus]:
        """The section's targets in STATE, in the plan's order."""
        return [item for item in self.items if item.state == state]

    @property
    def attention(self) -> list[TargetStatus]:
        """Overdue targets, then behind ones, each group lowest progress first."""

        def key(item: TargetStatus) -> tuple[int, float]:
            return STATE_ORDER.index(item.state), item.progress_percent or 0.0

        return sorted((i for i in self.items if i.state in ("overdue", "behind")), key=key)

    @property
    def assessment(self) -> TargetState:
        """The section's worst state present (what its badge says)."""
        present = {item.state for item in self.items}
        return next((s for s in STATE_ORDER if s in present), "not_reported")


def _latest_per_target(progress: list[TargetProgress]) -> dict[str, TargetProgress]:
    latest: dict[str, TargetProgress] = {}
    for item in progress:
        known = latest.get(item.target_code)
        if known is None or (item.period or "") >= (known.period or ""):
            latest[item.target_code] = item
    return latest


def _reported(item: TargetProgress | None) -> bool:
    return item is not None and (item.progress_percent is not None or item.status is not None)


def _state(
    item: TargetProgress | None, flagged: dict[tuple[str, str | None], set[str]]
) -> TargetState:
    if item is None or not _reported(item):
        return "not_reported"
    kinds = flagged.get((item.target_code, item.unit_code), set())
    if "overdue" in kinds:
        return "overdue"
    if "behind_schedule" in kinds:
        return "behind"
    if item.complete or item.status == "completed":
        return "completed"
    return "on_track"


def target_statuses(report: Reconciliation) -> list[TargetStatus]:
    """Each of the catalogue's targets, in the plan's order, with its state.

    When a target appears more than once in the report's progress, its latest period wins
    (the last listed on a tie).
    """
    latest = _latest_per_target(report.progress)
    flagged: dict[tuple[str, str | None], set[str]] = {}
    for warning in report.warnings:
        if warning.kind in _WARNING_STATE:
            flagged.setdefault((warning.target_code, warning.unit_code), set()).add(warning.kind)
    out = []
    for target in targets():
        item = latest.get(target.code)
        reported = _reported(item)
        out.append(
            TargetStatus(
                code=target.code,
                section=target.section,
                title=target.title,
                state=_state(item, flagged),
                unit_code=item.unit_code if item is not None and reported else None,
                period=item.period if item is not None and reported else None,
                progress_percent=item.progress_percent if item is not None else None,
            )
        )
    return out


def section_progress(report: Reconciliation) -> list[SectionProgress]:
    """Per section, in the plan's order, every target of the catalogue counted."""
    statuses = target_statuses(report)
    return [
        SectionProgress(
            code=section.code,
            title=section.title,
            timeline_percent=report.timeline_percent,
            items=tuple(s for s in statuses if s.section == section.code),
        )
        for section in SECTIONS
    ]
