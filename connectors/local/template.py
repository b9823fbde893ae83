"""Write the workbook a unit fills in, as DESIGN.md's "Local workbook" describes.

Sheet `Báo cáo` comes first: two title rows, then the header row (the exact names, in order),
then the unit's targets grouped under section heading rows (`1.5` | `Phát triển chuyển đổi
số`), with `Mã chỉ tiêu` and `Tên chỉ tiêu` prefilled, a month-of-the-plan's-year validation on
`Kỳ báo cáo`, a list validation on `Tình trạng` and a 0–100 validation on `Tỷ lệ hoàn thành
(%)`. The sheet is protected without a password so that the title and header rows are not
changed by mistake; every cell below the header stays editable. Then the `Đơn vị` sheet (code
and name in A2:B2 under their headers) and the `Hướng dẫn` sheet, which also describes the
other accepted layout of `Đơn vị` (labels down column A, values to their right).
"""

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from connectors.local import columns as col
from connectors.local.rules import PLAN_YEAR
from models.catalogue import SECTIONS, targets
from models.records import STATUS_LABELS
from models.units import Unit

HEADER_ROW = 3
SPARE_ROWS = 200

_WIDTHS = (12, 60, 12, 16, 14, 18, 30, 22, 32, 18, 14)
_FORMATS = {col.CODE: "@", col.PERIOD: "mm/yyyy", col.ISSUE_DATE: "dd/mm/yyyy"}
_ALLOWED_WHEN_PROTECTED = (
    "formatColumns",
    "formatRows",
    "insertRows",
    "deleteRows",
    "sort",
    "autoFilter",
)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
_GUIDE = (
    "Hướng dẫn điền mẫu báo cáo",
    "1. Mỗi dòng là một chỉ tiêu được giao. Điền Kỳ báo cáo (tháng/năm, ví dụ 11/2026), "
    "Giá trị thực hiện (theo đơn vị tính của chỉ tiêu), Tỷ lệ hoàn thành (từ 0 đến 100) "
    "và Tình trạng; dòng chưa điền sẽ không được báo cáo.",
    f"2. Tình trạng chọn một trong: {', '.join(STATUS_LABELS.values())}.",
    "3. Báo cáo Hoàn thành phải có minh chứng: đặt tệp minh chứng cùng thư mục với tệp này "
    "và ghi tên tệp vào cột Tệp minh chứng; nhiều tệp cách nhau bằng dấu chấm phẩy (;).",
    "4. Không đổi tên các cột, trang 'Báo cáo' và trang 'Đơn vị'. Dòng tiêu đề của trang "
    "'Báo cáo' được khóa để tránh sửa nhầm (không cần mật khẩu để bỏ khóa); các ô bên dưới "
    "vẫn nhập được.",
    f"5. Kỳ báo cáo là một tháng của năm {PLAN_YEAR} (ví dụ 11/{PLAN_YEAR}); Tỷ lệ hoàn "
    "thành từ 0 đến 100. Tình trạng Hoàn thành phải có Tỷ lệ hoàn thành 100% và Giá trị "
    "thực hiện đạt chỉ tiêu; Chưa thực hiện thì Tỷ lệ hoàn thành là 0.",
    "6. Trang 'Đơn vị' ghi mã và tên đơn vị theo một trong hai cách: (a) như mẫu này: dòng "
    "tiêu đề 'Mã đơn vị', 'Tên đơn vị' ở ô A1, B1 và giá trị ngay bên dưới, ở ô A2, B2; "
    "(b) ghi nhãn dọc cột A: 'Mã đơn vị' ở ô A1, 'Tên đơn vị' ở ô A2, và giá trị ở ô bên "
    "phải (B1, B2). Nếu mã không có trong danh mục, đơn vị được nhận theo tên.",
    "7. Nếu dùng công thức, hãy mở và lưu tệp bằng Excel (hoặc LibreOffice) trước khi gửi, "
    "để tệp có sẵn giá trị đã tính.",
)


def build_template(unit: Unit, codes: Sequence[str]) -> Workbook:
    """The workbook for `unit` with the targets `codes` prefilled (in the plan's order)."""
    workbook = Workbook()
    report = workbook.active
    assert isinstance(report, Worksheet)
    report.title = col.REPORT_SHEET
    last = len(col.REPORT_HEADERS)
    report.append(["BÁO CÁO TIẾN ĐỘ THỰC HIỆN CÁC CHỈ TIÊU NĂM 2026 - NGHỊ QUYẾT 57-NQ/TW"])
    report.append([f"Đơn vị: {unit.name} ({unit.code})"])
    report.append(list(col.REPORT_HEADERS))
    for row in (1, 2):
        report.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
    report["A1"].font = Font(bold=True, size=13)
    report["A2"].font = Font(italic=True)
    for cell in report[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    wanted = set(codes)
    for section in SECTIONS:
        chosen = [t for t in targets() if t.section == section.code and t.code in wanted]
        if not chosen:
            continue
        report.append([section.code, section.title])
        for cell in report[report.max_row]:
            cell.font = Font(bold=True)
            cell.fill = _SECTION_FILL
        for target in chosen:
            report.append([target.code, target.title])
            report.cell(report.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    end = report.max_row + SPARE_ROWS
    for index, (header, width) in enumerate(zip(col.REPORT_HEADERS, _WIDTHS, strict=True), 1):
        letter = get_column_letter(index)
        report.column_dimensions[letter].width = width
        if header in _FORMATS:
            for row in range(HEADER_ROW + 1, end + 1):
                report.cell(row, index).number_format = _FORMATS[header]
    _add_validations(report, HEADER_ROW + 1, end)
    _protect_header(report, HEADER_ROW + 1, end)
    report.freeze_panes = f"C{HEADER_ROW + 1}"
    units = workbook.create_sheet(col.UNIT_SHEET)
    units.append([col.UNIT_CODE, col.UNIT_NAME])
    units.append([unit.code, unit.name])
    units.column_dimensions["A"].width = 14
    units.column_dimensions["B"].width = 40
    guide = workbook.create_sheet("Hướng dẫn")
    for line in _GUIDE:
        guide.append([line])
    guide["A1"].font = Font(bold=True)
    guide.column_dimensions["A"].width = 120
    return workbook


def write_template(unit: Unit, codes: Sequence[str], path: Path) -> None:
    """Write the workbook to `path` (whole or not at all)."""
    workbook = build_template(unit, codes)
    partial = path.with_name(f".{path.name}.partial")
    try:
        workbook.save(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _protect_header(sheet: Worksheet, first: int, last: int) -> None:
    """Lock the rows above FIRST (sheet protection, no password); unlock rows FIRST…LAST."""
    unlocked = Protection(locked=False)
    for row in sheet.iter_rows(min_row=first, max_row=last, max_col=len(col.REPORT_HEADERS)):
        for cell in row:
            cell.protection = unlocked
    for allowed in _ALLOWED_WHEN_PROTECTED:
        setattr(sheet.protection, allowed, False)
    sheet.protection.sheet = True


def _add_validations(sheet: Worksheet, first: int, last: int) -> None:
    letters = {h: get_column_letter(i) for i, h in enumerate(col.REPORT_HEADERS, 1)}
    choices = ",".join(STATUS_LABELS.values())
    rules = {
        col.STATUS: _validation(
            "list",
            (f'"{choices}"', None),
            "Tình trạng không hợp lệ",
            f"Chọn một trong: {', '.join(STATUS_LABELS.values())}",
        ),
        col.PROGRESS: _validation(
            "decimal",
            ("0", "100"),
            "Tỷ lệ hoàn thành không hợp lệ",
            "Nhập số từ 0 đến 100",
        ),
        col.PERIOD: _validation(
            "date",
            (f"DATE({PLAN_YEAR},1,1)", f"DATE({PLAN_YEAR},12,31)"),
            "Kỳ báo cáo không hợp lệ",
            f"Nhập một tháng của năm {PLAN_YEAR}, ví dụ 11/{PLAN_YEAR}",
        ),
    }
    for header, validation in rules.items():
        validation.add(f"{letters[header]}{first}:{letters[header]}{last}")
        sheet.add_data_validation(validation)


def _validation(
    kind: Literal["list", "decimal", "date"],
    formulas: tuple[str, str | None],
    title: str,
    error: str,
) -> DataValidation:
    """A column's rule (a list, or a range when there are two formulas); blanks allowed."""
    low, high = formulas
    return DataValidation(
        type=kind,
        operator=None if high is None else "between",
        formula1=low,
        formula2=high,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=title,
        error=error,
    )
