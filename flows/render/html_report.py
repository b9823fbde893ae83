"""`reconciliation.html`: one self-contained page (no external CSS, JS or fonts), readable on a
phone; every value from data is escaped."""

from collections.abc import Sequence
from html import escape

from flows.render import labels as lb
from flows.render.chart import CHART_TITLE, render_chart
from flows.render.progress import SectionProgress, section_progress
from flows.report_model import WARNING_LABELS, Entry, EntryStatus, Reconciliation, SystemReport

_TONE_ORDER: dict[lb.Tone, int] = {"bad": 0, "warn": 1, "ok": 2}

_CSS = """
:root{--ok:#c6efce;--ok-ink:#006100;--warn:#ffeb9c;--warn-ink:#7a5a00;--bad:#ffc7ce;
--bad-ink:#9c0006;--line:#d9dee3;--muted:#546e7a}
*{box-sizing:border-box}
body{margin:0;padding:12px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Noto Sans",Arial,sans-serif;color:#1b1f23;background:#fff}
main{max-width:1100px;margin:0 auto}
h1{font-size:1.35em;margin:.2em 0 .4em}h2{font-size:1.15em;margin:1.4em 0 .5em;
border-bottom:2px solid var(--line);padding-bottom:.2em}h3{font-size:1em;margin:1em 0 .4em}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2em .8em;margin:.5em 0}
dl.meta dt{font-weight:600}dl.meta dd{margin:0;word-break:break-word}
.badge{display:inline-block;padding:.1em .5em;border-radius:.6em;font-size:.9em;
font-weight:600;white-space:nowrap}
.ok{background:var(--ok);color:var(--ok-ink)}.warn{background:var(--warn);color:var(--warn-ink)}
.bad{background:var(--bad);color:var(--bad-ink)}
.alert{padding:.6em .8em;border-radius:.4em;background:var(--bad);color:var(--bad-ink);
font-weight:600}
.muted{color:var(--muted)}small{color:var(--muted)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.3em 0 1em}
th,td{border:1px solid var(--line);padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef3f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
td{word-break:break-word}
.chart{max-width:640px;display:block}.chart text{font-size:12px}
.chart .label{font-size:12.5px;font-weight:600}
@media (max-width:700px){
body{padding:8px;font-size:14px}
table.cards thead{display:none}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards tr{border:1px solid var(--line);border-radius:.4em;margin:0 0 .6em;padding:.3em}
table.cards td{border:0;padding:.15em .3em}
table.cards td:empty{display:none}
table.cards td::before{content:attr(data-label) ": ";font-weight:600;color:var(--muted)}
}
"""


def _e(value: object) -> str:
    return escape(lb.text(value), quote=True)


def _lines(values: Sequence[str]) -> str:
    return "<br>".join(_e(v) for v in values)


def _badge(status: EntryStatus) -> str:
    tone = lb.STATUS_TONES[status]
    return f'<span class="badge {tone}">{_e(lb.status_label(status))}</span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    """A table of already-escaped cells; `numeric` are right-aligned column indexes."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{_e(h)}"{" class=num" if i in numeric else ""}>{cell}</td>'
            for i, (h, cell) in enumerate(zip(headers, row, strict=True))
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="scroll"><table class="cards"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _entry_cells(entry: Entry) -> list[str]:
    title = lb.target_title(entry.target_code)
    evidence = []
    if entry.evidence.missing_remote:
        evidence.append("Thiếu trên hệ thống: " + "; ".join(entry.evidence.missing_remote))
    if entry.evidence.duplicates_remote:
        evidence.append("Trùng: " + "; ".join(entry.evidence.duplicates_remote))
    return [
        f"<b>{_e(entry.target_code)}</b>" + (f"<br><small>{_e(title)}</small>" if title else ""),
        _e(lb.period_text(entry.period)),
        _e(lb.unit_label(entry.unit_code)),
        _badge(entry.status),
        _e(lb.reason(entry)),
        _lines(lb.differences(entry)),
        _lines(evidence),
        _e(lb.review(entry)),
        _e(entry.error),
    ]


_ENTRY_HEADERS = (
    "Chỉ tiêu",
    "Kỳ",
    "Đơn vị",
    "Trạng thái",
    "Lý do",
    "Khác biệt (xã / hệ thống)",
    "Minh chứng",
    "Thẩm định",
    "Lỗi",
)


def _system(name: str, system: SystemReport) -> str:
    parts = [f"<section><h2>Hệ thống {_e(name)}</h2>"]
    if system.error is not None:
        parts.append(f'<p class="alert">Lỗi khi làm việc với hệ thống: {_e(system.error)}</p>')
    if system.notes:
        parts.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in system.notes) + "</ul>")
    counts = lb.status_counts(system)
    rows = [[_badge(s), str(n)] for s, n in counts.items()]
    rows.append(["<b>Tổng cộng</b>", f"<b>{sum(counts.values())}</b>"])
    parts.append(_table(("Trạng thái", "Số mục"), rows, {1}))
    entries = sorted(system.entries, key=lambda e: _TONE_ORDER[lb.STATUS_TONES[e.status]])
    parts.append(f"<h3>Chi tiết ({len(entries)} mục, cần xem xét trước)</h3>")
    if entries:
        parts.append(_table(_ENTRY_HEADERS, [_entry_cells(e) for e in entries], set()))
    else:
        parts.append('<p class="muted">Không có mục nào.</p>')
    parts.append("</section>")
    return "".join(parts)


def _warnings(report: Reconciliation) -> str:
    head = f"<section><h2>Cảnh báo ({len(report.warnings)})</h2>"
    if not report.warnings:
        return head + '<p class="muted">Không có cảnh báo.</p></section>'
    rows = [
        [
            f'<span class="badge warn">{_e(WARNING_LABELS.get(w.kind, w.kind))}</span>',
            f"<b>{_e(w.target_code)}</b><br><small>{_e(lb.target_title(w.target_code))}</small>",
            _e(lb.period_text(w.period)),
            _e(lb.unit_label(w.unit_code)),
            _e(w.detail),
        ]
        for w in report.warnings
    ]
    headers = ("Loại", "Chỉ tiêu", "Kỳ", "Đơn vị", "Chi tiết")
    return head + _table(headers, rows, set()) + "</section>"


def _row_errors(report: Reconciliation) -> str:
    head = f"<section><h2>Lỗi dữ liệu ({len(report.errors)})</h2>"
    if not report.errors:
        return head + '<p class="muted">Không có lỗi dữ liệu.</p></section>'
    rows = [
        [_e(e.file), _e(e.sheet), _e(e.row), _e(e.column), _e(e.reason)] for e in report.errors
    ]
    return head + _table(("Tệp", "Trang", "Dòng", "Cột", "Lý do"), rows, {2}) + "</section>"


def _progress(sections: list[SectionProgress], timeline_percent: float) -> str:
    rows = [
        [
            f"<b>{_e(s.code)}</b> {_e(s.title)}",
            str(s.targets),
            str(s.reported),
            str(s.completed),
            _e(lb.percent(s.average_percent)),
            "Chưa có báo cáo"
            if s.average_percent is None
            else '<span class="badge bad">Dưới một nửa lộ trình</span>'
            if s.behind
            else '<span class="badge ok">Đạt từ một nửa lộ trình</span>',
        ]
        for s in sections
    ]
    headers = ("Nhóm", "Số chỉ tiêu", "Đã báo cáo", "Hoàn thành", "Tỷ lệ trung bình", "Đánh giá")
    return (
        f"<section><h2>{_e(CHART_TITLE)}</h2>"
        f"<figure>{render_chart(sections, timeline_percent)}"
        f'<figcaption class="muted">Cột đỏ: tỷ lệ trung bình dưới một nửa lộ trình thời gian '
        f"({_e(lb.percent(timeline_percent))}). Chỉ tính các chỉ tiêu đã báo cáo.</figcaption>"
        f"</figure>{_table(headers, rows, {1, 2, 3, 4})}</section>"
    )


def _header(report: Reconciliation) -> str:
    badge = (
        '<span class="badge warn">Chạy thử: không ghi lên hệ thống</span>'
        if report.dry_run
        else '<span class="badge ok">Chạy chính thức</span>'
    )
    meta = [
        ("Mã lần chạy", report.run_id),
        ("Bắt đầu", lb.time_text(report.started_at)),
        ("Kết thúc", lb.time_text(report.finished_at)),
        ("Tính đến ngày", lb.date_text(report.as_of)),
        ("Kỳ báo cáo", ", ".join(lb.period_text(p) for p in report.periods) or "—"),
        ("Phiên bản", report.code_version or "—"),
    ]
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in meta)
    return (
        f"<header><h1>Báo cáo đối soát đồng bộ chỉ tiêu Nghị quyết 57-NQ/TW</h1>"
        f'<p>{badge} <span class="muted">Giờ Việt Nam (UTC+7)</span></p>'
        f'<dl class="meta">{items}</dl></header>'
    )


def _sources(report: Reconciliation) -> str:
    files = report.source.files
    rows = [[_e(f.path), f"<small>{_e(f.sha256)}</small>"] for f in files]
    folder = f"<p>Thư mục nguồn: {_e(report.source.folder)}</p>" if report.source.folder else ""
    return (
        f"<section><h2>Tệp nguồn ({len(files)})</h2>{folder}"
        f"<details><summary>Danh sách tệp và mã SHA-256</summary>"
        f"{_table(('Tệp', 'SHA-256'), rows, set())}</details></section>"
    )


def render_html(report: Reconciliation) -> str:
    """The whole page."""
    body = "".join(
        [
            _header(report),
            _progress(section_progress(report), report.timeline_percent),
            *(_system(name, system) for name, system in report.systems.items()),
            _warnings(report),
            _row_errors(report),
            _sources(report),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Báo cáo đối soát – {_e(report.run_id)}</title>"
        f"<style>{_CSS}</style></head><body><main>{body}</main></body></html>\n"
    )
