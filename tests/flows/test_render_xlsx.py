"""`reconciliation.xlsx`: sheets, Vietnamese headers, typed cells, colours, filters."""

import io
from datetime import datetime

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from test_render_support import NQ71_ERROR, RUN_ID, SCRIPT_NOTE, build_report

from flows.render import labels as lb
from flows.render.xlsx_report import ENTRY_HEADERS, render_xlsx
from flows.report_model import STATUS_LABELS, EntryStatus, Reconciliation

GREEN, AMBER, RED = "00C6EFCE", "00FFEB9C", "00FFC7CE"


def _book(report: Reconciliation) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))


def _sheet(book: openpyxl.Workbook, name: str) -> Worksheet:
    sheet = book[name]
    assert isinstance(sheet, Worksheet)
    return sheet


def _row(sheet: Worksheet, row: int) -> list[object]:
    return [c.value for c in sheet[row]]


@pytest.fixture(scope="module")
def book() -> openpyxl.Workbook:
    """The sample report's workbook, read back."""
    return _book(build_report())


def test_sheet_names(book: openpyxl.Workbook) -> None:
    """Summary, one sheet per system, warnings and row errors, in that order."""
    assert book.sheetnames == ["Tổng hợp", "theodoinq", "nq71", "Cảnh báo", "Lỗi dữ liệu"]


def test_system_sheet_headers_and_cells(book: openpyxl.Workbook) -> None:
    """Exact headers; labels in Vietnamese, numbers as numbers, periods as MM/YYYY dates."""
    sheet = _sheet(book, "theodoinq")
    assert tuple(_row(sheet, 1)) == ENTRY_HEADERS
    assert ENTRY_HEADERS[-5:] == (
        "Khác biệt", "Minh chứng thiếu trên hệ thống", "Minh chứng trùng", "Thẩm định", "Lỗi"
    )
    conflict = dict(zip(ENTRY_HEADERS, _row(sheet, 5), strict=True))
    assert conflict["Mã chỉ tiêu"] == "1.5.7"
    assert conflict["Tên chỉ tiêu"] == "Tỷ lệ hồ sơ thủ tục hành chính xử lý trực tuyến 95%"
    assert conflict["Kỳ báo cáo"] == datetime(2026, 11, 1)
    assert sheet.cell(5, 3).number_format == "mm/yyyy"
    assert conflict["Đơn vị"] == "Văn phòng HĐND-UBND xã"
    assert conflict["Trạng thái"] == "Xung đột (bị sửa trên hệ thống)"
    assert (conflict["Giá trị (xã)"], conflict["Giá trị (hệ thống)"]) == (90, 85.5)
    assert (conflict["Tỷ lệ % (xã)"], conflict["Tỷ lệ % (hệ thống)"]) == (100, 90)
    assert isinstance(conflict["Giá trị (hệ thống)"], float)
    assert conflict["Khác biệt"] == (
        "Giá trị thực hiện: xã 90 / hệ thống 85,5\n"
        "Tình trạng: xã Hoàn thành / hệ thống Đang thực hiện"
    )
    assert conflict["Minh chứng thiếu trên hệ thống"] == "qd-60.pdf"
    assert conflict["Minh chứng trùng"] == "anh-hop.jpg"
    assert conflict["Thẩm định"] == "Không đạt: Ảnh mờ, không đọc được"
    failed = dict(zip(ENTRY_HEADERS, _row(sheet, 10), strict=True))
    assert failed["Lỗi"] == "HTTP 500 khi lưu báo cáo"
    remote_only = dict(zip(ENTRY_HEADERS, _row(sheet, 8), strict=True))
    assert remote_only["Đơn vị"] is None
    assert remote_only["Giá trị (xã)"] is None


def test_status_fills(book: openpyxl.Workbook) -> None:
    """Green for done, amber for waiting, red for trouble."""
    sheet = _sheet(book, "theodoinq")
    fills = {sheet.cell(r, 5).value: sheet.cell(r, 5).fill.fgColor.rgb for r in range(2, 11)}
    expected = {
        EntryStatus.IN_SYNC: GREEN, EntryStatus.CREATED: GREEN, EntryStatus.UPDATED: GREEN,
        EntryStatus.HELD: AMBER, EntryStatus.MISSING_REMOTE: AMBER,
        EntryStatus.REMOTE_ONLY: AMBER, EntryStatus.CONFLICT: RED, EntryStatus.FAILED: RED,
        EntryStatus.UNMAPPED: RED,
    }
    assert fills == {STATUS_LABELS[s]: colour for s, colour in expected.items()}


def test_header_bold_frozen_filtered(book: openpyxl.Workbook) -> None:
    """Table sheets have a bold header, frozen below it, and a filter over the table."""
    for name, last_column, last_row in (
        ("theodoinq", "O", 10), ("Cảnh báo", "F", 6), ("Lỗi dữ liệu", "E", 27)
    ):
        sheet = _sheet(book, name)
        assert sheet["A1"].font.b
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{last_column}{last_row}"
    assert _sheet(book, "theodoinq").cell(2, 2).alignment.wrap_text


def test_system_with_error_shows_it_on_top(book: openpyxl.Workbook) -> None:
    """The error, then the notes, then the table below a blank row."""
    sheet = _sheet(book, "nq71")
    assert sheet["A1"].value == f"Lỗi khi làm việc với hệ thống: {NQ71_ERROR}"
    assert sheet["A1"].fill.fgColor.rgb == RED
    assert sheet["A2"].value == f"Ghi chú: {SCRIPT_NOTE}"
    assert tuple(_row(sheet, 4)) == ENTRY_HEADERS
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref == "A4:O13"


def test_summary_sheet(book: openpyxl.Workbook) -> None:
    """Run id, local times, dry run, as-of date, periods, counts per system, source hashes."""
    sheet = _sheet(book, "Tổng hợp")
    values = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(2, 13)}
    assert values["Mã lần chạy"] == RUN_ID
    assert values["Bắt đầu (giờ Việt Nam)"] == datetime(2026, 11, 27, 8, 0)
    assert values["Kết thúc (giờ Việt Nam)"] == datetime(2026, 11, 27, 8, 5, 30)
    assert sheet["B3"].number_format == "dd/mm/yyyy hh:mm"
    assert values["Chạy thử"] == "Không"
    assert values["Tính đến ngày"] == datetime(2026, 11, 27)
    assert sheet["B6"].number_format == "dd/mm/yyyy"
    assert values["Kỳ báo cáo"] == "10/2026, 11/2026"
    assert values["Số lỗi dữ liệu"] == 26
    assert _row(sheet, 14)[:3] == ["Trạng thái", "theodoinq", "nq71"]
    assert _row(sheet, 15)[:3] == ["Khớp", 1, 1]
    assert _row(sheet, 24)[:3] == ["Tổng cộng", 9, 9]
    assert _row(sheet, 25)[:3] == ["Lỗi hệ thống", None, NQ71_ERROR]
    assert sheet["A15"].fill.fgColor.rgb == GREEN
    assert _row(sheet, 27)[:2] == ["Tệp nguồn", "SHA-256"]
    assert _row(sheet, 28)[:2] == ["VPUB/bao-cao-11.xlsx", "a" * 64]


def test_warnings_and_row_errors_sheets(book: openpyxl.Workbook) -> None:
    """Warnings with Vietnamese kinds and titles; row errors with row numbers as numbers."""
    warnings = _sheet(book, "Cảnh báo")
    assert _row(warnings, 1) == ["Loại", "Mã chỉ tiêu", "Tên chỉ tiêu", "Kỳ báo cáo", "Đơn vị",
                                 "Chi tiết"]
    assert [warnings.cell(r, 1).value for r in range(2, 7)] == [
        "Quá hạn", "Chậm so với lộ trình", "Minh chứng không đạt", "Thiếu minh chứng",
        "Phân công chưa đủ 6 rõ",
    ]
    assert _row(warnings, 6)[1:] == [
        "1.3.5", lb.target_title("1.3.5"), None, None, "Thiếu rõ thẩm quyền"
    ]
    errors = _sheet(book, "Lỗi dữ liệu")
    assert _row(errors, 1) == ["Tệp", "Trang", "Dòng", "Cột", "Lý do"]
    assert _row(errors, 2) == ["VPUB/bao-cao-11.xlsx", "Báo cáo", 5, "Tỷ lệ hoàn thành (%)",
                               "Không đọc được số: 'abc0'"]
    assert _row(errors, 27) == ["CAX/bao-cao.csv", None, None, None,
                                "Không tìm thấy trang Báo cáo"]


def test_text_that_looks_like_a_formula_stays_text() -> None:
    """A reason starting with `=` is written as text, never as a formula."""
    report = build_report(dry_run=True)
    report.systems["theodoinq"].entries[0].reason = '=HYPERLINK("http://x")'
    sheet = _sheet(_book(report), "theodoinq")
    assert sheet["F2"].data_type == "s"
    assert sheet["F2"].value == '=HYPERLINK("http://x")'
    assert _sheet(_book(report), "Tổng hợp")["B5"].value == "Có"
