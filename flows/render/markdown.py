"""The Prefect artifacts of a run: a Markdown summary and a table, in Vietnamese."""

from collections.abc import Sequence

from flows.render import labels as lb
from flows.render.progress import section_progress
from flows.render.writer import ReportPaths
from flows.report_model import WARNING_LABELS, Entry, Reconciliation, SystemReport

MAX_ITEMS = 20
"""How many entries, warnings or row errors a list shows before `… và N mục khác`."""

TABLE_COLUMNS = ("Hệ thống", "Chỉ tiêu", "Kỳ", "Đơn vị", "Trạng thái", "Khác biệt", "Lý do")

_SPECIAL = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "~": "\\~",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\r": " ",
        "\n": " ",
    }
)


def md(value: object) -> str:
    """Text made inert in Markdown (no markup, no HTML, one line)."""
    return lb.text(value).translate(_SPECIAL)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: int = -1) -> list[str]:
    rule = ["---:" if i == right else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _capped(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = _table(headers, rows[:MAX_ITEMS])
    if len(rows) > MAX_ITEMS:
        lines += ["", f"… và {len(rows) - MAX_ITEMS} mục khác"]
    return lines


def _why(entry: Entry) -> str:
    return lb.sentences(
        [lb.reason(entry), *lb.differences(entry), entry.error and f"Lỗi: {entry.error}"]
    )


def _system(name: str, system: SystemReport, dry_run: bool) -> list[str]:
    lines = ["", f"## Hệ thống {md(name)}", ""]
    if system.error is not None:
        lines += [f"**Lỗi khi làm việc với hệ thống:** {md(system.error)}", ""]
    if system.notes:
        lines += [f"- Ghi chú: {md(note)}" for note in system.notes] + [""]
    counts = lb.status_counts(system)
    rows = [[lb.status_label(s, dry_run), str(n)] for s, n in counts.items()]
    rows.append(["**Tổng cộng**", f"**{sum(counts.values())}**"])
    lines += _table(("Trạng thái", "Số mục"), rows, right=1)
    attention = sorted(
        (e for e in system.entries if e.status in lb.ATTENTION),
        key=lambda e: lb.ATTENTION.index(e.status),
    )
    lines += ["", f"### Cần xem xét ({len(attention)})", ""]
    if not attention:
        return [*lines, "Không có mục nào cần xem xét."]
    entry_rows = [
        [
            md(e.target_code),
            md(lb.period_text(e.period)),
            md(lb.unit_label(e.unit_code)),
            lb.status_label(e.status, dry_run),
            md(_why(e)),
        ]
        for e in attention
    ]
    return lines + _capped(("Chỉ tiêu", "Kỳ", "Đơn vị", "Trạng thái", "Lý do"), entry_rows)


def _progress(report: Reconciliation) -> list[str]:
    lines = ["", "## Tiến độ theo nhóm chỉ tiêu", ""]
    headers = ("Nhóm", "Có báo cáo", "Hoàn thành", "Đúng lộ trình", "Chậm", "Quá hạn",
               "Chưa báo cáo", "Cần chú ý")
    rows = [
        [
            f"{s.code} {md(s.title)}",
            f"{s.reported}/{s.targets}",
            *(str(s.count(state)) for state in ("completed", "on_track", "behind", "overdue",
                                                 "not_reported")),
            ", ".join(f"{t.code} ({lb.percent(t.progress_percent)})" for t in s.attention)
            or "—",
        ]
        for s in section_progress(report)
    ]
    return lines + _table(headers, rows)


def _warnings(report: Reconciliation) -> list[str]:
    lines = ["", f"## Cảnh báo ({len(report.warnings)})", ""]
    if not report.warnings:
        return [*lines, "Không có cảnh báo."]
    rows = [
        [
            WARNING_LABELS.get(w.kind, md(w.kind)),
            md(w.target_code),
            md(lb.period_text(w.period)),
            md(lb.unit_label(w.unit_code)),
            md(w.detail),
        ]
        for w in report.warnings
    ]
    return lines + _capped(("Loại", "Chỉ tiêu", "Kỳ", "Đơn vị", "Chi tiết"), rows)


def _row_errors(report: Reconciliation) -> list[str]:
    lines = ["", f"## Lỗi dữ liệu ({len(report.errors)})", ""]
    if not report.errors:
        return [*lines, "Không có lỗi dữ liệu."]
    rows = [[md(e.file), md(e.sheet), md(e.row), md(e.column), md(e.reason)] for e in report.errors]
    return lines + _capped(("Tệp", "Trang", "Dòng", "Cột", "Lý do"), rows)


def _paths(paths: ReportPaths) -> list[str]:
    return [
        "",
        "## Tệp báo cáo",
        "",
        f"- Thư mục: {md(paths.directory)}",
        f"- Excel: {md(paths.xlsx)}",
        f"- Trang web: {md(paths.html)}",
        f"- Việc cần làm theo đơn vị: {md(paths.todo)}",
        f"- JSON: {md(paths.json)}",
    ]


def markdown_summary(report: Reconciliation, paths: ReportPaths | None = None) -> str:
    """The Markdown artifact: counts per system, what needs attention, warnings, row errors."""
    lines = [f"# Đối soát đồng bộ: lần chạy {md(report.run_id)}", ""]
    if report.dry_run:
        lines += ["**Chạy thử: không ghi lên hệ thống.**", ""]
    periods = ", ".join(lb.period_text(p) for p in report.periods) or "—"
    lines += [
        f"- Bắt đầu: {lb.time_text(report.started_at)}; kết thúc: "
        f"{lb.time_text(report.finished_at)} (giờ Việt Nam)",
        f"- Tính đến ngày: {lb.date_text(report.as_of)}",
        f"- Kỳ báo cáo: {md(periods)}",
        f"- Lộ trình thời gian: {lb.percent(report.timeline_percent)}",
    ]
    lines += _progress(report)
    for name, system in report.systems.items():
        lines += _system(name, system, report.dry_run)
    lines += _warnings(report) + _row_errors(report)
    if paths is not None:
        lines += _paths(paths)
    return "\n".join(lines) + "\n"


def table_rows(report: Reconciliation) -> list[dict[str, str]]:
    """The table artifact: one row per entry of every system, with Vietnamese column names."""
    rows: list[dict[str, str]] = []
    for name, system in report.systems.items():
        for entry in system.entries:
            reason = lb.sentences([lb.reason(entry), entry.error and f"Lỗi: {entry.error}"])
            values = (
                name,
                entry.target_code,
                lb.period_text(entry.period),
                lb.unit_label(entry.unit_code),
                lb.status_label(entry.status, report.dry_run),
                "; ".join(lb.differences(entry)),
                reason,
            )
            rows.append(dict(zip(TABLE_COLUMNS, map(lb.text, values), strict=True)))
    return rows
