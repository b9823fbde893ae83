"""`reconciliation.xlsx`: sheets, headers on row 1, typed cells, percentages, conditional colours,
print titles, frozen headers and widths that fit."""

import io
from datetime import datetime

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from test_render_support import NQ71_ERROR, QUIRK, RUN_ID, SCRIPT_NOTE, build_report

from flows.render import labels as lb
from flows.render.xlsx_report import ENTRY_HEADERS, render_xlsx
from flows.report_model import STATUS_LABELS, EntryStatus, Reconciliation

GREEN, AMBER, RED = "00C6EFCE", "00FFEB9C", "00FFC7CE"
DATA_SHEETS = ("Tiến độ chỉ tiêu", "theodoinq", "nq71", "Cảnh báo", "Lỗi dữ liệu", "Ghi chú",
               "Chi tiết kỹ thuật")


def _book(report: Reconciliation) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))


def _sheet(book: openpyxl.Workbook, name: str) -> Worksheet:
    sheet = book[name]
    assert isinstance(sheet, Worksheet)
    return sheet


def _row(sheet: Worksheet, row: int) -> list[object]:
    return [c.value for c in sheet[row]]


def _colours(sheet: Worksheet, column: str) -> dict[str, str]:
    """Label → fill colour of the conditional formats over COLUMN."""
    out = {}
    for ranges in sheet.conditional_formatting:
        if not str(ranges.sqref).startswith(f"{column}2:"):
            continue
        for rule in ranges.rules:
            assert rule.type == "cellIs" and rule.operator == "equal"
            out[rule.formula[0].strip('"')] = rule.dxf.fill.bgColor.rgb
    return out


@pytest.fixture(scope="module")
def book() -> openpyxl.Workbook:
    """The sample report's workbook, read back."""
    return _book(build_report())


def test_sheet_names(book: openpyxl.Workbook) -> None:
    """Summary, progress, one sheet per system, warnings, row errors, notes, technical notes."""
    assert book.sheetnames == ["Tổng hợp", *DATA_SHEETS]


def test_every_data_sheet_has_its_header_on_row_1_frozen_filtered_and_printed(
    book: openpyxl.Workbook,
) -> None:
    """Bold header on row 1 (even for a system with an error), frozen below it, a filter over
    the table, the header repeated on printed A4 landscape pages fitted to the width."""
    for name in DATA_SHEETS:
        sheet = _sheet(book, name)
        assert sheet["A1"].font.b, name
        assert sheet.freeze_panes == "A2", name
        last = sheet.cell(1, sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", name
        assert sheet.print_title_rows == "$1:$1", name
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert tuple(_row(_sheet(book, "nq71"), 1)) == ENTRY_HEADERS
    assert _sheet(book, "theodoinq").auto_filter.ref == "A1:O12"


def test_summary_keeps_its_title_frozen_and_the_timeline_as_a_percentage(
    book: openpyxl.Workbook,
) -> None:
    """Run id, local times, dry run, as-of date, the timeline as 62.5 %, counts per system."""
    sheet = _sheet(book, "Tổng hợp")
    assert sheet.freeze_panes == "A2"
    values = {sheet.cell(r, 1).value: sheet.cell(r, 2) for r in range(2, 13)}
    assert values["Mã lần chạy"].value == RUN_ID
    assert values["Bắt đầu (giờ Việt Nam)"].value == datetime(2026, 11, 27, 8, 0)
    assert values["Bắt đầu (giờ Việt Nam)"].number_format == "dd/mm/yyyy hh:mm"
    assert values["Chạy thử"].value == "Không"
    assert values["Tính đến ngày"].value == datetime(2026, 11, 27)
    assert values["Lộ trình thời gian"].value == pytest.approx(0.625)
    assert values["Lộ trình thời gian"].number_format == "0.0%"
    assert values["Số lỗi dữ liệu"].value == 26
    assert _row(sheet, 14)[:3] == ["Trạng thái", "theodoinq", "nq71"]
    assert _row(sheet, 15)[:3] == ["Khớp", 1, 1]
    assert _row(sheet, 26)[:3] == ["Tổng cộng", 11, 11]
    assert _row(sheet, 27)[:3] == ["Lỗi hệ thống", None, NQ71_ERROR]
    assert _colours(sheet, "A")["Khớp"] == GREEN


def test_system_sheet_cells(book: openpyxl.Workbook) -> None:
    """Labels in Vietnamese, numbers as numbers, percentages as fractions shown as %, months."""
    sheet = _sheet(book, "theodoinq")
    conflict = dict(zip(ENTRY_HEADERS, _row(sheet, 5), strict=True))
    assert conflict["Mã chỉ tiêu"] == "1.5.7"
    assert conflict["Kỳ báo cáo"] == datetime(2026, 11, 1)
    assert sheet.cell(5, 3).number_format == "mm/yyyy"
    assert conflict["Trạng thái"] == "Xung đột (bị sửa trên hệ thống)"
    assert (conflict["Giá trị (xã)"], conflict["Giá trị (hệ thống)"]) == (90, 85.5)
    assert (conflict["Tỷ lệ hoàn thành (xã)"], conflict["Tỷ lệ hoàn thành (hệ thống)"]) == (
        1.0, 0.9
    )
    assert sheet.cell(5, 9).number_format == "0.0%"
    assert conflict["Khác biệt"] == (
        "Giá trị thực hiện: xã 90 / hệ thống 85,5\n"
        "Tình trạng: xã Hoàn thành / hệ thống Đang thực hiện"
    )
    assert conflict["Thẩm định"] == "Không đạt: Ảnh mờ, không đọc được"
    assert dict(zip(ENTRY_HEADERS, _row(sheet, 12), strict=True))["Lỗi"] == (
        "HTTP 500 khi lưu báo cáo"
    )


def test_statuses_coloured_by_conditional_formatting(book: openpyxl.Workbook) -> None:
    """Green for done, amber for waiting, red for trouble, by rule on the status column."""
    expected = {
        EntryStatus.IN_SYNC: GREEN, EntryStatus.CREATED: GREEN, EntryStatus.UPDATED: GREEN,
        EntryStatus.HELD: AMBER, EntryStatus.MISSING_REMOTE: AMBER,
        EntryStatus.REMOTE_ONLY: AMBER, EntryStatus.CONFLICT: RED, EntryStatus.FAILED: RED,
        EntryStatus.UNMAPPED: RED, EntryStatus.DUPLICATE: RED, EntryStatus.STALE: AMBER,
    }
    assert _colours(_sheet(book, "theodoinq"), "E") == {
        STATUS_LABELS[s]: colour for s, colour in expected.items()
    }
    progress = _colours(_sheet(book, "Tiến độ chỉ tiêu"), "D")
    assert progress["Quá hạn"] == RED and progress["Chưa báo cáo"] == AMBER
    assert _colours(_sheet(book, "Cảnh báo"), "A")["Chậm so với lộ trình"] == RED


def test_dry_run_labels_are_in_the_future() -> None:
    """A dry run's sheets and colours use "Sẽ tạo mới", never "Đã tạo mới"."""
    book = _book(build_report(dry_run=True))
    sheet = _sheet(book, "theodoinq")
    assert sheet["E3"].value == "Sẽ tạo mới"
    assert "Sẽ cập nhật" in _colours(sheet, "E") and "Đã tạo mới" not in _colours(sheet, "E")
    assert _sheet(book, "Tổng hợp")["B5"].value == "Có"


def test_progress_sheet_lists_all_44_targets(book: openpyxl.Workbook) -> None:
    """Every target of the plan with its state; unreported ones say so."""
    sheet = _sheet(book, "Tiến độ chỉ tiêu")
    assert sheet.max_row == 45
    rows = {sheet.cell(r, 1).value: _row(sheet, r) for r in range(2, 46)}
    assert rows["1.5.7"][3:5] == ["Quá hạn", 0.5]
    assert rows["1.2.3"][3:5] == ["Chưa báo cáo", None]
    assert sheet.cell(2, 5).number_format == "0.0%"


def test_notes_and_technical_details_have_sheets_of_their_own(book: openpyxl.Workbook) -> None:
    """The system error and office notes on `Ghi chú`; remote quirks only on their sheet."""
    notes = _sheet(book, "Ghi chú")
    assert [_row(notes, r) for r in (2, 3)] == [
        ["nq71", f"Lỗi khi làm việc với hệ thống: {NQ71_ERROR}"], ["nq71", SCRIPT_NOTE]
    ]
    technical = _sheet(book, "Chi tiết kỹ thuật")
    assert _row(technical, 1) == ["Hệ thống", "Nội dung"]
    assert _row(technical, 2) == ["theodoinq", QUIRK]
    for name in ("theodoinq", "nq71", "Tổng hợp"):
        sheet = _sheet(book, name)
        assert all(c.value != QUIRK for row in sheet.iter_rows() for c in row)


def test_widths_fit_the_content(book: openpyxl.Workbook) -> None:
    """A column is at least as wide as its longest line, or at its cap with wrapping."""
    sheet = _sheet(book, "Lỗi dữ liệu")
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDE"}
    assert widths["A"] == len("VPUB/bao-cao-11.xlsx") + 2
    assert widths["D"] == len("Tỷ lệ hoàn thành (%)") + 2
    title = _sheet(book, "theodoinq").column_dimensions["B"].width
    assert title == 60 and _sheet(book, "theodoinq")["B2"].alignment.wrap_text


def test_warnings_and_row_errors_sheets(book: openpyxl.Workbook) -> None:
    """Warnings with Vietnamese kinds and titles; row errors with row numbers as numbers."""
    warnings = _sheet(book, "Cảnh báo")
    assert [warnings.cell(r, 1).value for r in range(2, 7)] == [
        "Quá hạn", "Chậm so với lộ trình", "Minh chứng không đạt", "Thiếu minh chứng",
        "Phân công chưa đủ 6 rõ",
    ]
    assert _row(warnings, 6)[1:] == [
        "1.3.5", lb.target_title("1.3.5"), None, None, "Thiếu rõ thẩm quyền"
    ]
    errors = _sheet(book, "Lỗi dữ liệu")
    assert _row(errors, 2) == ["VPUB/bao-cao-11.xlsx", "Báo cáo", 5, "Tỷ lệ hoàn thành (%)",
                               "Không đọc được số: 'abc0'"]


def test_text_that_looks_like_a_formula_stays_text() -> None:
    """A reason starting with `=` is written as text, never as a formula."""
    report = build_report()
    report.systems["theodoinq"].entries[0].reason = '=HYPERLINK("http://x")'
    sheet = _sheet(_book(report), "theodoinq")
    assert sheet["F2"].data_type == "s"
    assert sheet["F2"].value == '=HYPERLINK("http://x")'
