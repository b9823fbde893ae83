"""The chart's geometry: per section, its targets counted by state, and each target against the
plan's timeline.

Each section is one row. On the left a bar split by state (overdue, behind, not reported, on
track, completed: every target of the plan, so unreported ones show as such); on the right one
dot per reported target at its progress, a dashed vertical line marking the timeline, and the
overdue and behind targets named under their dots. The SVG markup is `templates/chart.svg.j2`;
its `<title>` and `<desc>` give every number in words for screen readers.
"""

from dataclasses import dataclass

from flows.render import labels as lb
from flows.render.progress import STATE_LABELS, STATE_ORDER, SectionProgress, TargetState

WIDTH = 640
LEFT_X = 8
LEFT_WIDTH = 196
RIGHT_X = 236
RIGHT_WIDTH = 392
TOP = 40
ROW = 60
BAR = 18
DOT = 4.0
LANES = (-5.0, 0.0, 5.0)
CHART_TITLE = "Tiến độ các chỉ tiêu theo nhóm so với lộ trình thời gian của kế hoạch"

STATE_COLOURS: dict[TargetState, str] = {
    "overdue": "#b71c1c",
    "behind": "#e65100",
    "not_reported": "#eceff1",
    "on_track": "#66bb6a",
    "completed": "#1b5e20",
}
"""Fill of each state; text on it is white except on the light grey of not reported."""


@dataclass(frozen=True)
class Segment:
    """One state's part of a section's bar."""

    state: TargetState
    x: float
    width: float
    count: int
    title: str
    colour: str
    ink: str


@dataclass(frozen=True)
class Dot:
    """One reported target at its progress."""

    code: str
    state: TargetState
    cx: float
    cy: float
    title: str
    colour: str
    named: bool


@dataclass(frozen=True)
class Row:
    """One section's row of the chart."""

    code: str
    label: str
    top: float
    bar_y: float
    track_y: float
    name_y: float
    segments: tuple[Segment, ...]
    dots: tuple[Dot, ...]


@dataclass(frozen=True)
class Chart:
    """Everything the chart template draws."""

    width: int
    height: float
    bottom: float
    rows: tuple[Row, ...]
    timeline_x: float
    timeline_percent: float
    timeline_label: str
    timeline_anchor: str
    ticks: tuple[tuple[float, str, str], ...]
    title: str
    description: str


def _x_of(percent: float) -> float:
    """Where a percentage falls on the right-hand axis."""
    return RIGHT_X + RIGHT_WIDTH * min(max(percent, 0.0), 100.0) / 100


def timeline_label(timeline_percent: float) -> str:
    """`Lộ trình thời gian: X%`."""
    return f"Lộ trình thời gian: {lb.percent(timeline_percent)}"


def _named(section: SectionProgress, state: TargetState) -> str:
    items = section.of_state(state)
    return ", ".join(
        i.code if i.progress_percent is None else f"{i.code} ({lb.percent(i.progress_percent)})"
        for i in items
    )


def _describe(section: SectionProgress) -> str:
    """One section's numbers in words: reported out of all, counts by state, targets named."""
    counts = ", ".join(
        f"{section.count(state)} {STATE_LABELS[state].lower()}" for state in STATE_ORDER
    )
    text = (
        f"{section.code} {section.title}: {section.reported}/{section.targets} chỉ tiêu "
        f"có báo cáo; {counts}"
    )
    attention = ", ".join(
        f"{i.code} ({lb.percent(i.progress_percent)})" for i in section.attention
    )
    return f"{text}; cần chú ý: {attention}" if attention else text


def _segments(section: SectionProgress) -> tuple[Segment, ...]:
    out, x = [], float(LEFT_X)
    for state in STATE_ORDER:
        count = section.count(state)
        if not count or not section.targets:
            continue
        width = LEFT_WIDTH * count / section.targets
        named = _named(section, state)
        out.append(
            Segment(
                state=state,
                x=x,
                width=width,
                count=count,
                title=f"{STATE_LABELS[state]}: {count}" + (f" ({named})" if named else ""),
                colour=STATE_COLOURS[state],
                ink="#263238" if state == "not_reported" else "#fff",
            )
        )
        x += width
    return tuple(out)


def _dots(section: SectionProgress, y: float) -> tuple[Dot, ...]:
    reported = sorted(
        (i for i in section.items if i.progress_percent is not None),
        key=lambda i: (i.progress_percent or 0.0, i.code),
    )
    return tuple(
        Dot(
            code=item.code,
            state=item.state,
            cx=_x_of(item.progress_percent or 0.0),
            cy=y + LANES[index % len(LANES)],
            title=f"{item.code} {item.title}: {lb.percent(item.progress_percent)} "
            f"({STATE_LABELS[item.state].lower()})",
            colour=STATE_COLOURS[item.state],
            named=item.state in ("overdue", "behind"),
        )
        for index, item in enumerate(reported)
    )


def build_chart(sections: list[SectionProgress], timeline_percent: float) -> Chart:
    """The chart's geometry for SECTIONS against the plan's TIMELINE_PERCENT."""
    rows = []
    for index, section in enumerate(sections):
        top = TOP + index * ROW
        bar_y = top + 18
        track_y = bar_y + BAR / 2
        rows.append(
            Row(
                code=section.code,
                label=f"{section.code} {section.title} · {section.reported}/{section.targets} "
                "chỉ tiêu có báo cáo",
                top=top,
                bar_y=bar_y,
                track_y=track_y,
                name_y=bar_y + BAR + 13,
                segments=_segments(section),
                dots=_dots(section, track_y),
            )
        )
    bottom = TOP + ROW * len(sections)
    ticks = tuple(
        (_x_of(tick), f"{tick}%", "start" if tick == 0 else "end" if tick == 100 else "middle")
        for tick in (0, 25, 50, 75, 100)
    )
    description = "; ".join(_describe(s) for s in sections)
    return Chart(
        width=WIDTH,
        height=bottom + 22,
        bottom=bottom,
        rows=tuple(rows),
        timeline_x=_x_of(timeline_percent),
        timeline_percent=timeline_percent,
        timeline_label=timeline_label(timeline_percent),
        timeline_anchor="end" if timeline_percent > 50 else "start",
        ticks=ticks,
        title=CHART_TITLE,
        description=f"{description}. {timeline_label(timeline_percent)}.",
    )
