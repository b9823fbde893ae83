"""`reconciliation.xlsx` for the standing office: a summary, one sheet per system, warnings
and row errors, with Vietnamese headers, frozen bold header rows, filters and status colours."""

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from flows.render import labels as lb
from flows.report_model import WARNING_LABELS, Entry, EntryStatus, Reconciliation, SystemReport

Cell = str | int | float | date | datetime | None

SUMMARY_SHEET = "Tổng hợp"
WARNINGS_SHEET = "Cảnh báo"
ERRORS_SHEET = "Lỗi dữ liệu"

ENTRY_HEADERS = (
    "Mã chỉ tiêu",
    "Tên chỉ tiêu",
    "Kỳ báo cáo",
    "Đơn vị",
    "Trạng thái",
    "Lý do",
    "Giá trị (xã)",
    "Giá trị (hệ thống)",
    "Tỷ lệ % (xã)",
    "Tỷ lệ % (hệ thống)",
    "Khác biệt",
    "Minh chứng thiếu trên hệ thống",
    "Minh chứng trùng",
    "Thẩm định",
    "Lỗi",
)
ENTRY_WIDTHS = (11, 50, 11, 26, 22, 40, 13, 13, 13, 13, 44, 32, 32, 30, 40)
WARNING_HEADERS = ("Loại", "Mã chỉ tiêu", "Tên chỉ tiêu", "Kỳ báo cáo", "Đơn vị", "Chi tiết")
WARNING_WIDTHS = (24, 11, 50, 11, 26, 60)
ERROR_HEADERS = ("Tệp", "Trang", "Dòng", "Cột", "Lý do")
ERROR_WIDTHS = (40, 16, 8, 22, 60)

TONE_FILLS: dict[lb.Tone, PatternFill] = {
    "ok": PatternFill("solid", fgColor="C6EFCE"),
    "warn": PatternFill("solid", fgColor="FFEB9C"),
    "bad": PatternFill("solid", fgColor="FFC7CE"),
}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)
_ALERT = Font(bold=True, color="9C0006")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
MONTH_FORMAT = "mm/yyyy"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _put(sheet: Worksheet, row: int, column: int, value: Cell, month: bool = False) -> None:
    """Write a value: text as text (never a formula), dates with a Vietnamese format."""
    cell = sheet.cell(row, column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", lb.text(value))
        cell.data_type = "s"
        return
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = "dd/mm/yyyy hh:mm"
    elif isinstance(value, date):
        cell.number_format = MONTH_FORMAT if month else "dd/mm/yyyy"


def _table(
    sheet: Worksheet,
    first_row: int,
    headers: Sequence[str],
    widths: Sequence[int],
    rows: Iterable[Sequence[Cell]],
    month_column: int | None = None,
) -> int:
    """Write a table with a bold frozen header and a filter; return the last row written.

    Dates in `month_column` (1-based) show as `MM/YYYY`.
    """
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), 1):
        _put(sheet, first_row, column, header)
        cell = sheet.cell(first_row, column)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = width
    last = first_row
    for last, values in enumerate(rows, first_row + 1):
        for column, value in enumerate(values, 1):
            _put(sheet, last, column, value, month=column == month_column)
            wide = widths[column - 1] >= 26
            sheet.cell(last, column).alignment = _WRAP if wide else _TOP
    sheet.freeze_panes = sheet.cell(first_row + 1, 1).coordinate
    sheet.auto_filter.ref = f"A{first_row}:{get_column_letter(len(headers))}{last}"
    return last


def _side(side: dict[str, Any] | None, field: str) -> Cell:
    value = None if side is None else side.get(field)
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return lb.text(value)


def _entry_row(entry: Entry) -> list[Cell]:
    return [
        entry.target_code,
        lb.target_title(entry.target_code),
        lb.period_date(entry.period) or entry.period,
        lb.unit_label(entry.unit_code),
        lb.status_label(entry.status),
        lb.reason(entry),
        _side(entry.local, "actual"),
        _side(entry.remote, "actual"),
        _side(entry.local, "progress_percent"),
        _side(entry.remote, "progress_percent"),
        "\n".join(lb.differences(entry)),
        "\n".join(entry.evidence.missing_remote),
        "\n".join(entry.evidence.duplicates_remote),
        lb.review(entry),
        entry.error,
    ]


def _system_sheet(sheet: Worksheet, system: SystemReport) -> None:
    row = 1
    if system.error is not None:
        _put(sheet, row, 1, f"Lỗi khi làm việc với hệ thống: {system.error}")
        sheet.cell(row, 1).font = _ALERT
        sheet.cell(row, 1).fill = TONE_FILLS["bad"]
        row += 1
    for note in system.notes:
        _put(sheet, row, 1, f"Ghi chú: {note}")
        row += 1
    first = row + 1 if row > 1 else 1
    rows = (_entry_row(e) for e in system.entries)
    _table(sheet, first, ENTRY_HEADERS, ENTRY_WIDTHS, rows, month_column=3)
    status_column = ENTRY_HEADERS.index("Trạng thái") + 1
    for offset, entry in enumerate(system.entries, first + 1):
        sheet.cell(offset, status_column).fill = TONE_FILLS[lb.STATUS_TONES[entry.status]]


def _header_row(sheet: Worksheet, row: int, headers: Sequence[str]) -> None:
    for column, header in enumerate(headers, 1):
        _put(sheet, row, column, header)
        sheet.cell(row, column).font = _BOLD
        sheet.cell(row, column).fill = _HEADER_FILL


def _summary_sheet(sheet: Worksheet, report: Reconciliation) -> None:
    pairs: list[tuple[str, Cell]] = [
        ("Mã lần chạy", report.run_id),
        ("Bắt đầu (giờ Việt Nam)", lb.local_time(report.started_at)),
        (
            "Kết thúc (giờ Việt Nam)",
            lb.local_time(report.finished_at) if report.finished_at else "Chưa kết thúc",
        ),
        ("Chạy thử", lb.yes_no(report.dry_run)),
        ("Tính đến ngày", report.as_of),
        ("Kỳ báo cáo", ", ".join(lb.period_text(p) for p in report.periods)),
        ("Lộ trình thời gian (%)", report.timeline_percent),
        ("Phiên bản chương trình", report.code_version),
        ("Thư mục nguồn", report.source.folder),
        ("Số cảnh báo", len(report.warnings)),
        ("Số lỗi dữ liệu", len(report.errors)),
    ]
    _put(sheet, 1, 1, "BÁO CÁO ĐỐI SOÁT ĐỒNG BỘ CHỈ TIÊU NGHỊ QUYẾT 57-NQ/TW")
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    row = 1
    for label, value in pairs:
        row += 1
        _put(sheet, row, 1, label)
        sheet.cell(row, 1).font = _BOLD
        _put(sheet, row, 2, value)
        sheet.cell(row, 2).alignment = Alignment(horizontal="left")
    names = list(report.systems)
    counts = {name: lb.status_counts(system) for name, system in report.systems.items()}
    row += 2
    _header_row(sheet, row, ["Trạng thái", *names])
    for status in EntryStatus:
        row += 1
        _put(sheet, row, 1, lb.status_label(status))
        sheet.cell(row, 1).fill = TONE_FILLS[lb.STATUS_TONES[status]]
        for column, name in enumerate(names, 2):
            _put(sheet, row, column, counts[name][status])
    totals: list[list[Cell]] = [["Tổng cộng", *(sum(counts[n].values()) for n in names)]]
    if any(system.error for system in report.systems.values()):
        totals.append(["Lỗi hệ thống", *(report.systems[n].error or "" for n in names)])
    for values in totals:
        row += 1
        for column, value in enumerate(values, 1):
            _put(sheet, row, column, value)
            sheet.cell(row, column).alignment = _WRAP
        sheet.cell(row, 1).font = _BOLD
    row += 2
    _header_row(sheet, row, ["Tệp nguồn", "SHA-256"])
    for ref in report.source.files:
        row += 1
        _put(sheet, row, 1, ref.path)
        _put(sheet, row, 2, ref.sha256)
    sheet.column_dimensions["A"].width = 34
    for column in range(2, max(len(names), 1) + 2):
        sheet.column_dimensions[get_column_letter(column)].width = 30
    sheet.column_dimensions["B"].width = 68


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unused Excel sheet name for a system (at most 31 characters)."""
    base = _BAD_SHEET_CHARS.sub("_", lb.text(name))[:31] or "Hệ thống"
    title, n = base, 2
    while title.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


def build_workbook(report: Reconciliation) -> Workbook:
    """The workbook: `Tổng hợp`, one sheet per system, `Cảnh báo`, `Lỗi dữ liệu`."""
    workbook = Workbook()
    summary = workbook.active
    assert isinstance(summary, Worksheet)
    summary.title = SUMMARY_SHEET
    _summary_sheet(summary, report)
    taken = {SUMMARY_SHEET, WARNINGS_SHEET, ERRORS_SHEET}
    for name, system in report.systems.items():
        title = sheet_title(name, taken)
        taken.add(title)
        _system_sheet(workbook.create_sheet(title), system)
    warnings = workbook.create_sheet(WARNINGS_SHEET)
    _table(
        warnings,
        1,
        WARNING_HEADERS,
        WARNING_WIDTHS,
        (
            [
                WARNING_LABELS.get(w.kind, w.kind),
                w.target_code,
                lb.target_title(w.target_code),
                lb.period_date(w.period) or w.period,
                lb.unit_label(w.unit_code),
                w.detail,
            ]
            for w in report.warnings
        ),
        month_column=4,
    )
    errors = workbook.create_sheet(ERRORS_SHEET)
    _table(
        errors,
        1,
        ERROR_HEADERS,
        ERROR_WIDTHS,
        ([e.file, e.sheet, e.row, e.column, e.reason] for e in report.errors),
    )
    return workbook


def render_xlsx(report: Reconciliation) -> bytes:
    """The workbook as the bytes of an `.xlsx` file."""
    buffer = io.BytesIO()
    build_workbook(report).save(buffer)
    return buffer.getvalue()
