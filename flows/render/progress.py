"""Progress per section of the plan against the timeline: the chart's data."""

from dataclasses import dataclass

from flows.report_model import Reconciliation, TargetProgress
from models.catalogue import SECTIONS, get


@dataclass(frozen=True)
class SectionProgress:
    """One section (1.1 … 1.5): how many targets, how many reported, average and completed."""

    code: str
    title: str
    targets: int
    reported: int
    average_percent: float | None
    completed: int
    timeline_percent: float

    @property
    def behind(self) -> bool:
        """Whether the average is below half of the timeline (the plan's warning threshold)."""
        return self.average_percent is not None and (
            self.average_percent < self.timeline_percent / 2
        )


def _latest_per_target(progress: list[TargetProgress]) -> dict[str, TargetProgress]:
    latest: dict[str, TargetProgress] = {}
    for item in progress:
        known = latest.get(item.target_code)
        if known is None or (item.period or "") >= (known.period or ""):
            latest[item.target_code] = item
    return latest


def _section_of(item: TargetProgress) -> str:
    target = get(item.target_code)
    return target.section if target is not None else item.section


def section_progress(report: Reconciliation) -> list[SectionProgress]:
    """Per section, in the plan's order: a target counts as reported when it has a percent.

    When a target appears more than once, its latest period wins (the last listed on a tie).
    """
    latest = _latest_per_target(report.progress)
    out: list[SectionProgress] = []
    for section in SECTIONS:
        items = [p for p in latest.values() if _section_of(p) == section.code]
        percents = [p.progress_percent for p in items if p.progress_percent is not None]
        out.append(
            SectionProgress(
                code=section.code,
                title=section.title,
                targets=section.size,
                reported=len(percents),
                average_percent=sum(percents) / len(percents) if percents else None,
                completed=sum(1 for p in items if p.status == "completed"),
                timeline_percent=report.timeline_percent,
            )
        )
    return out
