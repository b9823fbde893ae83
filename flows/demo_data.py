"""The sample data of `nqsync demo`: unit workbooks, evidence files and an assignment workbook.

`write_demo_source(workdir, today)` writes, under `workdir`:
- `du_lieu_mau/<UNIT>/<UNIT>_<YYYY-MM>.xlsx`: one workbook per unit (VHXH, VPUB, CAX, TCNS,
  DTN and the sample unit PKT) for each of two months, the month before `today` and `today`'s
  month, built with `build_template` from the unit's assigned targets and filled in the way
  people do (decimal commas, percent-formatted cells, `Tháng 10/2026`, statuses in any form,
  merged cells, a row added by hand), with the evidence files (PDF, PNG, JPEG) beside them;
- `du_lieu_mau/README_DU_LIEU_MAU.txt`: what the folder is and where the deliberate mistakes
  are (the reader skips `.txt` files);
- `phan_cong_mau.xlsx`: the sample assignment (`Phân công` sheet), outside the source folder.

Everything is marked `DỮ LIỆU MẪU – chỉ dùng để chạy thử` (title rows, workbook properties,
evidence contents) and follows from `today` alone. The data are clean except for one of each
deliberate mistake, so that the demo shows them: a bad number cell, a named evidence file that
is absent, a completion without evidence, a target far behind the timeline, and a target that
no assignment names reported by two units with different figures; the assignment leaves 1.2.6
and 1.5.8 short of the "6 rõ" and does not assign 1.5.22.

Writing is idempotent: workbooks are saved with fixed timestamps so the same day gives the
same bytes, a file whose bytes would not change is left untouched, and visible files of an
earlier run that are not part of this sample are removed from the sample folder.
"""

import io
import os
import struct
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from connectors.local import columns as col
from connectors.local.template import HEADER_ROW, build_template
from models.catalogue import DEADLINE, SECTIONS, by_code, targets
from models.units import Unit, get_unit

SAMPLE_MARK = "DỮ LIỆU MẪU – chỉ dùng để chạy thử"
SOURCE_DIR = "du_lieu_mau"
ASSIGNMENTS_FILE = "phan_cong_mau.xlsx"
README_FILE = "README_DU_LIEU_MAU.txt"
UNIT_CODES: tuple[str, ...] = ("VHXH", "VPUB", "CAX", "TCNS", "DTN", "PKT")

_RED = Font(bold=True, size=13, color="C00000")


@dataclass(frozen=True)
class DemoSource:
    """Where the sample went: the sync's SOURCE folder, the assignment workbook (outside it),
    and the two periods reported (previous month, current month) as `YYYY-MM`."""

    source: Path
    assignments: Path
    periods: tuple[str, str]


def write_demo_source(workdir: Path, today: date) -> DemoSource:
    """Write the sample workbooks, evidence files and assignment workbook under WORKDIR for
    the month before TODAY and TODAY's month; the same WORKDIR and day give the same bytes and
    leave unchanged files untouched."""
    source = workdir / SOURCE_DIR
    assignments = workdir / ASSIGNMENTS_FILE
    previous, current = _months(today)
    reports, evidence = _sample(previous, current)
    written: set[Path] = set()
    mistakes: list[str] = []
    for report in reports:
        path = source / report.unit / f"{report.unit}_{report.month.key}.xlsx"
        workbook, where = _fill(report)
        _put(path, _xlsx_bytes(workbook, report.month.stamp))
        written.add(path)
        relative = path.relative_to(source).as_posix()
        mistakes += [f"- {relative}, {place}: {text}" for place, text in where]
    for item in evidence:
        path = source / item.unit / item.name
        _put(path, item.content)
        written.add(path)
    readme = source / README_FILE
    _put(readme, _readme(previous, current, mistakes).encode("utf-8"))
    written.add(readme)
    _put(assignments, _xlsx_bytes(_assignment_workbook(), previous.stamp))
    _remove_stale(source, written)
    return DemoSource(source=source, assignments=assignments, periods=(previous.key, current.key))


# months -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Month:
    year: int
    month: int
    latest: date

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def tag(self) -> str:
        return f"T{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def stamp(self) -> datetime:
        return datetime(self.latest.year, self.latest.month, self.latest.day, 16, 30)

    def day(self, wanted: int) -> date:
        return date(self.year, self.month, min(wanted, self.latest.day))


def _months(today: date) -> tuple[_Month, _Month]:
    """The month before TODAY and TODAY's, kept inside the plan's year (its only periods)."""
    today = min(max(today, date(DEADLINE.year, 2, 1)), DEADLINE)
    first = today.replace(day=1)
    last_of_previous = first - timedelta(days=1)
    previous = _Month(last_of_previous.year, last_of_previous.month, last_of_previous)
    return previous, _Month(today.year, today.month, today)


# the reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pct:
    """A number in a percent-formatted cell, as Excel keeps it (0.875 shows as 87,5%)."""

    fraction: float
    number_format: str = "0.0%"


Value = str | int | float | date | _Pct | None


@dataclass(frozen=True)
class _Mistake:
    column: str | None
    text: str


@dataclass(frozen=True)
class _Row:
    code: str
    actual: Value
    progress: Value
    status: str
    note: str = ""
    evidence: tuple[str, ...] = ()
    document: str = ""
    issued: Value = None
    title: str | None = None
    mistake: _Mistake | None = None


@dataclass(frozen=True)
class _Report:
    unit: str
    month: _Month
    reporter: str
    period: Value
    rows: tuple[_Row, ...]
    merged: bool = False


@dataclass(frozen=True)
class _Evidence:
    unit: str
    name: str
    content: bytes


_REPORTERS = {
    "VHXH": "Ngô Thị Kim Yến (mẫu)",
    "VPUB": "Bùi Văn Phúc (mẫu)",
    "CAX": "Trương Công Danh (mẫu)",
    "TCNS": "Phạm Thị Lan (mẫu)",
    "DTN": "Võ Hoàng Nam (mẫu)",
    "PKT": "Đỗ Thị Hồng Nhung (mẫu)",
}

_DOING = "Đang thực hiện"


def _sample(p: _Month, c: _Month) -> tuple[list[_Report], list[_Evidence]]:
    """The reports of both months and the evidence files they name (P previous, C current)."""
    reports = [
        _Report("VHXH", p, _REPORTERS["VHXH"], p.first, (
            _Row("1.2.2", "92,5", 92.5, _DOING,
                 "Còn 3 công chức chưa hoàn thành lớp bồi dưỡng kỹ năng số"),
            _Row("1.2.5", _Pct(0.764), 84.9, "đang thực hiện",
                 "Số liệu khảo sát tại 7 ấp"),
            _Row("1.3.3", 350, 70, _DOING, "Cử 350 lượt cán bộ, công chức tham gia bồi dưỡng",
                 (f"DS_hoc_vien_boi_duong_{p.tag}.pdf",), "112/QĐ-UBND", p.day(8)),
            _Row("1.5.1", 14, 60, _DOING, "Thứ hạng DTI tạm tính trong tỉnh"),
        )),
        _Report("VHXH", c, _REPORTERS["VHXH"], c.first, (
            _Row("1.2.2", 100, "100%", "Hoàn thành",
                 "100% cán bộ, công chức đã hoàn thành lớp bồi dưỡng",
                 ("BC_ket_qua_boi_duong_ky_nang_so.pdf", "anh_lop_boi_duong.jpg"),
                 "215/BC-VHXH", c.day(12)),
            _Row("1.2.5", "78,9%", "87,7", _DOING, "Số liệu khảo sát tại 7 ấp"),
            _Row("1.3.3", 420, 84, _DOING, "Thêm 70 lượt tham gia lớp bồi dưỡng chuyển đổi số",
                 (f"DS_hoc_vien_boi_duong_{c.tag}.pdf",), "131/QĐ-UBND", c.day(6)),
            _Row("1.5.1", 12, 70, _DOING, "Thứ hạng DTI tạm tính trong tỉnh"),
        )),
        _Report("VPUB", p, _REPORTERS["VPUB"], f"Tháng {p.month}/{p.year}", (
            _Row("1.5.5", "96,5", 96.5, _DOING),
            _Row("1.5.7", "93,1", 98, _DOING, "Theo số liệu Hệ thống thông tin giải quyết TTHC"),
            _Row("1.5.8", 71, "88,8", _DOING),
            _Row("1.5.12", 97, 97, _DOING),
            _Row("1.5.13", 95, 95, _DOING),
        )),
        _Report("VPUB", c, _REPORTERS["VPUB"], f"Tháng {c.month}/{c.year}", (
            _Row("1.5.5", "98,2", 98.2, _DOING),
            _Row("1.5.7", _Pct(0.954), 100, "Hoàn thành",
                 "Theo số liệu Hệ thống thông tin giải quyết TTHC",
                 (f"BC_ket_qua_giai_quyet_TTHC_{c.tag}.pdf", f"anh_man_hinh_DVC_{c.tag}.png"),
                 "342/BC-UBND", c.day(15)),
            _Row("1.5.8", 74, "92,5", _DOING),
            _Row("1.5.12", 100, 100, "HT", "Áp dụng từ ngày ký quyết định",
                 ("QD_quy_che_van_ban_dien_tu.pdf",), "58/QĐ-UBND", f"{c.day(3):%d/%m/%Y}"),
            _Row("1.5.13", 100, 100, "Đã hoàn thành", "Cùng quyết định với chỉ tiêu 1.5.12",
                 ("QD_quy_che_van_ban_dien_tu.pdf",), "58/QĐ-UBND", f"{c.day(3):%d/%m/%Y}"),
            _Row("1.5.26", None, 10, _DOING,
                 "Mới lập hồ sơ đề xuất cấp độ an toàn thông tin, chưa gửi thẩm định",
                 mistake=_Mistake(None, "tỷ lệ hoàn thành chỉ 10%, thấp xa so với lộ trình "
                                  "thời gian: cảnh báo chậm so với lộ trình (behind_schedule)")),
        )),
        _Report("CAX", p, _REPORTERS["CAX"], p.label, (
            _Row("1.5.17", "87,5", "97,2", _DOING,
                 "Số liệu từ hệ thống định danh, tính trên dân số thường trú"),
            _Row("1.5.18", "38,6", "77,2", _DOING),
            _Row("1.5.24", "97,8", "97,8", _DOING, f"Đính kèm báo cáo tháng {p.month}",
                 (f"BC_dinh_danh_so_{p.tag}.pdf",), "19/BC-CAX", p.day(25),
                 mistake=_Mistake(col.EVIDENCE, "tệp minh chứng được ghi tên nhưng không có "
                                  "trong thư mục: lỗi dòng")),
        )),
        _Report("CAX", c, _REPORTERS["CAX"], c.label, (
            _Row("1.5.17", _Pct(0.89), _Pct(0.989), _DOING,
                 "Số liệu từ hệ thống định danh, tính trên dân số thường trú",
                 (f"bieu_do_VNeID_{c.tag}.png",), "27/BC-CAX", c.day(20)),
            _Row("1.5.18", "41,2", "82,4", _DOING),
            _Row("1.5.24", "98,6", "98,6", _DOING),
        )),
        _Report("TCNS", p, _REPORTERS["TCNS"], p.first, (
            _Row("1.5.15", 68, 85, _DOING),
            _Row("1.5.17", "86,0", "95,6", _DOING,
                 "Tổ tự thống kê qua các đợt ra quân hỗ trợ người dân"),
        )),
        _Report("TCNS", c, _REPORTERS["TCNS"], c.first, (
            _Row("1.5.15", "71,3", "89,1", "dang thuc hien", "Ra quân cao điểm tại các ấp",
                 (f"anh_ra_quan_CNSCD_{c.tag}.jpg",)),
            _Row("1.5.17", "88,7", "98,6", _DOING,
                 "Tổ tự thống kê qua các đợt ra quân hỗ trợ người dân"),
        )),
        _Report("DTN", p, _REPORTERS["DTN"], f"Tháng {p.month}/{p.year}", (
            _Row("1.2.4", 72, 80, _DOING, "Phối hợp các trường tổ chức lớp kỹ năng số"),
            _Row("1.3.1", 0, 60, _DOING,
                 "Đang phối hợp HTX xây dựng mô hình trồng nấm ứng dụng IoT"),
        )),
        _Report("DTN", c, _REPORTERS["DTN"], f"Tháng {c.month}/{c.year}", (
            _Row("1.2.4", 78, "86,7", _DOING, "Phối hợp các trường tổ chức lớp kỹ năng số"),
            _Row("1.3.1", 1, 100, "hoàn thành",
                 "Mô hình trồng nấm ứng dụng IoT đã nghiệm thu; minh chứng sẽ nộp bổ sung",
                 document="15/BC-ĐTN", issued=c.day(18),
                 mistake=_Mistake(None, "báo cáo hoàn thành nhưng không có tệp minh chứng: "
                                  "bị giữ lại, không gửi (evidence_missing)")),
            _Row("1.5.22", "81,5", "85,8", _DOING, "Số liệu khảo sát đoàn viên, thanh niên",
                 title="Tỷ lệ dân số từ 15 tuổi có tài khoản ngân hàng",
                 mistake=_Mistake(None, "chỉ tiêu chưa được phân công, Phòng Kinh tế cũng báo "
                                  "cáo với số liệu khác: không chọn được số liệu của xã, "
                                  "không gửi")),
        )),
        _Report("PKT", p, _REPORTERS["PKT"], f"{p.month:02d}-{p.year}", (
            _Row("1.1.1", "55%", "91,7", _DOING, "Theo số liệu các doanh nghiệp viễn thông"),
            _Row("1.1.2", "khoảng 63", 90, _DOING, "Theo số liệu các doanh nghiệp viễn thông",
                 mistake=_Mistake(col.ACTUAL, "giá trị không phải là số: lỗi dòng")),
            _Row("1.4.2", "72,5", "90,6", _DOING),
            _Row("1.5.16", 64, 80, _DOING),
            _Row("1.5.22", "82,4", "86,7", _DOING, "Theo số liệu các ngân hàng trên địa bàn",
                 title="Dân số từ 15 tuổi trở lên có tài khoản ngân hàng"),
        ), merged=True),
        _Report("PKT", c, _REPORTERS["PKT"], f"{c.month:02d}-{c.year}", (
            _Row("1.1.1", _Pct(0.58, "0%"), "96,7", _DOING,
                 "Theo số liệu các doanh nghiệp viễn thông",
                 (f"BC_phu_song_5G_{c.tag}.pdf",), "96/BC-KT", c.day(10)),
            _Row("1.1.2", 65, "92,9", _DOING, "Theo số liệu các doanh nghiệp viễn thông"),
            _Row("1.4.2", "75", "93,8", _DOING),
            _Row("1.5.16", "67,0", "83,8", _DOING),
            _Row("1.5.22", "83,2", "87,6", _DOING, "Theo số liệu các ngân hàng trên địa bàn",
                 title="Dân số từ 15 tuổi trở lên có tài khoản ngân hàng"),
        ), merged=True),
    ]
    evidence = [
        _Evidence("VHXH", f"DS_hoc_vien_boi_duong_{p.tag}.pdf", _pdf(
            f"Danh sách cán bộ, công chức tham gia bồi dưỡng tháng {p.label}",
            ("Quyết định số 112/QĐ-UBND", f"Ngày {p.day(8):%d/%m/%Y}", "Tổng số: 350 lượt"))),
        _Evidence("VHXH", f"DS_hoc_vien_boi_duong_{c.tag}.pdf", _pdf(
            f"Danh sách cán bộ, công chức tham gia bồi dưỡng tháng {c.label}",
            ("Quyết định số 131/QĐ-UBND", f"Ngày {c.day(6):%d/%m/%Y}", "Tổng số: 420 lượt"))),
        _Evidence("VHXH", "BC_ket_qua_boi_duong_ky_nang_so.pdf", _pdf(
            "Báo cáo kết quả bồi dưỡng kỹ năng số căn bản cho cán bộ, công chức xã",
            ("Số 215/BC-VHXH", f"Ngày {c.day(12):%d/%m/%Y}", "Tỷ lệ hoàn thành: 100%"))),
        _Evidence("VHXH", "anh_lop_boi_duong.jpg", _jpeg(
            _classroom(), "Ảnh lớp bồi dưỡng kỹ năng số tại hội trường UBND xã")),
        _Evidence("VPUB", f"BC_ket_qua_giai_quyet_TTHC_{c.tag}.pdf", _pdf(
            f"Báo cáo kết quả giải quyết thủ tục hành chính tháng {c.label}",
            ("Số 342/BC-UBND", f"Ngày {c.day(15):%d/%m/%Y}",
             "Tỷ lệ hồ sơ xử lý trực tuyến: 95,4%"))),
        _Evidence("VPUB", f"anh_man_hinh_DVC_{c.tag}.png", _png(
            _screenshot(), f"Ảnh chụp màn hình thống kê dịch vụ công tháng {c.label}")),
        _Evidence("VPUB", "QD_quy_che_van_ban_dien_tu.pdf", _pdf(
            "Quyết định ban hành Quy chế xử lý văn bản, hồ sơ công việc trên môi trường điện tử",
            ("Số 58/QĐ-UBND", f"Ngày {c.day(3):%d/%m/%Y}", "Áp dụng cho chỉ tiêu 1.5.12, 1.5.13"))),
        _Evidence("CAX", f"bieu_do_VNeID_{c.tag}.png", _png(
            _bars((87.5, 89.0), 90.0), f"Biểu đồ tỷ lệ người dân có tài khoản VNeID, "
            f"tháng {p.label} và {c.label}")),
        _Evidence("TCNS", f"anh_ra_quan_CNSCD_{c.tag}.jpg", _jpeg(
            _outdoor(), f"Ảnh Tổ công nghệ số cộng đồng ra quân tháng {c.label}")),
        _Evidence("PKT", f"BC_phu_song_5G_{c.tag}.pdf", _pdf(
            f"Báo cáo tỷ lệ phủ sóng 5G trên địa bàn xã tháng {c.label}",
            ("Số 96/BC-KT", f"Ngày {c.day(10):%d/%m/%Y}", "Tỷ lệ dân số được phủ sóng 5G: 58%"))),
    ]
    return reports, evidence


def _fill(report: _Report) -> tuple[Workbook, list[tuple[str, str]]]:
    """The unit's template, filled in; with where each deliberate mistake went."""
    unit = _unit(report.unit)
    workbook = build_template(unit, _assigned(report.unit))
    sheet = workbook[col.REPORT_SHEET]
    assert isinstance(sheet, Worksheet)
    title = sheet.cell(1, 1)
    title.value = f"{SAMPLE_MARK} · {title.value}"
    title.font = _RED
    _mark_properties(workbook, f"{unit.name} ({unit.code}), kỳ {report.month.label}")
    index = {h: i for i, h in enumerate(col.REPORT_HEADERS, 1)}
    rows = _code_rows(sheet)
    filled: list[int] = []
    where: list[tuple[str, str]] = []
    for entry in report.rows:
        number = rows.get(entry.code)
        if number is None:
            number = max(rows.values()) + 1
            rows[entry.code] = number
            sheet.cell(number, index[col.CODE], entry.code)
            sheet.cell(number, index[col.TITLE], entry.title or "")
        filled.append(number)
        cells: tuple[tuple[str, Value], ...] = (
            (col.ACTUAL, entry.actual),
            (col.PROGRESS, entry.progress),
            (col.STATUS, entry.status),
            (col.NOTE, entry.note or None),
            (col.EVIDENCE, "; ".join(entry.evidence) or None),
            (col.DOCUMENT_NUMBER, entry.document or None),
            (col.ISSUE_DATE, entry.issued),
        )
        for header, value in cells:
            _set(sheet, number, index[header], value)
        if not report.merged:
            _set(sheet, number, index[col.PERIOD], report.period)
            _set(sheet, number, index[col.REPORTER], report.reporter)
        if entry.mistake is not None:
            place = f"trang '{col.REPORT_SHEET}', dòng {number}"
            if entry.mistake.column is not None:
                place += f", cột '{entry.mistake.column}'"
            where.append((place, f"chỉ tiêu {entry.code}: {entry.mistake.text}"))
    if report.merged:
        first, last = min(filled), max(filled)
        for header, value in ((col.PERIOD, report.period), (col.REPORTER, report.reporter)):
            _set(sheet, first, index[header], value)
            sheet.merge_cells(
                start_row=first, start_column=index[header], end_row=last, end_column=index[header]
            )
    return workbook, where


def _code_rows(sheet: Worksheet) -> dict[str, int]:
    found: dict[str, int] = {}
    for number in range(HEADER_ROW + 1, sheet.max_row + 1):
        value = sheet.cell(number, 1).value
        if isinstance(value, str) and value.count(".") == 2:
            found[value] = number
    return found


def _set(sheet: Worksheet, row: int, column: int, value: Value) -> None:
    cell = sheet.cell(row, column)
    if isinstance(value, _Pct):
        cell.value = value.fraction
        cell.number_format = value.number_format
    else:
        cell.value = value


def _unit(code: str) -> Unit:
    unit = get_unit(code)
    if unit is None:
        raise ValueError(f"unknown unit {code}")
    return unit


# the assignment -----------------------------------------------------------------------------

_PERSONS = {
    "VHXH": "Nguyễn Thị Thu Hà – Trưởng phòng Văn hóa - Xã hội (mẫu)",
    "VPUB": "Trần Minh Khoa – Chánh Văn phòng HĐND-UBND xã (mẫu)",
    "CAX": "Lê Văn Hùng – Trưởng Công an xã (mẫu)",
    "TCNS": "Phạm Thị Lan – Tổ trưởng Tổ công nghệ số cộng đồng (mẫu)",
    "DTN": "Võ Hoàng Nam – Bí thư Đoàn xã (mẫu)",
    "PKT": "Đặng Quốc Bảo – Trưởng phòng Kinh tế (mẫu)",
    "VPDU": "Huỳnh Thanh Tâm – Chánh Văn phòng Đảng ủy xã (mẫu)",
}
_CHAIR = "Chủ tịch UBND xã"
_VICE = "Phó Chủ tịch UBND xã"
_BOARD = "Ban Chỉ đạo xã"
_PARTY = "Thường trực Đảng ủy xã"
_Q4 = f"Quý IV/{DEADLINE.year}"
_YEAR = f"Năm {DEADLINE.year}"
_ALWAYS = "Thường xuyên"
_END = DEADLINE
_TELCOS = "các doanh nghiệp viễn thông"


@dataclass(frozen=True)
class _Assign:
    code: str
    lead: str
    supporting: tuple[str, ...]
    product: str
    deadline: str | date = _END
    authority: str = _CHAIR
    person: bool = True
    others: tuple[str, ...] = ()


_ASSIGNMENTS: tuple[_Assign, ...] = (
    _Assign("1.1.1", "PKT", ("VHXH",), "Báo cáo tỷ lệ phủ sóng 5G theo số liệu doanh nghiệp "
            "viễn thông", _Q4, others=("Sở Khoa học và Công nghệ", _TELCOS)),
    _Assign("1.1.2", "PKT", ("VHXH",), "Báo cáo tỷ lệ hộ gia đình truy cập băng rộng cố định "
            "1 Gbps", _Q4, others=(_TELCOS,)),
    _Assign("1.2.1", "PKT", ("VPUB",), "Báo cáo chi ngân sách cho KH&CN, ĐMST và CĐS"),
    _Assign("1.2.2", "VHXH", ("VPUB",), "Báo cáo kết quả bồi dưỡng kỹ năng số căn bản"),
    _Assign("1.2.3", "VPUB", ("VHXH",), "Báo cáo đánh giá kỹ năng số của cán bộ, công chức, "
            "viên chức"),
    _Assign("1.2.4", "DTN", ("VHXH",), "Báo cáo kết quả trang bị kỹ năng số cho học sinh",
            _YEAR, _VICE),
    _Assign("1.2.5", "VHXH", ("TCNS", "MTTQ"), "Báo cáo tỷ lệ người trưởng thành tiếp cận "
            "dịch vụ số", authority=_VICE),
    _Assign("1.2.6", "VHXH", ("PKT", "DTN"), "", authority=_BOARD, person=False),
    _Assign("1.3.1", "DTN", ("PKT", "TCNS"), "Biên bản nghiệm thu mô hình ứng dụng tiến bộ "
            "khoa học kỹ thuật", authority=_VICE),
    _Assign("1.3.2", "PKT", ("DTN",), "Báo cáo mô hình ứng dụng KH&CN được nhân rộng",
            authority=_VICE),
    _Assign("1.3.3", "VHXH", ("VPUB", "BXDD"), "Danh sách cán bộ, công chức tham gia đào tạo, "
            "bồi dưỡng"),
    _Assign("1.3.4", "VHXH", ("PKT",), "Hồ sơ đề xuất đề tài/đề án khoa học, công nghệ gửi "
            "tỉnh", _Q4, _BOARD),
    _Assign("1.3.5", "CAX", ("VPUB", "PKT"), "Báo cáo triển khai camera an ninh, cảnh báo môi "
            "trường ứng dụng AI, IoT"),
    _Assign("1.4.1", "PKT", ("DTN", "TCNS"), "Danh sách HTX, hộ kinh doanh được hỗ trợ bán hàng "
            "trực tuyến", _ALWAYS, _VICE),
    _Assign("1.4.2", "PKT", ("TCNS",), "Báo cáo tỷ lệ doanh nghiệp, hộ kinh doanh thanh toán "
            "không dùng tiền mặt", authority=_VICE),
    _Assign("1.4.3", "PKT", ("VHXH",), "Hồ sơ nhãn hiệu, truy xuất nguồn gốc sản phẩm OCOP",
            authority=_VICE),
    _Assign("1.4.4", "PKT", ("MTTQ",), "Báo cáo tuyên truyền chính sách hỗ trợ KH&CN của tỉnh",
            _ALWAYS, _VICE),
    _Assign("1.4.5", "VPUB", ("VHXH",), "Quyết định công nhận mô hình, sáng kiến"),
    _Assign("1.5.1", "VHXH", ("VPUB", "CAX"), "Báo cáo tự đánh giá chỉ số DTI cấp xã",
            authority=_BOARD),
    _Assign("1.5.2", "VPUB", ("CAX",), "Báo cáo tiếp nhận, giải quyết hồ sơ phi địa giới"),
    _Assign("1.5.3", "VPUB", ("PKT",), "Báo cáo thủ tục hành chính thực hiện trực tuyến"),
    _Assign("1.5.4", "VPUB", ("CAX",), "Báo cáo giao dịch hành chính phi tiếp xúc"),
    _Assign("1.5.5", "VPUB", ("VHXH",), "Báo cáo số hóa hồ sơ, kết quả giải quyết TTHC"),
    _Assign("1.5.6", "VPUB", ("VHXH",), "Danh mục dịch vụ công trực tuyến toàn trình"),
    _Assign("1.5.7", "VPUB", ("CAX", "TCNS"), "Báo cáo hồ sơ TTHC xử lý trực tuyến"),
    _Assign("1.5.8", "VPUB", (), "Báo cáo tỷ lệ sử dụng dịch vụ công trực tuyến",
            authority=""),
    _Assign("1.5.9", "VPUB", ("VHXH",), "Báo cáo cấp kết quả giải quyết TTHC điện tử"),
    _Assign("1.5.10", "VPUB", ("CAX",), "Báo cáo khai thác, sử dụng lại dữ liệu số hóa"),
    _Assign("1.5.11", "VPUB", ("PKT",), "Báo cáo thanh toán trực tuyến trong giải quyết TTHC"),
    _Assign("1.5.12", "VPUB", ("VPDU",), "Quy chế xử lý văn bản, hồ sơ công việc trên môi "
            "trường điện tử"),
    _Assign("1.5.13", "VPUB", ("VPDU",), "Báo cáo theo dõi nhiệm vụ trên môi trường điện tử"),
    _Assign("1.5.14", "VPUB", ("VPDU",), "Báo cáo chỉ đạo, điều hành trên môi trường điện tử"),
    _Assign("1.5.15", "TCNS", ("PKT", "MTTQ"), "Báo cáo tỷ lệ giao dịch không dùng tiền mặt",
            authority=_VICE),
    _Assign("1.5.16", "PKT", ("TCNS",), "Báo cáo hộ kinh doanh áp dụng nền tảng số",
            authority=_VICE),
    _Assign("1.5.17", "CAX", ("TCNS", "DTN"), "Báo cáo tỷ lệ người dân có tài khoản VNeID"),
    _Assign("1.5.18", "CAX", ("TCNS",), "Báo cáo tỷ lệ người trưởng thành có chữ ký số"),
    _Assign("1.5.19", "VPDU", ("VPUB",), "Báo cáo sử dụng phần mềm quản trị điều hành",
            authority=_PARTY),
    _Assign("1.5.20", "PKT", ("VHXH",), "Báo cáo giải pháp phát triển kinh tế số",
            _YEAR, _VICE),
    _Assign("1.5.21", "VPDU", ("VPUB", "BXDD"), "Báo cáo kết nối, vận hành hệ thống trên môi "
            "trường số", authority=_PARTY),
    _Assign("1.5.23", "VHXH", ("TCNS",), "Báo cáo tỷ lệ người dân có Sổ sức khỏe điện tử",
            authority=_VICE),
    _Assign("1.5.24", "CAX", ("TCNS",), "Báo cáo tỷ lệ người dân được định danh số"),
    _Assign("1.5.25", "VPUB", ("VHXH", "PKT", "CAX"), "Báo cáo cung cấp, chia sẻ dữ liệu mở",
            _ALWAYS, _BOARD),
    _Assign("1.5.26", "VPUB", ("CAX",), "Hồ sơ đề xuất cấp độ an toàn thông tin được phê "
            "duyệt"),
)
"""The sample assignment: 1.2.6 lacks a person and a product, 1.5.8 lacks supporting units
and an authority, and 1.5.22 has no row at all."""


def _assigned(unit: str) -> tuple[str, ...]:
    involved = {a.code for a in _ASSIGNMENTS if a.lead == unit or unit in a.supporting}
    return tuple(t.code for t in targets() if t.code in involved)


def _assignment_workbook() -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = col.ASSIGNMENT_SHEET
    headers = ["STT", col.CODE, col.TITLE, col.LEAD_UNIT, col.SUPPORTING_UNITS,
               col.RESPONSIBLE_PERSON, col.PRODUCT, col.DEADLINE, col.APPROVING_AUTHORITY]
    sheet.append(["PHỤ LỤC: PHÂN CÔNG NHIỆM VỤ THỰC HIỆN MỤC TIÊU/CHỈ TIÊU NĂM "
                  f"{DEADLINE.year} (kèm Kế hoạch của Ban Chỉ đạo xã Đại Phước)"])
    sheet.append([SAMPLE_MARK])
    sheet.append(headers)
    for row in (1, 2):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(headers))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"].font = _RED
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    _mark_properties(workbook, "Phân công nhiệm vụ theo nguyên tắc 6 rõ")
    titles = by_code()
    wanted = {a.code: a for a in _ASSIGNMENTS}
    number = 0
    for section in SECTIONS:
        sheet.append(["", section.code, section.title])
        sheet.cell(sheet.max_row, 2).font = Font(bold=True)
        sheet.cell(sheet.max_row, 3).font = Font(bold=True)
        for target in targets():
            item = wanted.get(target.code)
            if target.section != section.code or item is None:
                continue
            number += 1
            by_name = number % 2 == 1
            supporting = [_unit_text(u, by_name) for u in item.supporting]
            sheet.append([
                number,
                target.code,
                titles[target.code].title,
                _unit_text(item.lead, not by_name),
                "; ".join([*supporting, *item.others]) or None,
                _PERSONS[item.lead] if item.person else None,
                item.product or None,
                item.deadline,
                item.authority or None,
            ])
            if isinstance(item.deadline, date):
                sheet.cell(sheet.max_row, 8).number_format = "dd/mm/yyyy"
    for letter, width in zip("ABCDEFGHI", (6, 10, 60, 28, 40, 40, 40, 14, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    return workbook


def _unit_text(code: str, by_name: bool) -> str:
    return _unit(code).name if by_name else code


# files --------------------------------------------------------------------------------------


def _mark_properties(workbook: Workbook, subject: str) -> None:
    workbook.properties.title = SAMPLE_MARK
    workbook.properties.subject = subject
    workbook.properties.keywords = "dữ liệu mẫu; nqsync demo"
    workbook.properties.creator = "nqsync demo"
    workbook.properties.description = f"{SAMPLE_MARK}. Không phải số liệu thật của xã Đại Phước."


def _xlsx_bytes(workbook: Workbook, stamp: datetime) -> bytes:
    """The workbook as `.xlsx` bytes that depend on its content and STAMP only."""
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.lastModifiedBy = "nqsync demo"
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    fixed = io.BytesIO()
    moment = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with ZipFile(io.BytesIO(buffer.getvalue())) as source, ZipFile(fixed, "w") as target:
        for info in source.infolist():
            entry = ZipInfo(info.filename, date_time=moment)
            entry.compress_type = ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


def _put(path: Path, data: bytes) -> None:
    """Write DATA to PATH whole, unless PATH already holds exactly DATA."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _remove_stale(source: Path, keep: set[Path]) -> None:
    """Remove visible files under SOURCE that this sample did not write, then empty folders."""
    for folder, dirs, files in os.walk(source, topdown=False):
        here = Path(folder)
        for name in files:
            path = here / name
            if not name.startswith((".", "~$")) and path not in keep:
                path.unlink()
        for name in dirs:
            child = here / name
            if not name.startswith(".") and not any(child.iterdir()):
                child.rmdir()


def _readme(previous: _Month, current: _Month, mistakes: Sequence[str]) -> str:
    units = ", ".join(f"{_unit(u).name} ({u})" for u in UNIT_CODES)
    lines = [
        SAMPLE_MARK.upper(),
        "",
        "Các tệp trong thư mục này do lệnh `nqsync demo` tạo ra để chạy thử; đây không phải "
        "số liệu thật của xã Đại Phước. Tên người trong các tệp là tên mẫu.",
        f"Kỳ báo cáo: {previous.label} và {current.label}. Đơn vị: {units}.",
        f"Phân công mẫu: ../{ASSIGNMENTS_FILE} (chỉ tiêu 1.2.6 và 1.5.8 chưa đủ “6 rõ”, "
        "chỉ tiêu 1.5.22 chưa được phân công).",
        "",
        "Các lỗi cố ý để bản chạy thử hiển thị cảnh báo và lỗi:",
        *sorted(mistakes),
        "",
        "Chỉ tiêu 1.5.17 được cả Công an xã (chủ trì) và Tổ công nghệ số cộng đồng (phối hợp) "
        "báo cáo: số liệu của xã là số liệu của đơn vị chủ trì.",
        "",
    ]
    return "\n".join(unicodedata.normalize("NFC", line) for line in lines)


# evidence contents --------------------------------------------------------------------------


def _ascii(text: str) -> str:
    """Vietnamese text without diacritics, for the PDF's standard font."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    plain = plain.replace("–", "-").replace("“", '"').replace("”", '"')
    return plain.encode("ascii", "replace").decode("ascii")


def _pdf_text(text: str) -> str:
    return _ascii(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _utf16(text: str) -> str:
    return "<FEFF" + unicodedata.normalize("NFC", text).encode("utf-16-be").hex().upper() + ">"


def _pdf(title: str, lines: Sequence[str]) -> bytes:
    """A one-page PDF with the sample mark, TITLE and LINES (the Info dictionary keeps the
    Vietnamese with its diacritics)."""
    shown = (SAMPLE_MARK, "UBND XÃ ĐẠI PHƯỚC", title, *lines)
    stream = "BT /F1 12 Tf 16 TL 56 780 Td\n"
    stream += "".join(f"({_pdf_text(line)}) Tj T*\n" for line in shown) + "ET\n"
    body = stream.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Title {_utf16(title)} /Subject {_utf16(SAMPLE_MARK)} "
        f"/Creator (nqsync demo) >>".encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


Color = tuple[int, int, int]


@dataclass
class _Canvas:
    width: int
    height: int
    background: Color
    pixels: list[list[Color]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pixels = [[self.background] * self.width for _ in range(self.height)]

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        for y in range(max(0, y0), min(self.height, y1)):
            for x in range(max(0, x0), min(self.width, x1)):
                self.pixels[y][x] = color


def _bars(values: Sequence[float], target: float) -> _Canvas:
    canvas = _Canvas(96, 64, (255, 255, 255))
    canvas.rect(8, 4, 9, 60, (64, 64, 64))
    canvas.rect(8, 59, 92, 60, (64, 64, 64))
    for i, value in enumerate(values):
        top = 59 - round(value * 0.55)
        canvas.rect(20 + i * 36, top, 44 + i * 36, 59, (46, 117, 182))
    line = 59 - round(target * 0.55)
    canvas.rect(9, line, 92, line + 1, (192, 0, 0))
    return canvas


def _screenshot() -> _Canvas:
    canvas = _Canvas(120, 80, (245, 245, 245))
    canvas.rect(0, 0, 120, 12, (0, 84, 166))
    canvas.rect(4, 4, 40, 8, (255, 255, 255))
    for i in range(6):
        y = 18 + i * 10
        canvas.rect(6, y, 114, y + 7, (255, 255, 255))
        canvas.rect(8, y + 2, 30 + 11 * i, y + 5, (120, 120, 120))
        canvas.rect(96, y + 2, 110, y + 5, (34, 139, 34))
    return canvas


def _png(canvas: _Canvas, title: str) -> bytes:
    """A true-colour PNG of CANVAS with the sample mark and TITLE in an iTXt chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(
        b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in canvas.pixels
    )
    header = struct.pack(">IIBBBBB", canvas.width, canvas.height, 8, 2, 0, 0, 0)
    description = f"{SAMPLE_MARK} – {title}".encode()
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        chunk(b"IHDR", header),
        chunk(b"tEXt", b"Software\x00nqsync demo"),
        chunk(b"iTXt", b"Description\x00\x00\x00vi\x00\x00" + description),
        chunk(b"IDAT", zlib.compress(raw, 9)),
        chunk(b"IEND", b""),
    ))


def _classroom() -> list[list[int]]:
    wall, board, desk, head = 225, 40, 150, 70
    return [
        [wall, board, board, board, board, board, board, wall],
        [wall, board, board, board, board, board, board, wall],
        [wall] * 8,
        [head, wall, head, wall, head, wall, head, wall],
        [desk] * 8,
        [head, desk, head, desk, head, desk, head, desk],
    ]


def _outdoor() -> list[list[int]]:
    sky, roof, tent, ground = 235, 90, 180, 120
    return [
        [sky] * 8,
        [sky, roof, roof, roof, sky, sky, roof, roof],
        [sky, tent, tent, tent, sky, sky, tent, tent],
        [ground, tent, 60, tent, ground, 60, tent, tent],
        [ground] * 8,
    ]


def _jpeg(blocks: Sequence[Sequence[int]], title: str) -> bytes:
    """A baseline greyscale JPEG of 8×8 blocks of the grey levels BLOCKS, with the sample mark
    and TITLE in a comment segment."""

    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    height, width = 8 * len(blocks), 8 * len(blocks[0])
    dc_symbols = bytes(range(12))
    bits: list[str] = []
    previous = 0
    for row in blocks:
        for level in row:
            value = level - 128
            diff, previous = value - previous, value
            size = abs(diff).bit_length()
            bits.append(format(size, "04b"))
            if size:
                bits.append(format(diff if diff > 0 else diff + (1 << size) - 1, f"0{size}b"))
            bits.append("0")
    stream = "".join(bits)
    stream += "1" * (-len(stream) % 8)
    scan = bytes(int(stream[i : i + 8], 2) for i in range(0, len(stream), 8))
    comment = f"{SAMPLE_MARK} – {title}".encode()
    dc_counts = bytes([0, 0, 0, len(dc_symbols)] + [0] * 12)
    ac_counts = bytes([1] + [0] * 15)
    return b"".join((
        b"\xff\xd8",
        segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xFE, comment),
        segment(0xDB, b"\x00" + bytes([8] * 64)),
        segment(0xC0, struct.pack(">BHHBBBB", 8, height, width, 1, 1, 0x11, 0)),
        segment(0xC4, b"\x00" + dc_counts + dc_symbols + b"\x10" + ac_counts + b"\x00"),
        segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0])),
        scan.replace(b"\xff", b"\xff\x00"),
        b"\xff\xd9",
    ))


# public names for the benchmarks' data sets (flows.benchmarks.datasets) ----------------------

DEMO_ASSIGNMENTS = _ASSIGNMENTS
Month = _Month
ReportRow = _Row
UnitReport = _Report
fill_report = _fill
pdf_bytes = _pdf
put_file = _put
xlsx_bytes = _xlsx_bytes
