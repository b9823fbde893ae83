"""The inline SVG chart: average progress per section as horizontal bars against the timeline.

A bar below half of the timeline is red, others green (a section with no report has an empty
bar); a dashed vertical line marks the timeline, with the texts drawn over it on a white halo.
The SVG carries a `<title>` and a `<desc>` listing the numbers for screen readers.
"""

from html import escape

from flows.render import labels as lb
from flows.render.progress import SectionProgress

WIDTH = 400
MARGIN = 8
PLOT_WIDTH = WIDTH - 2 * MARGIN
TOP = 34
ROW = 48
LABEL = 15
BAR = 18
GREEN = "#2e7d32"
RED = "#c62828"
TRACK = "#eceff1"
MUTED = "#546e7a"
HALO = ' stroke="#fff" stroke-width="3" paint-order="stroke"'
CHART_TITLE = "Tiến độ trung bình theo nhóm chỉ tiêu so với lộ trình thời gian"


def _x(percent: float) -> float:
    return MARGIN + PLOT_WIDTH * min(max(percent, 0.0), 100.0) / 100


def bar_width(percent: float | None) -> float:
    """The width of a bar for an average percent (0 when nothing was reported)."""
    return 0.0 if percent is None else _x(percent) - MARGIN


def timeline_label(timeline_percent: float) -> str:
    """`Lộ trình thời gian: X%`."""
    return f"Lộ trình thời gian: {lb.percent(timeline_percent)}"


def describe(section: SectionProgress) -> str:
    """One section's numbers in words."""
    head = f"{section.code} {section.title}: "
    counts = (
        f"{section.reported}/{section.targets} chỉ tiêu có báo cáo, "
        f"{section.completed} hoàn thành"
    )
    if section.average_percent is None:
        return f"{head}chưa có báo cáo ({counts})"
    return f"{head}trung bình {lb.percent(section.average_percent)} ({counts})"


def _bar(section: SectionProgress, top: float) -> tuple[str, str]:
    """The bar's shapes, and its texts (drawn last, above the timeline line)."""
    y = top + LABEL + 4
    width = bar_width(section.average_percent)
    if section.average_percent is None:
        tone, colour = "empty", MUTED
    else:
        tone, colour = ("behind", RED) if section.behind else ("on-track", GREEN)
    shapes = (
        f'<rect class="track" x="{MARGIN}" y="{y}" width="{PLOT_WIDTH}" height="{BAR}" '
        f'fill="{TRACK}"/>'
        f'<rect class="bar {tone}" data-section="{escape(section.code)}" x="{MARGIN}" '
        f'y="{y}" width="{width:.2f}" height="{BAR}" fill="{colour}">'
        f"<title>{escape(describe(section))}</title></rect>"
    )
    x: float = MARGIN + width + 4
    anchor, fill, halo = "start", "#000", HALO
    if section.average_percent is None:
        value, x, fill = "Chưa có báo cáo", MARGIN + 4, MUTED
    else:
        value = lb.percent(section.average_percent)
        if width > PLOT_WIDTH * 0.8:
            x, anchor, fill, halo = MARGIN + width - 4, "end", "#fff", ""
    texts = (
        f'<text x="{MARGIN}" y="{top + LABEL - 3}" class="label"{HALO}>'
        f"{escape(section.code)} {escape(section.title)}</text>"
        f'<text x="{x:.2f}" y="{y + BAR - 5}" text-anchor="{anchor}" fill="{fill}" '
        f'class="value"{halo}>{escape(value)}</text>'
    )
    return shapes, texts


def _grid(bottom: float) -> str:
    lines = []
    for tick in (0, 25, 50, 75, 100):
        x = _x(tick)
        anchor = "start" if tick == 0 else "end" if tick == 100 else "middle"
        lines.append(
            f'<line x1="{x:.2f}" y1="{TOP}" x2="{x:.2f}" y2="{bottom}" stroke="#cfd8dc" '
            f'stroke-width="0.5"/><text x="{x:.2f}" y="{bottom + 14}" text-anchor="{anchor}" '
            f'class="tick" fill="{MUTED}">{tick}%</text>'
        )
    return "".join(lines)


def _marker(timeline_percent: float, bottom: float) -> str:
    x = _x(timeline_percent)
    anchor = "end" if timeline_percent > 50 else "start"
    label = escape(timeline_label(timeline_percent))
    return (
        f'<g class="timeline" data-percent="{timeline_percent:g}">'
        f'<line x1="{x:.2f}" y1="{TOP - 10}" x2="{x:.2f}" y2="{bottom}" stroke="#1a237e" '
        f'stroke-width="2" stroke-dasharray="5 3"/>'
        f'<text x="{x:.2f}" y="{TOP - 14}" text-anchor="{anchor}" fill="#1a237e" '
        f'class="timeline-label">{label}</text></g>'
    )


def render_chart(sections: list[SectionProgress], timeline_percent: float) -> str:
    """The chart as an inline `<svg>` element."""
    bottom = TOP + ROW * len(sections)
    height = bottom + 22
    desc = "; ".join(describe(s) for s in sections) + f". {timeline_label(timeline_percent)}."
    drawn = [_bar(s, TOP + i * ROW) for i, s in enumerate(sections)]
    shapes = "".join(shape for shape, _ in drawn)
    texts = "".join(text for _, text in drawn)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-title chart-desc" class="chart">'
        f'<title id="chart-title">{escape(CHART_TITLE)}</title>'
        f'<desc id="chart-desc">{escape(desc)}</desc>'
        f"{_grid(bottom)}{shapes}{_marker(timeline_percent, bottom)}{texts}</svg>"
    )
