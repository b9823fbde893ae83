"""`reconciliation.html`: one self-contained page (no external CSS, JS, fonts or images) from the
Jinja2 templates in `templates/`, autoescaped; readable on a phone and printed on A4.

The page opens with the run and the progress of every section against the plan's timeline
(every target counted, the unreported and the behind ones named), then each system's entries,
the warnings, each unit's to-do list, row errors and source files; the systems' technical
notes come last, collapsed under "Chi tiết kỹ thuật".
"""

import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from flows.render import chart as ch
from flows.render import labels as lb
from flows.render.progress import (
    STATE_LABELS,
    STATE_ORDER,
    STATE_TONES,
    TargetState,
    section_progress,
)
from flows.render.todo import unit_todos
from flows.report_model import WARNING_LABELS, Entry, Reconciliation, SystemReport
from models.catalogue import DEADLINE

TEMPLATES = Path(__file__).parent / "templates"

_TONE_ORDER: dict[lb.Tone, int] = {"bad": 0, "warn": 1, "ok": 2}
ASSESSMENT_LABELS: dict[TargetState, str] = {
    "overdue": "Có chỉ tiêu quá hạn",
    "behind": "Có chỉ tiêu chậm",
    "not_reported": "Còn chỉ tiêu chưa báo cáo",
    "on_track": "Đúng lộ trình",
    "completed": "Hoàn thành",
}


@cache
def environment() -> Environment:
    """The Jinja2 environment: the package's templates, always autoescaped, strict."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(
        percent=lb.percent,
        period=lb.period_text,
        unit=lb.unit_label,
        title_of=lb.target_title,
    )
    return env


def _anchor(name: str) -> str:
    return "he-thong-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x")


def _entry(entry: Entry, dry_run: bool) -> dict[str, Any]:
    evidence = []
    if entry.evidence.missing_remote:
        evidence.append("Thiếu trên hệ thống: " + "; ".join(entry.evidence.missing_remote))
    if entry.evidence.duplicates_remote:
        evidence.append("Trùng: " + "; ".join(entry.evidence.duplicates_remote))
    return {
        "code": entry.target_code,
        "title": lb.target_title(entry.target_code),
        "period": lb.period_text(entry.period),
        "unit": lb.unit_label(entry.unit_code),
        "label": lb.status_label(entry.status, dry_run),
        "tone": lb.STATUS_TONES[entry.status],
        "reason": lb.reason(entry),
        "differences": lb.differences(entry),
        "evidence": evidence,
        "review": lb.review(entry),
        "error": lb.text(entry.error),
    }


def _system(name: str, system: SystemReport, dry_run: bool) -> dict[str, Any]:
    counts = lb.status_counts(system)
    entries = sorted(system.entries, key=lambda e: _TONE_ORDER[lb.STATUS_TONES[e.status]])
    return {
        "name": name,
        "anchor": _anchor(name),
        "error": system.error,
        "notes": system.notes,
        "counts": [
            (lb.status_label(s, dry_run), lb.STATUS_TONES[s], n) for s, n in counts.items()
        ],
        "total": sum(counts.values()),
        "entries": [_entry(e, dry_run) for e in entries],
    }


def _meta(report: Reconciliation) -> list[tuple[str, str]]:
    return [
        ("Mã lần chạy", report.run_id),
        ("Bắt đầu", lb.time_text(report.started_at)),
        ("Kết thúc", lb.time_text(report.finished_at)),
        ("Tính đến ngày", lb.date_text(report.as_of)),
        ("Kỳ báo cáo", ", ".join(lb.period_text(p) for p in report.periods) or "—"),
    ]


def context(report: Reconciliation) -> dict[str, Any]:
    """What the page template is given."""
    sections = section_progress(report)
    chart = ch.build_chart(sections, report.timeline_percent)
    unreported = [
        {"code": t.code, "title": t.title}
        for s in sections
        for t in s.of_state("not_reported")
    ]
    technical = [(name, s.technical_notes) for name, s in report.systems.items()]
    mode = (
        {"label": "Chạy thử: không ghi lên hệ thống, chỉ nêu việc sẽ làm", "tone": "warn"}
        if report.dry_run
        else {"label": "Chạy chính thức", "tone": "ok"}
    )
    return {
        "report": report,
        "mode": mode,
        "meta": _meta(report),
        "as_of": lb.date_text(report.as_of),
        "deadline": lb.date_text(DEADLINE),
        "chart": chart,
        "left_x": ch.LEFT_X,
        "right_x": ch.RIGHT_X,
        "right_width": ch.RIGHT_WIDTH,
        "top": ch.TOP,
        "bar": ch.BAR,
        "dot": ch.DOT,
        "sections": sections,
        "target_total": sum(s.targets for s in sections),
        "unreported": unreported,
        "state_order": STATE_ORDER,
        "state_labels": STATE_LABELS,
        "state_colours": ch.STATE_COLOURS,
        "assessment_labels": ASSESSMENT_LABELS,
        "assessment_tones": STATE_TONES,
        "systems": [_system(n, s, report.dry_run) for n, s in report.systems.items()],
        "warnings": [
            {
                "label": WARNING_LABELS.get(w.kind, w.kind),
                "tone": lb.WARNING_TONES.get(w.kind, "warn"),
                "code": w.target_code,
                "title": lb.target_title(w.target_code),
                "period": lb.period_text(w.period),
                "unit": lb.unit_label(w.unit_code),
                "detail": w.detail,
            }
            for w in report.warnings
        ],
        "todos": unit_todos(report),
        "technical": technical,
        "technical_count": sum(len(notes) for _, notes in technical),
    }


def render_html(report: Reconciliation) -> str:
    """The whole page, as NFC text."""
    page = environment().get_template("report.html.j2").render(context(report))
    return lb.text(page)
