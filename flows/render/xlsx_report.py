"""`reconciliation.xlsx` for the standing office: a summary, the progress of every target, one
sheet per system, warnings, row errors, the office's notes and, apart, the technical notes.

Every data sheet follows `flows.render.sheets` (header on row 1, frozen, filtered, printed on
every page, widths that fit, statuses coloured by conditional formatting); the summary keeps its
title row frozen. Statuses are worded by the run's mode (a dry run: "Sẽ tạo mới").
"""

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from flows.render import labels as lb
from flows.render import sheets as sh
from flows.render.progress import STATE_LABELS, STATE_TONES, target_statuses
from flows.report_model import WARNING_LABELS, Entry, EntryStatus, Reconciliation

SUMMARY_SHEET = "Tổng hợp"
PROGRESS_SHEET = "Tiến độ chỉ tiêu"
WARNINGS_SHEET = "Cảnh báo"
ERRORS_SHEET = "Lỗi dữ liệu"
NOTES_SHEET = "Ghi chú"
TECHNICAL_SHEET = "Chi tiết kỹ thuật"

C = sh.Column
ENTRY_COLUMNS = (
    C("Mã chỉ tiêu"),
    C("Tên chỉ tiêu", "wrap"),
    C("Kỳ báo cáo", "month"),
    C("Đơn vị"),
    C("Trạng thái"),
    C("Lý do", "wrap"),
    C("Giá trị (xã)", "number"),
    C("Giá trị (hệ thống)", "number"),
    C("Tỷ lệ hoàn thành (xã)", "percent"),
    C("Tỷ lệ hoàn thành (hệ thống)", "percent"),
    C("Khác biệt", "wrap"),
    C("Minh chứng thiếu trên hệ thống", "wrap"),
    C("Minh chứng trùng", "wrap"),
    C("Thẩm định", "wrap"),
    C("Lỗi", "wrap"),
)
ENTRY_HEADERS = tuple(c.header for c in ENTRY_COLUMNS)
PROGRESS_COLUMNS = (
    C("Mã chỉ tiêu"),
    C("Tên chỉ tiêu", "wrap"),
    C("Nhóm"),
    C("Tình trạng so với lộ trình"),
    C("Tỷ lệ hoàn thành", "percent"),
    C("Đơn vị báo cáo"),
    C("Kỳ báo cáo", "month"),
)
WARNING_COLUMNS = (
    C("Loại"),
    C("Mã chỉ tiêu"),
    C("Tên chỉ tiêu", "wrap"),
    C("Kỳ báo cáo", "month"),
    C("Đơn vị"),
    C("Chi tiết", "wrap"),
)
ERROR_COLUMNS = (C("Tệp"), C("Trang"), C("Dòng", "number"), C("Cột"), C("Lý do", "wrap"))
NOTE_COLUMNS = (C("Hệ thống"), C("Nội dung", "wrap"))

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _status_tones(dry_run: bool) -> dict[str, lb.Tone]:
    """Each status label of the run's mode with its colour."""
    return {lb.status_label(s, dry_run): lb.STATUS_TONES[s] for s in EntryStatus}


def _entry_row(entry: Entry, dry_run: bool) -> list[sh.Cell]:
    def side(values: dict[str, Any] | None, field: str) -> sh.Cell:
        value = None if values is None else values.get(field)
        number = lb.as_number(value)
        return number if number is not None or value is None else lb.text(value)

    return [
        entry.target_code,
        lb.target_title(entry.target_code),
        lb.period_date(entry.period) or entry.period,
        lb.unit_label(entry.unit_code),
        lb.status_label(entry.status, dry_run),
        lb.reason(entry),
        side(entry.local, "actual"),
        side(entry.remote, "actual"),
        side(entry.local, "progress_percent"),
        side(entry.remote, "progress_percent"),
        "\n".join(lb.differences(entry)),
        "\n".join(entry.evidence.missing_remote),
        "\n".join(entry.evidence.duplicates_remote),
        lb.review(entry),
        entry.error,
    ]


def _summary_sheet(sheet: Worksheet, report: Reconciliation) -> None:
    pairs: list[tuple[str, sh.Cell, sh.Kind]] = [
        ("Mã lần chạy", report.run_id, "text"),
        ("Bắt đầu (giờ Việt Nam)", lb.local_time(report.started_at), "datetime"),
        (
            "Kết thúc (giờ Việt Nam)",
            lb.local_time(report.finished_at) if report.finished_at else "Chưa kết thúc",
            "datetime",
        ),
        ("Chạy thử", lb.yes_no(report.dry_run), "text"),
        ("Tính đến ngày", report.as_of, "date"),
        ("Kỳ báo cáo", ", ".join(lb.period_text(p) for p in report.periods), "text"),
        ("Lộ trình thời gian", report.timeline_percent, "percent"),
        ("Phiên bản chương trình", report.code_version, "text"),
        ("Thư mục nguồn", report.source.folder, "text"),
        ("Số cảnh báo", len(report.warnings), "number"),
        ("Số lỗi dữ liệu", len(report.errors), "number"),
    ]
    sh.put(sheet, 1, 1, "BÁO CÁO ĐỐI SOÁT ĐỒNG BỘ CHỈ TIÊU NGHỊ QUYẾT 57-NQ/TW")
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    row = 1
    for label, value, kind in pairs:
        row += 1
        sh.put(sheet, row, 1, label)
        sheet.cell(row, 1).font = sh.BOLD
        sh.put(sheet, row, 2, value, kind)
        sheet.cell(row, 2).alignment = Alignment(horizontal="left")
    names = list(report.systems)
    counts = {name: lb.status_counts(system) for name, system in report.systems.items()}
    row += 2
    _header_row(sheet, row, ["Trạng thái", *names])
    for status in EntryStatus:
        row += 1
        sh.put(sheet, row, 1, lb.status_label(status, report.dry_run))
        for column, name in enumerate(names, 2):
            sh.put(sheet, row, column, counts[name][status], "number")
    totals: list[list[sh.Cell]] = [["Tổng cộng", *(sum(counts[n].values()) for n in names)]]
    if any(system.error for system in report.systems.values()):
        totals.append(["Lỗi hệ thống", *(report.systems[n].error or "" for n in names)])
    for values in totals:
        row += 1
        for column, value in enumerate(values, 1):
            sh.put(sheet, row, column, value)
            sheet.cell(row, column).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row, 1).font = sh.BOLD
    row += 2
    _header_row(sheet, row, ["Tệp nguồn", "SHA-256"])
    for ref in report.source.files:
        row += 1
        sh.put(sheet, row, 1, ref.path)
        sh.put(sheet, row, 2, ref.sha256)
    sheet.freeze_panes = "A2"
    sh.colour_statuses(sheet, 1, _status_tones(report.dry_run))
    sheet.column_dimensions["A"].width = max(
        [34, *(len(lb.text(ref.path)) + 2 for ref in report.source.files)]
    )
    for column in range(2, len(names) + 2):
        sheet.column_dimensions[get_column_letter(column)].width = 30
    sheet.column_dimensions["B"].width = 68
    sh.print_setup(sheet, "1:1")


def _header_row(sheet: Worksheet, row: int, headers: list[str]) -> None:
    for column, header in enumerate(headers, 1):
        sh.put(sheet, row, column, header)
        sheet.cell(row, column).font = sh.BOLD
        sheet.cell(row, column).fill = sh.HEADER_FILL


def _sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unused Excel sheet name (at most 31 characters)."""
    base = _BAD_SHEET_CHARS.sub("_", lb.text(name))[:31] or "Hệ thống"
    title, n = base, 2
    while title.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


def _progress_rows(report: Reconciliation) -> list[list[sh.Cell]]:
    return [
        [
            t.code,
            t.title,
            t.section,
            STATE_LABELS[t.state],
            t.progress_percent,
            lb.unit_label(t.unit_code),
            lb.period_date(t.period),
        ]
        for t in target_statuses(report)
    ]


def _build_workbook(report: Reconciliation) -> Workbook:
    """The workbook: summary, progress, one sheet per system, warnings, row errors, notes and
    technical notes."""
    workbook = Workbook()
    summary = workbook.active
    assert isinstance(summary, Worksheet)
    summary.title = SUMMARY_SHEET
    _summary_sheet(summary, report)
    progress = workbook.create_sheet(PROGRESS_SHEET)
    sh.data_sheet(progress, PROGRESS_COLUMNS, _progress_rows(report))
    sh.colour_statuses(progress, 4, {STATE_LABELS[s]: STATE_TONES[s] for s in STATE_TONES})
    taken = {SUMMARY_SHEET, PROGRESS_SHEET, WARNINGS_SHEET, ERRORS_SHEET, NOTES_SHEET,
             TECHNICAL_SHEET}
    status_column = ENTRY_HEADERS.index("Trạng thái") + 1
    for name, system in report.systems.items():
        title = _sheet_title(name, taken)
        taken.add(title)
        sheet = workbook.create_sheet(title)
        rows = [_entry_row(e, report.dry_run) for e in system.entries]
        sh.data_sheet(sheet, ENTRY_COLUMNS, rows, header=f"Đối soát trên {name}")
        sh.colour_statuses(sheet, status_column, _status_tones(report.dry_run))
    warnings = workbook.create_sheet(WARNINGS_SHEET)
    sh.data_sheet(
        warnings,
        WARNING_COLUMNS,
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
    )
    sh.colour_statuses(
        warnings, 1, {WARNING_LABELS[k]: t for k, t in lb.WARNING_TONES.items() if t != "ok"}
    )
    errors = workbook.create_sheet(ERRORS_SHEET)
    sh.data_sheet(
        errors, ERROR_COLUMNS, ([e.file, e.sheet, e.row, e.column, e.reason] for e in report.errors)
    )
    notes = [
        [name, f"Lỗi khi làm việc với hệ thống: {system.error}"]
        for name, system in report.systems.items()
        if system.error
    ] + [[name, note] for name, system in report.systems.items() for note in system.notes]
    sh.data_sheet(workbook.create_sheet(NOTES_SHEET), NOTE_COLUMNS, notes)
    technical = [
        [name, note] for name, system in report.systems.items() for note in system.technical_notes
    ]
    sh.data_sheet(workbook.create_sheet(TECHNICAL_SHEET), NOTE_COLUMNS, technical)
    return workbook


def render_xlsx(report: Reconciliation) -> bytes:
    """The workbook as the bytes of an `.xlsx` file."""
    buffer = io.BytesIO()
    _build_workbook(report).save(buffer)
    return buffer.getvalue()
