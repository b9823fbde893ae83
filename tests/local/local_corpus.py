"""A corpus of broken and hostile inputs for the local reader, generated at test time.

Each `Case` builds one source folder (and, when it needs one, files outside it) and states
the exact outcome: the records it gives (file, row, target code) and the errors (file, row,
column and a pattern of the reason). Nothing here is committed as a binary: workbooks are
written with openpyxl and, for the hostile ones, their XML is then rewritten in the ZIP.
Headers and sheet names are written out on purpose, not imported from the code under test.
"""

import os
import re
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from models.records import ReadResult

HEADERS = [
    "Mã chỉ tiêu",
    "Tên chỉ tiêu",
    "Kỳ báo cáo",
    "Giá trị thực hiện",
    "Tỷ lệ hoàn thành (%)",
    "Tình trạng",
    "Ghi chú",
    "Người báo cáo",
    "Tệp minh chứng",
    "Số hiệu văn bản",
    "Ngày ban hành",
]
GOOD = ["1.5.17", None, "11/2026", 87.5, 90, "Đang thực hiện"]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
MIB = 1024 * 1024

REPORT = "Báo cáo"
UNIT = "Đơn vị"
ACTUAL = "Giá trị thực hiện"
PROGRESS = "Tỷ lệ hoàn thành (%)"
PERIOD = "Kỳ báo cáo"
EVIDENCE = "Tệp minh chứng"
NOT_XLSX = r"^Không mở được tệp Excel: tệp bị hỏng hoặc không phải định dạng \.xlsx$"
NOT_REGULAR = r"^Không phải tệp thông thường \(ống dẫn, thiết bị, socket hoặc thư mục\)"
OUTSIDE = r"^Tệp là liên kết trỏ ra ngoài thư mục nguồn: không đọc$"
UNCACHED = r"^Ô có công thức nhưng không có giá trị đã tính sẵn .*Excel \(hoặc LibreOffice\)"

Row = Sequence[object]
ErrorSpec = tuple[str, str, int | None, str | None, str]
"""(file, sheet, row, column, pattern of the reason)."""
RecordSpec = tuple[str, int, str]
"""(file, row, target code)."""


@dataclass(frozen=True)
class Case:
    """One broken or hostile input and the exact outcome it must have."""

    name: str
    build: Callable[[Path, Path], None]
    """Writes the case into (source folder, a folder outside the source)."""
    records: tuple[RecordSpec, ...] = ()
    errors: tuple[ErrorSpec, ...] = ()
    source_error: str | None = None
    """A pattern of the SourceError when the whole source is refused."""
    source: str = ""
    """The path read as SOURCE, relative to the case's folder (`""`: the folder)."""
    check: Callable[[ReadResult], None] | None = field(default=None, compare=False)
    """Further assertions on the ReadResult."""


# writers ------------------------------------------------------------------------------------


def sheet_of(wb: Workbook, title: str) -> Worksheet:
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = title
    return ws


def workbook(
    path: Path,
    rows: Sequence[Row] = (GOOD,),
    *,
    headers: Sequence[str | None] = HEADERS,
    unit: Sequence[Row] | None = None,
    edit: Callable[[Workbook, Worksheet], None] | None = None,
) -> None:
    """A report workbook: header on row 1, ROWS below; a `Đơn vị` sheet with UNIT's rows
    (default: the template's layout for VHXH)."""
    wb = Workbook()
    ws = sheet_of(wb, REPORT)
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    units = wb.create_sheet(UNIT)
    for row in unit if unit is not None else [["Mã đơn vị", "Tên đơn vị"], ["VHXH", ""]]:
        units.append(list(row))
    if edit is not None:
        edit(wb, ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def rewrite(path: Path, member: str, change: Callable[[bytes], bytes]) -> None:
    """Rewrite one member of a ZIP file (the others are copied as they are)."""
    with zipfile.ZipFile(path) as old:
        parts = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in parts:
            new.writestr(info.filename, change(data) if info.filename == member else data)


SHEET1 = "xl/worksheets/sheet1.xml"


def good(folder: Path, name: str = "VHXH_2026-11.xlsx", rows: Sequence[Row] = (GOOD,)) -> None:
    workbook(folder / name, rows)


def cp1258(text: str) -> bytes:
    """TEXT as Windows-1258 writes Vietnamese: base letters with ^, ˘ and the horn
    precomposed, tone marks as combining characters."""
    out: list[str] = []
    base = -1
    for char in unicodedata.normalize("NFD", text):
        if char in "\u0302\u0306\u031b" and base >= 0:
            out[base] = unicodedata.normalize("NFC", out[base] + char)
            continue
        if not unicodedata.combining(char):
            base = len(out)
        out.append(char)
    return "".join(out).encode("cp1258")


def csv_text(lines: Sequence[str]) -> str:
    return "\n".join([",".join(HEADERS), *lines]) + "\n"


def patch_declared_size(path: Path, member: str, size: int) -> None:
    """Lie about MEMBER's uncompressed size in the ZIP's central directory."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name:
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def sparse(path: Path, head: bytes, size: int) -> None:
    with path.open("wb") as stream:
        stream.write(head)
        stream.truncate(size)


def err(
    file: str, row: int | None, column: str | None, reason: str, sheet: str = REPORT
) -> ErrorSpec:
    return (file, sheet, row, column, reason)


def file_err(file: str, reason: str, sheet: str = "") -> ErrorSpec:
    return (file, sheet, None, None, reason)


W = "VHXH_2026-11.xlsx"


# unit sheet ---------------------------------------------------------------------------------


def _unit(rows: Sequence[Row]) -> Callable[[Path, Path], None]:
    return lambda src, _: workbook(src / W, unit=rows)


def _unit_formula(src: Path, _: Path) -> None:
    workbook(src / W, unit=[["Mã đơn vị", "Tên đơn vị"], ['=LEFT("VHXH",4)', None]])


# report columns and values ------------------------------------------------------------------


def _without_actual(src: Path, _: Path) -> None:
    workbook(
        src / W,
        [["1.5.17", None, "11/2026", 90, "Đang thực hiện"]],
        headers=[h for h in HEADERS if h != ACTUAL],
    )


def _actual_under_merge(src: Path, _: Path) -> None:
    def merge(_: Workbook, ws: Worksheet) -> None:
        ws.merge_cells("C1:D1")

    workbook(src / W, edit=merge)


def _formula(cell: str, formula: str, cached: str | None = None) -> Callable[[Path, Path], None]:
    def build(src: Path, _: Path) -> None:
        def put(_: Workbook, ws: Worksheet) -> None:
            ws[cell] = formula

        row = ["1.5.24", None, "11/2026", 100, 100, "Hoàn thành"]
        workbook(src / W, [row], edit=put)
        if cached is not None:
            rewrite(src / W, SHEET1, lambda xml: xml.replace(b"<v />", cached.encode(), 1))

    return build


def _rows(*rows: Row) -> Callable[[Path, Path], None]:
    return lambda src, _: workbook(src / W, rows)


# containers ---------------------------------------------------------------------------------


def _pad(path: Path, size: int) -> None:
    """Blow the first sheet's XML up by SIZE spaces (whitespace XML allows)."""
    rewrite(path, SHEET1, lambda xml: xml.replace(b"<sheetData>", b" " * size + b"<sheetData>"))


def _zip_bomb(src: Path, _: Path) -> None:
    good(src, "bom.xlsx")
    _pad(src / "bom.xlsx", 70 * MIB)


def _ratio_bomb(src: Path, _: Path) -> None:
    good(src, "ti_le.xlsx")
    _pad(src / "ti_le.xlsx", 8 * MIB)


def _declared_size(src: Path, _: Path) -> None:
    good(src, "khai_gian.xlsx")
    patch_declared_size(src / "khai_gian.xlsx", SHEET1, 0xFFFF_FFF0)


def _many_members(src: Path, _: Path) -> None:
    good(src, "nhieu.xlsx")
    with zipfile.ZipFile(src / "nhieu.xlsx", "a") as archive:
        for i in range(10_001):
            archive.writestr(f"xl/extra/{i}.bin", b"")


def _entity_bomb(src: Path, _: Path) -> None:
    good(src, "thuc_the.xlsx")
    lol = b"".join(b'<!ENTITY l%d "' % i + (b"&l%d;" % (i - 1)) * 10 + b'">' for i in range(1, 10))
    doctype = b'<!DOCTYPE worksheet [<!ENTITY l0 "lol">' + lol + b"]>"
    cell = b'<sheetData><row r="9"><c r="G9" t="str"><v>&l9;</v></c></row>'

    def inject(xml: bytes) -> bytes:
        declaration = re.match(rb"<\?xml[^>]*\?>", xml)
        at = declaration.end() if declaration else 0
        return (xml[:at] + doctype + xml[at:]).replace(b"<sheetData>", cell, 1)

    rewrite(src / "thuc_the.xlsx", SHEET1, inject)


def _merged_bomb(src: Path, _: Path) -> None:
    good(src, "gop_o.xlsx")
    rewrite(
        src / "gop_o.xlsx",
        SHEET1,
        lambda xml: xml.replace(
            b"</sheetData>",
            b'</sheetData><mergeCells count="1"><mergeCell ref="A3:XFD1048576"/></mergeCells>',
        ),
    )


def _far_value(src: Path, _: Path) -> None:
    def far(_: Workbook, ws: Worksheet) -> None:
        ws["XFD1048576"] = "x"

    workbook(src / "o_xa.xlsx", edit=far)


def _far_style(src: Path, _: Path) -> None:
    def far(_: Workbook, ws: Worksheet) -> None:
        ws["XFD1048576"].number_format = "0%"

    workbook(src / W, edit=far)


def _malformed_xml(src: Path, _: Path) -> None:
    good(src, "xml_hong.xlsx")
    rewrite(src / "xml_hong.xlsx", SHEET1, lambda xml: xml[: len(xml) // 2])


def _truncated(src: Path, _: Path) -> None:
    good(src, "cat_ngan.xlsx")
    data = (src / "cat_ngan.xlsx").read_bytes()
    (src / "cat_ngan.xlsx").write_bytes(data[: len(data) // 2])


def _docx_as_xlsx(src: Path, _: Path) -> None:
    with zipfile.ZipFile(src / "van_ban.xlsx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")


def _bytes(name: str, data: bytes) -> Callable[[Path, Path], None]:
    return lambda src, _: (src / name).write_bytes(data)


def _two_reports(src: Path, _: Path) -> None:
    def second(wb: Workbook, _: Worksheet) -> None:
        wb.create_sheet("BÁO CÁO ").append(HEADERS)

    workbook(src / W, edit=second)


# special files and links --------------------------------------------------------------------


def _fifo_workbook(src: Path, _: Path) -> None:
    good(src)
    os.mkfifo(src / "ong_dan.xlsx")


def _fifo_source(src: Path, _: Path) -> None:
    os.mkfifo(src / "nguon.xlsx")


def _link_out(src: Path, outside: Path) -> None:
    good(outside, "that.xlsx")
    (src / "lien_ket.xlsx").symlink_to(outside / "that.xlsx")


def _link_dangling(src: Path, _: Path) -> None:
    (src / "hong.xlsx").symlink_to(src / "khong_co.xlsx")


def _link_loop(src: Path, _: Path) -> None:
    (src / "a.xlsx").symlink_to(src / "b.xlsx")
    (src / "b.xlsx").symlink_to(src / "a.xlsx")


def _with_evidence(name: str, make: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    def build(src: Path, outside: Path) -> None:
        make(src, outside)
        row = ["1.5.24", None, "11/2026", 100, 100, "Hoàn thành", None, None, name]
        workbook(src / W, [row])

    return build


def _evidence_link_out(src: Path, outside: Path) -> None:
    (outside / "mat.pdf").write_bytes(PDF)
    (src / "bb.pdf").symlink_to(outside / "mat.pdf")


def _evidence_link_in(src: Path, _: Path) -> None:
    (src / "goc").mkdir()
    (src / "goc" / "that.pdf").write_bytes(PDF)
    (src / "bb.pdf").symlink_to(src / "goc" / "that.pdf")


# CSV ----------------------------------------------------------------------------------------


def _unit_is(result: ReadResult, code: str) -> None:
    assert [r.unit_code for r in result.records] == [code]


def _progress_is(result: ReadResult, progress: Decimal) -> None:
    assert [r.progress_percent for r in result.records] == [progress]


CSV_ROW = '1.5.17,,11/2026,"87,5",90,Đang thực hiện,Đã cấp tài khoản cho người dân ấp Hòa Bình,,,,'


def _check_cp1258(result: ReadResult) -> None:
    assert [r.note for r in result.records] == ["Đã cấp tài khoản cho người dân ấp Hòa Bình"]


CASES: tuple[Case, ...] = (
    # the unit sheet in either layout, resolved by code, else name, else an error naming both
    Case(
        "don_vi_nhan_doc_cot_a",
        _unit([["Mã đơn vị", "VPUB"], ["Tên đơn vị", "Văn phòng HĐND-UBND xã"]]),
        records=((W, 2, "1.5.17"),),
        check=lambda r: _unit_is(r, "VPUB"),
    ),
    Case(
        "don_vi_nhan_co_dau_hai_cham_gia_tri_o_cot_c",
        _unit([["Đơn vị báo cáo"], ["Mã đơn vị:", None, "dtn"], ["Tên đơn vị:", None, None]]),
        records=((W, 2, "1.5.17"),),
        check=lambda r: _unit_is(r, "DTN"),
    ),
    Case(
        "don_vi_ma_la_ten_dung",
        _unit([["Mã đơn vị", "Tên đơn vị"], ["CA", "Cong an xa"]]),
        records=((W, 2, "1.5.17"),),
        check=lambda r: _unit_is(r, "CAX"),
    ),
    Case(
        "don_vi_ma_va_ten_deu_la",
        _unit([["Mã đơn vị", "XX"], ["Tên đơn vị", "Phòng Không Có"]]),
        errors=(
            err(
                W,
                1,
                "Mã đơn vị",
                r"^Đơn vị không có trong danh mục: mã 'XX' và tên "
                r"'Phòng Không Có' \(các mã: VHXH, ",
                sheet=UNIT,
            ),
        ),
    ),
    Case(
        "don_vi_ma_va_ten_khong_khop",
        _unit([["Mã đơn vị", "Tên đơn vị"], ["CAX", "Đoàn Thanh niên"]]),
        errors=(
            err(
                W,
                2,
                "Mã đơn vị",
                r"^Mã đơn vị 'CAX' \(Công an xã\) và tên đơn vị "
                r"'Đoàn Thanh niên' \(DTN\) không khớp nhau$",
                sheet=UNIT,
            ),
        ),
    ),
    Case(
        "don_vi_trang_trong",
        _unit([]),
        errors=(
            err(
                W,
                None,
                None,
                r"^Không tìm thấy nhãn 'Mã đơn vị' hay 'Tên đơn vị' trên "
                r"trang tính 'Đơn vị'$",
                sheet=UNIT,
            ),
        ),
    ),
    Case(
        "don_vi_nhan_khong_gia_tri",
        _unit([["Mã đơn vị"], ["Tên đơn vị"]]),
        errors=(err(W, 2, "Mã đơn vị", r"^Thiếu mã đơn vị và tên đơn vị$", sheet=UNIT),),
    ),
    Case(
        "don_vi_cong_thuc_chua_tinh",
        _unit_formula,
        errors=(err(W, 2, "Mã đơn vị", UNCACHED, sheet=UNIT),),
    ),
    # every value the plan needs is required
    Case(
        "thieu_cot_gia_tri",
        _without_actual,
        errors=(err(W, 1, None, r"^Thiếu cột: Giá trị thực hiện$"),),
    ),
    Case(
        "cot_gia_tri_bi_o_gop_che",
        _actual_under_merge,
        errors=(err(W, 1, None, r"^Thiếu cột: Giá trị thực hiện$"),),
    ),
    Case(
        "o_gia_tri_trong",
        _rows(["1.5.17", None, "11/2026", None, 90, "Đang thực hiện"]),
        errors=(
            err(W, 2, ACTUAL, r"^Thiếu giá trị thực hiện \(chỉ tiêu 1\.5\.17 tính bằng '%'\)$"),
        ),
    ),
    Case(
        "o_ty_le_trong",
        _rows(["1.3.3", None, "11/2026", 350, None, "Đang thực hiện"]),
        errors=(err(W, 2, PROGRESS, r"^Thiếu tỷ lệ hoàn thành$"),),
    ),
    Case(
        "cot_moc_khong_can_gia_tri",
        _rows(["1.5.26", None, "11/2026", None, 10, "Đang thực hiện"]),
        records=((W, 2, "1.5.26"),),
    ),
    Case(
        "cong_thuc_chua_tinh_o_gia_tri",
        _formula("D2", "=99+1"),
        errors=(err(W, 2, ACTUAL, UNCACHED),),
    ),
    Case(
        "cong_thuc_chua_tinh_o_ghi_chu",
        _formula("G2", '=CONCATENATE("a","b")'),
        errors=(err(W, 2, "Ghi chú", UNCACHED),),
    ),
    Case(
        "cong_thuc_co_gia_tri_nhieu_so_le_la_100",
        _formula("E2", "=100*(1-1E-16)", "<v>99.99999999999999</v>"),
        records=((W, 2, "1.5.24"),),
        check=lambda r: _progress_is(r, Decimal(100)),
    ),
    # ranges per target kind
    Case(
        "phan_tram_am",
        _rows(["1.5.17", None, "11/2026", -5, 10, "Đang thực hiện"]),
        errors=(err(W, 2, ACTUAL, r"là tỷ lệ phần trăm, phải từ 0 đến 100: -5$"),),
    ),
    Case(
        "phan_tram_10_mu_15",
        _rows(["1.5.17", None, "11/2026", 10**15, 10, "Đang thực hiện"]),
        errors=(err(W, 2, ACTUAL, r"^Giá trị thực hiện quá lớn: 1\.000\.000\.000\.000\.000 "),),
    ),
    Case(
        "phan_tram_101",
        _rows(["1.5.17", None, "11/2026", "101%", 10, "Đang thực hiện"]),
        errors=(err(W, 2, ACTUAL, r"phải từ 0 đến 100: 101$"),),
    ),
    Case(
        "so_luong_10_mu_15",
        _rows(["1.3.3", None, "11/2026", "1.000.000.000.000.000", 10, "Đang thực hiện"]),
        errors=(err(W, 2, ACTUAL, r"^Giá trị thực hiện quá lớn: "),),
    ),
    Case(
        "so_luong_am",
        _rows(["1.3.3", None, "11/2026", -3, 10, "Đang thực hiện"]),
        errors=(err(W, 2, ACTUAL, r"\(người\) không được là số âm: -3$"),),
    ),
    Case(
        "thu_hang_0",
        _rows(["1.5.1", None, "11/2026", 0, 10, "Đang thực hiện"]),
        errors=(err(W, 2, ACTUAL, r"là thứ hạng, phải là số nguyên từ 1 trở lên: 0$"),),
    ),
    Case(
        "ty_le_la_dung_sai",
        _rows(["1.5.17", None, "11/2026", 80, True, "Đang thực hiện"]),
        errors=(err(W, 2, PROGRESS, r"^Tỷ lệ hoàn thành không phải là số: 'True'$"),),
    ),
    # the status against the value and the completion
    Case(
        "hoan_thanh_10_phan_tram",
        _rows(["1.5.17", None, "11/2026", 95, 10, "Hoàn thành"]),
        errors=(
            err(
                W,
                2,
                PROGRESS,
                r"^Tình trạng 'Hoàn thành' nhưng tỷ lệ hoàn thành là 10%: "
                r"chỉ tiêu hoàn thành phải đạt 100%$",
            ),
        ),
    ),
    Case(
        "hoan_thanh_chua_dat_chi_tieu",
        _rows(["1.5.17", None, "11/2026", 50, 100, "HT"]),
        errors=(
            err(
                W,
                2,
                ACTUAL,
                r"^Tình trạng 'Hoàn thành' nhưng giá trị thực hiện 50 chưa đạt "
                r"chỉ tiêu 1\.5\.17 \(≥ 90%\)$",
            ),
        ),
    ),
    Case(
        "chua_thuc_hien_40_phan_tram",
        _rows(["1.5.17", None, "11/2026", 40, 40, "Chưa thực hiện"]),
        errors=(err(W, 2, PROGRESS, r"^Tình trạng 'Chưa thực hiện' nhưng tỷ lệ hoàn thành"),),
    ),
    Case(
        "dang_thuc_hien_da_100_phan_tram_duoc_nhan",
        _rows(["1.5.17", None, "11/2026", 92, 100, "Đang thực hiện"]),
        records=((W, 2, "1.5.17"),),
    ),
    # periods outside the plan's year
    Case(
        "ky_11_2025",
        _rows(["1.5.17", None, "11/2025", 80, 80, "Đang thực hiện"]),
        errors=(err(W, 2, PERIOD, r"^Kỳ báo cáo 11/2025 nằm ngoài năm của Kế hoạch \(2026\)"),),
    ),
    Case(
        "ky_01_2027",
        _rows(["1.5.17", None, "Tháng 1/2027", 80, 80, "Đang thực hiện"]),
        errors=(err(W, 2, PERIOD, r"^Kỳ báo cáo 01/2027 nằm ngoài năm của Kế hoạch"),),
    ),
    # evidence files: the push's rules at validate time
    Case(
        "minh_chung_exe_doi_ten_pdf",
        _with_evidence(
            "bb.pdf", lambda s, _: (s / "bb.pdf").write_bytes(b"MZ\x90\x00" + b"\0" * 60)
        ),
        errors=(err(W, 2, EVIDENCE, r"^Tệp bb\.pdf không phải PDF, JPEG, PNG, DOCX hay XLSX"),),
    ),
    Case(
        "minh_chung_0_byte",
        _with_evidence("bb.pdf", lambda s, _: (s / "bb.pdf").write_bytes(b"")),
        errors=(err(W, 2, EVIDENCE, r"^Tệp minh chứng bb\.pdf rỗng \(0 byte\)\.$"),),
    ),
    Case(
        "minh_chung_11_mib",
        _with_evidence("bb.pdf", lambda s, _: sparse(s / "bb.pdf", PDF, 11 * MIB)),
        errors=(
            err(
                W,
                2,
                EVIDENCE,
                r"^Tệp bb\.pdf quá lớn \(11,0 MiB, tối đa 10 MiB, giới hạn "
                r"của theodoinq\)\.$",
            ),
        ),
    ),
    Case(
        "minh_chung_ong_dan",
        _with_evidence("bb.pdf", lambda s, _: os.mkfifo(s / "bb.pdf")),
        errors=(err(W, 2, EVIDENCE, r"^Tệp minh chứng bb\.pdf không phải tệp thông thường"),),
    ),
    Case(
        "minh_chung_lien_ket_ra_ngoai",
        _with_evidence("bb.pdf", _evidence_link_out),
        errors=(err(W, 2, EVIDENCE, r"^Tệp minh chứng bb\.pdf trỏ ra ngoài thư mục nguồn"),),
    ),
    Case(
        "minh_chung_lien_ket_ben_trong",
        _with_evidence("bb.pdf", _evidence_link_in),
        records=((W, 2, "1.5.24"),),
    ),
    Case(
        "minh_chung_duong_dan_ra_ngoai",
        _with_evidence("../ngoai.pdf", lambda s, _: (s.parent / "ngoai.pdf").write_bytes(PDF)),
        errors=(
            err(W, 2, EVIDENCE, r"^Tệp minh chứng nằm ngoài thư mục nguồn: '\.\./ngoai\.pdf'$"),
        ),
    ),
    Case(
        "minh_chung_duong_dan_tuyet_doi",
        _with_evidence("/etc/passwd", lambda s, _: None),
        errors=(err(W, 2, EVIDENCE, r"^Tệp minh chứng phải ghi đường dẫn tương đối"),),
    ),
    Case(
        "minh_chung_la_thu_muc",
        _with_evidence("bb.pdf", lambda s, _: (s / "bb.pdf").mkdir()),
        errors=(err(W, 2, EVIDENCE, r"^Không tìm thấy tệp minh chứng: 'bb\.pdf'$"),),
    ),
    Case(
        "minh_chung_png_hop_le",
        _with_evidence("anh.png", lambda s, _: (s / "anh.png").write_bytes(PNG)),
        records=((W, 2, "1.5.24"),),
    ),
    # workbook files that are not what they claim
    Case(
        "xlsx_0_byte",
        _bytes("rong.xlsx", b""),
        errors=(file_err("rong.xlsx", r"^Tệp rỗng \(0 byte\)$"),),
    ),
    Case(
        "xlsx_la_van_ban",
        _bytes("chu.xlsx", b"khong phai excel\n"),
        errors=(file_err("chu.xlsx", NOT_XLSX),),
    ),
    Case("xlsx_bi_cat_ngan", _truncated, errors=(file_err("cat_ngan.xlsx", NOT_XLSX),)),
    Case(
        "xlsx_co_mat_khau_ole",
        _bytes("mat_khau.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
        errors=(file_err("mat_khau.xlsx", NOT_XLSX),),
    ),
    Case("xlsx_la_docx", _docx_as_xlsx, errors=(file_err("van_ban.xlsx", NOT_XLSX),)),
    Case("xlsx_xml_hong", _malformed_xml, errors=(file_err("xml_hong.xlsx", NOT_XLSX),)),
    Case(
        "xls_cu",
        _bytes("cu.xls", b"\xd0\xcf\x11\xe0 legacy"),
        errors=(file_err("cu.xls", r"^Định dạng \.xls \(Excel 97-2003\) không được hỗ trợ"),),
    ),
    Case(
        "bom_nen_70_mib",
        _zip_bomb,
        errors=(
            file_err(
                "bom.xlsx",
                r"^Tệp Excel khi giải nén lớn 70 MiB \(tối đa 64 MiB\): "
                r"có thể là 'bom nén', không mở$",
            ),
        ),
    ),
    Case(
        "bom_nen_ti_le",
        _ratio_bomb,
        errors=(
            file_err(
                "ti_le.xlsx",
                r"^Thành phần 'xl/worksheets/sheet1\.xml' của tệp Excel "
                r"nén gấp \d+ lần \(tối đa 100 lần\)",
            ),
        ),
    ),
    Case(
        "kich_thuoc_khai_bao_4_gib",
        _declared_size,
        errors=(file_err("khai_gian.xlsx", r"^Tệp Excel khi giải nén lớn 4096 MiB"),),
    ),
    Case(
        "qua_nhieu_thanh_phan",
        _many_members,
        errors=(file_err("nhieu.xlsx", r"^Tệp Excel có 100\d\d thành phần \(tối đa 10000\)"),),
    ),
    Case(
        "bom_thuc_the_xml",
        _entity_bomb,
        errors=(file_err("thuc_the.xlsx", r"có khai báo DOCTYPE \(tệp Excel thật không có\)"),),
    ),
    Case(
        "gop_o_ca_trang",
        _merged_bomb,
        errors=(file_err("gop_o.xlsx", r"^Tệp Excel gộp ô trên hơn 1\.000\.000 ô"),),
    ),
    Case(
        "gia_tri_o_xfd1048576",
        _far_value,
        errors=(file_err("o_xa.xlsx", r"^Trang tính 'Báo cáo' có dữ liệu ở ô XFD1048576, quá xa"),),
    ),
    Case("dinh_dang_o_xfd1048576", _far_style, records=((W, 2, "1.5.17"),)),
    Case(
        "hai_trang_bao_cao",
        _two_reports,
        errors=(file_err(W, r"^Có nhiều trang tính cùng tên 'Báo cáo'"),),
    ),
    # special files and links
    Case(
        "ong_dan_ten_xlsx",
        _fifo_workbook,
        records=((W, 2, "1.5.17"),),
        errors=(file_err("ong_dan.xlsx", NOT_REGULAR),),
    ),
    Case(
        "nguon_la_ong_dan",
        _fifo_source,
        source="nguon.xlsx",
        source_error=r"^Nguồn dữ liệu không phải tệp hay thư mục thông thường: ",
    ),
    Case("lien_ket_ra_ngoai", _link_out, errors=(file_err("lien_ket.xlsx", OUTSIDE),)),
    Case(
        "lien_ket_hong",
        _link_dangling,
        errors=(file_err("hong.xlsx", r"^Không tìm thấy tệp \(có thể là liên kết hỏng\)$"),),
    ),
    Case(
        "lien_ket_vong_lap",
        _link_loop,
        errors=(
            file_err("a.xlsx", r"^Liên kết vòng lặp, không trỏ tới tệp nào$"),
            file_err("b.xlsx", r"^Liên kết vòng lặp, không trỏ tới tệp nào$"),
        ),
    ),
    # CSV files
    Case(
        "csv_cp1258",
        lambda s, _: (s / "CAX_2026-11.csv").write_bytes(cp1258(csv_text([CSV_ROW]))),
        records=(("CAX_2026-11.csv", 2, "1.5.17"),),
        check=_check_cp1258,
    ),
    Case(
        "csv_utf16_bom",
        lambda s, _: (s / "CAX_2026-11.csv").write_bytes(csv_text([CSV_ROW]).encode("utf-16")),
        records=(("CAX_2026-11.csv", 2, "1.5.17"),),
    ),
    Case(
        "csv_utf16_khong_bom",
        lambda s, _: (s / "CAX_2026-11.csv").write_bytes(csv_text([CSV_ROW]).encode("utf-16-le")),
        errors=(file_err("CAX_2026-11.csv", r"^Tệp CSV chứa ký tự NUL"),),
    ),
    Case(
        "csv_ma_khong_doc_duoc",
        _bytes("CAX_2026-11.csv", b"M\x81 ch\x8a ti\x8du,K\x90 b\x9a\n"),
        errors=(
            file_err(
                "CAX_2026-11.csv",
                r"^Không đọc được tệp CSV: nội dung không theo mã UTF-8 "
                r"\(có hoặc không có BOM\) hay Windows-1258 \(cp1258\)",
            ),
        ),
    ),
    Case(
        "csv_tcvn3_doc_nham",
        _bytes("CAX_2026-11.csv", b"M\xb8 ch\xd6 ti\xaau,K\xfa b\xb8o c\xb8o\n1.5.17,11/2026\n"),
        errors=(
            file_err(
                "CAX_2026-11.csv",
                r"^Không tìm thấy dòng tiêu đề .* đã được đọc theo mã "
                r"Windows-1258 \(cp1258\)",
            ),
        ),
    ),
    Case(
        "csv_bom_utf8_sai",
        _bytes("CAX_2026-11.csv", b"\xef\xbb\xbfM\xe3 ch\xec ti\xeau\n"),
        errors=(file_err("CAX_2026-11.csv", r"^Tệp CSV có dấu BOM UTF-8 nhưng nội dung"),),
    ),
    Case(
        "csv_0_byte",
        _bytes("CAX_2026-11.csv", b""),
        errors=(file_err("CAX_2026-11.csv", r"^Tệp rỗng"),),
    ),
    Case(
        "csv_21_mib",
        lambda s, _: sparse(s / "CAX_2026-11.csv", csv_text([]).encode(), 21 * MIB),
        errors=(file_err("CAX_2026-11.csv", r"^Tệp CSV quá lớn \(21 MiB, tối đa 20 MiB\)"),),
    ),
    Case(
        "csv_truong_qua_dai",
        lambda s, _: (s / "CAX_2026-11.csv").write_text(
            csv_text(['1.5.17,,11/2026,1,1,"' + "x" * 200_000])
        ),
        errors=(file_err("CAX_2026-11.csv", r"^Tệp CSV sai định dạng ở dòng 2$"),),
    ),
)
