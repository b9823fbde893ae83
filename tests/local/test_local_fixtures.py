"""Each golden fixture folder under fixtures/ read as a SOURCE: exact records, exact errors."""

import hashlib
from pathlib import Path

from connectors.local.reader import read_source
from models.records import EvidenceFile, ProgressRecord, ReadResult, SourceRef, Status

FIXTURES = Path(__file__).parent / "fixtures"
C, P, N, LATE = Status.COMPLETED, Status.IN_PROGRESS, Status.NOT_STARTED, Status.OVERDUE
REPORT = "Báo cáo"


def read(name: str) -> ReadResult:
    return read_source(FIXTURES / name)


def ev(path: str, content: bytes) -> EvidenceFile:
    return EvidenceFile(path=path, sha256=hashlib.sha256(content).hexdigest(), size=len(content))


def rec(
    where: tuple[str, int],
    unit: str,
    code: str,
    actual: float | None,
    progress: float | None,
    status: Status,
    *,
    period: str = "2026-11",
    note: str = "",
    reporter: str = "",
    evidence: tuple[EvidenceFile, ...] = (),
    document_number: str = "",
    issue_date: str | None = None,
    sheet: str = REPORT,
) -> ProgressRecord:
    file, row = where
    return ProgressRecord(
        unit_code=unit,
        target_code=code,
        period=period,
        actual=actual,
        progress_percent=progress,
        status=status,
        note=note,
        reporter=reporter,
        evidence=evidence,
        document_number=document_number,
        issue_date=issue_date,
        source=SourceRef(file=file, sheet=sheet, row=row),
    )


def errors(result: ReadResult) -> list[tuple[str, str, int | None, str | None, str]]:
    return [(e.file, e.sheet, e.row, e.column, e.reason) for e in result.errors]


def test_merged_cells_two_row_header_and_merged_headings() -> None:
    """A merged period, reporter and note apply to every row of their range; a two-row merged
    header is found; merged section headings and the prefilled row 8 are skipped."""
    result = read("merged")
    f = "TCNS_2026-11.xlsx"
    vneid = ev("vneid.pdf", b"%PDF-1.4\nBao cao VNeID thang 11/2026\n")
    note, an = "Theo số liệu của Công an xã", "Nguyễn Văn An"
    assert result.records == (
        rec((f, 6), "TCNS", "1.5.17", 92.3, 100, C, note=note, reporter=an, evidence=(vneid,)),
        rec((f, 7), "TCNS", "1.5.18", 48, 96, P, note=note, reporter=an),
        rec((f, 9), "TCNS", "1.5.24", 100, 100, C, reporter=an, evidence=(vneid,)),
        rec((f, 12), "TCNS", "1.2.2", 100, 100, C, reporter="Lê Thị Cúc"),
    )
    assert result.errors == ()


def test_nfd_headers_sheet_names_and_text() -> None:
    """NFD, upper-case, line-broken, NBSP headers in another order and NFD sheet names are
    found; NFD text is stored NFC with spaces collapsed; a unit found by its old-tone name; a
    `%` target's empty measured value is an error at its cell."""
    result = read("nfd")
    f, sheet, binh = "CAX_2026-11.xlsx", "BÁO CÁO", "Trần Thị Bình"
    assert result.records == (
        rec(
            (f, 3),
            "CAX",
            "1.5.17",
            87.5,
            87.5,
            P,
            note="Đã cấp 1.234 tài khoản",
            reporter=binh,
            sheet=sheet,
        ),
        rec((f, 4), "CAX", "1.5.24", 100, 100, C, reporter=binh, sheet=sheet),
        rec((f, 6), "CAX", "1.5.7", 60, 60, LATE, reporter=binh, sheet=sheet),
        rec((f, 7), "CAX", "1.5.9", 90, 100, C, reporter=binh, sheet=sheet),
        rec(("mat_tran.xlsx", 2), "MTTQ", "1.4.4", 75, 75, P),
    )
    assert errors(result) == [
        (
            f,
            sheet,
            5,
            "Giá trị thực hiện",
            "Thiếu giá trị thực hiện (chỉ tiêu 1.5.22 tính bằng '%')",
        )
    ]


def test_percent_formats_and_vietnamese_numbers() -> None:
    """Percent-formatted cells, `87,5%`, `87,5`, `50 %`, `1.234`, `1.234,5`; out-of-range
    completion and percentages for non-% targets are errors at their cells."""
    result = read("percent")
    f = "VPUB_2026-11.xlsx"
    assert result.records == (
        rec((f, 3), "VPUB", "1.5.7", 87.5, 90, P),
        rec((f, 4), "VPUB", "1.5.8", 87.5, 87.5, P),
        rec((f, 5), "VPUB", "1.5.9", 87.5, 87.5, P),
        rec((f, 6), "VPUB", "1.5.10", 87.5, 50, P),
        rec((f, 7), "VPUB", "1.3.3", 1234, 100, C),
        rec((f, 8), "VPUB", "1.2.6", 1234.5, 50, P),
        rec((f, 9), "VPUB", "1.5.1", 8, 100, C),
    )
    assert errors(result) == [
        (f, REPORT, 10, "Tỷ lệ hoàn thành (%)", "Tỷ lệ hoàn thành phải từ 0 đến 100: 150"),
        (
            f,
            REPORT,
            11,
            "Giá trị thực hiện",
            "Giá trị thực hiện của chỉ tiêu 1.4.5 tính bằng 'mô hình', không phải phần trăm: '50%'",
        ),
        (
            f,
            REPORT,
            12,
            "Giá trị thực hiện",
            "Giá trị thực hiện của chỉ tiêu 1.3.1 tính bằng "
            "'mô hình/năm', không phải phần trăm: '5%'",
        ),
        (f, REPORT, 13, "Tỷ lệ hoàn thành (%)", "Tỷ lệ hoàn thành phải từ 0 đến 100: 120"),
    ]


def test_excel_dates_and_period_texts() -> None:
    """Datetimes, dates, `27/11/2026`, `11/2026`, `11-2026`, `Tháng 11/2026`, `2026-11` give
    the month; issue dates are days; bad or missing periods and dates are errors."""
    result = read("dates")
    f = "DTN_2026-11.xlsx"
    assert result.records == (
        rec((f, 2), "DTN", "1.5.2", 90, 90, P),
        rec((f, 3), "DTN", "1.5.3", 90, 90, P, period="2026-10"),
        rec(
            (f, 4), "DTN", "1.5.4", 90, 90, P, document_number="60/KH-UBND", issue_date="2026-11-20"
        ),
        rec(
            (f, 5), "DTN", "1.5.5", 90, 90, P, document_number="61/KH-UBND", issue_date="2026-11-20"
        ),
        rec((f, 6), "DTN", "1.5.6", 90, 90, P),
        rec((f, 7), "DTN", "1.5.13", 90, 90, P),
        rec((f, 8), "DTN", "1.5.14", 90, 90, P),
    )
    assert errors(result) == [
        (f, REPORT, 9, "Kỳ báo cáo", "Kỳ báo cáo không hợp lệ: '13/2026' (ví dụ: 11/2026)"),
        (f, REPORT, 10, "Kỳ báo cáo", "Thiếu kỳ báo cáo"),
        (
            f,
            REPORT,
            11,
            "Ngày ban hành",
            "Ngày ban hành không hợp lệ: '31/02/2026' (ví dụ: 27/11/2026)",
        ),
    ]


def test_section_headings_and_item_codes() -> None:
    """`(n)` codes take the section of the heading above (in the code or title column, by
    number or as a number cell); orphan, unknown, malformed and missing codes are errors."""
    result = read("sections")
    f = "VPDU_2026-11.xlsx"
    assert result.records == (
        rec((f, 6), "VPDU", "1.2.2", 100, 100, C),
        rec((f, 7), "VPDU", "1.2.3", 80, 80, P),
        rec((f, 9), "VPDU", "1.5.17", 91, 100, C),
        rec((f, 14), "VPDU", "1.1.2", 70, 100, C),
        rec((f, 16), "VPDU", "1.3.4", 1, 100, C),
    )
    assert errors(result) == [
        (
            f,
            REPORT,
            4,
            "Mã chỉ tiêu",
            "Mã chỉ tiêu '(1)' thiếu mục: không có dòng tiêu đề mục "
            "(ví dụ '1.5. Phát triển chuyển đổi số') ở phía trên",
        ),
        (f, REPORT, 10, "Mã chỉ tiêu", "Mã chỉ tiêu không có trong Kế hoạch: '1.5.(99)' (1.5.99)"),
        (f, REPORT, 11, "Mã chỉ tiêu", "Mã chỉ tiêu không có trong Kế hoạch: '(27)' (1.5.27)"),
        (f, REPORT, 12, "Mã chỉ tiêu", "Mã chỉ tiêu không hợp lệ: 'abc' (ví dụ: 1.5.17)"),
        (f, REPORT, 13, "Mã chỉ tiêu", "Thiếu mã chỉ tiêu"),
    ]


def test_hidden_sheets_are_ignored() -> None:
    """A hidden stale `Bao cao`, a very hidden list sheet and a hidden `Don vi` are not read."""
    result = read("hidden")
    f = "BXDD_2026-11.xlsx"
    assert result.records == (
        rec((f, 2), "BXDD", "1.5.21", 100, 100, C),
        rec((f, 3), "BXDD", "1.5.25", None, 40, P),
    )
    assert result.errors == ()


def test_bad_cells_missing_evidence_and_duplicates() -> None:
    """Each bad cell is an error at its row and column; a row naming an absent evidence file
    yields no record; conflicting duplicates are errors on both rows, identical ones one record;
    evidence names with `\\` and line breaks resolve and are listed once."""
    result = read("bad_cells")
    f = "MTTQ_2026-11.xlsx"
    bien_ban = ev("bien_ban.pdf", b"%PDF-1.4\nBien ban nghiem thu\n")
    anh = ev("minh_chung/anh 1.jpg", b"\xff\xd8\xff\xe0anh chup san pham\n")
    assert result.records == (
        rec(
            (f, 2),
            "MTTQ",
            "1.5.17",
            91,
            100,
            C,
            reporter="Phạm Văn Dũng",
            evidence=(bien_ban,),
            document_number="60/KH-UBND",
            issue_date="2026-11-20",
        ),
        rec((f, 10), "MTTQ", "1.4.3", 100, 100, C, evidence=(bien_ban,)),
        rec((f, 12), "MTTQ", "1.4.2", 85, 100, C, evidence=(anh, bien_ban)),
    )
    differ = "nhưng khác giá trị: Giá trị thực hiện, Tỷ lệ hoàn thành (%), Ghi chú"
    assert errors(result) == [
        (f, REPORT, 3, "Giá trị thực hiện", "Giá trị thực hiện không phải là số: 'abc'"),
        (f, REPORT, 4, "Tỷ lệ hoàn thành (%)", "Tỷ lệ hoàn thành phải từ 0 đến 100: -5"),
        (
            f,
            REPORT,
            4,
            "Tình trạng",
            "Tình trạng không hợp lệ: 'xong'; chọn một trong: "
            "Chưa thực hiện, Đang thực hiện, Hoàn thành, Quá hạn",
        ),
        (f, REPORT, 5, "Tệp minh chứng", "Không tìm thấy tệp minh chứng: 'thieu.pdf'"),
        (f, REPORT, 6, "Tình trạng", "Thiếu tình trạng"),
        (f, REPORT, 7, "Giá trị thực hiện", "Giá trị thực hiện không phải là số: '#DIV/0!'"),
        (f, REPORT, 8, None, f"Trùng chỉ tiêu 1.4.4, kỳ 11/2026, đơn vị MTTQ với dòng 9 {differ}"),
        (f, REPORT, 9, None, f"Trùng chỉ tiêu 1.4.4, kỳ 11/2026, đơn vị MTTQ với dòng 8 {differ}"),
    ]


def test_csv_files_unit_from_column_or_file_name() -> None:
    """CSV with BOM and commas, or `;` with title rows and a `Mã đơn vị` column (code or
    name); unknown or missing units are errors, a file with no way to know its unit is one;
    1.234 on a `%` target is out of range."""
    result = read("csv")
    assert result.records == (
        rec(
            ("CAX_2026-11.csv", 2), "CAX", "1.5.17", 87.5, 87.5, P, reporter="Công an xã", sheet=""
        ),
        rec(("CAX_2026-11.csv", 3), "CAX", "1.5.24", 100, 100, C, reporter="Công an xã", sheet=""),
        rec(("tong_hop.csv", 3), "DTN", "1.2.4", 60, 60, P, sheet=""),
    )
    assert errors(result) == [
        (
            "XYZ_2026-11.csv",
            "",
            None,
            "Mã đơn vị",
            "Không xác định được đơn vị: tệp CSV cần "
            "cột 'Mã đơn vị' hoặc tên tệp bắt đầu bằng mã đơn vị (ví dụ VHXH_2026-11.csv)",
        ),
        (
            "tong_hop.csv",
            "",
            4,
            "Giá trị thực hiện",
            "Giá trị thực hiện của chỉ tiêu 1.5.19 là tỷ lệ phần trăm, phải từ 0 đến 100: 1.234",
        ),
        ("tong_hop.csv", "", 5, "Mã đơn vị", "Đơn vị không có trong danh mục: 'XYZ'"),
        (
            "tong_hop.csv",
            "",
            6,
            "Mã đơn vị",
            "Thiếu mã đơn vị (tên tệp không bắt đầu bằng mã đơn vị)",
        ),
    ]


def test_unreadable_files_are_one_error_each() -> None:
    """Corrupt, legacy, report-less, header-less, hidden-report and unit-less workbooks are one
    error each; lock files, hidden files and folders and non-workbooks are skipped; a workbook
    named as evidence is evidence, not an error."""
    result = read("files")
    table = (FIXTURES / "files" / "bang_tong_hop.xlsx").read_bytes()
    assert result.records == (
        rec(
            ("VHXH_2026-11.xlsx", 2),
            "VHXH",
            "1.5.20",
            16,
            100,
            C,
            evidence=(ev("bang_tong_hop.xlsx", table),),
        ),
    )
    no_report = "Không có trang tính 'Báo cáo' (trang bị ẩn không được đọc)"
    assert errors(result) == [
        (
            "corrupt.xlsx",
            "",
            None,
            None,
            "Không mở được tệp Excel: tệp bị hỏng hoặc không phải định dạng .xlsx",
        ),
        ("hidden_report.xlsx", REPORT, None, None, no_report),
        ("missing_columns.xlsx", REPORT, 2, None, "Thiếu cột: Kỳ báo cáo, Tình trạng"),
        (
            "no_header.xlsx",
            REPORT,
            None,
            None,
            "Không tìm thấy dòng tiêu đề có cột 'Mã chỉ tiêu' "
            "trong 20 dòng đầu của trang tính 'Báo cáo'",
        ),
        ("no_report.xlsx", REPORT, None, None, no_report),
        (
            "no_unit_sheet.xlsx",
            "Đơn vị",
            None,
            None,
            "Không có trang tính 'Đơn vị' (ghi mã và tên đơn vị)",
        ),
        (
            "old.xls",
            "",
            None,
            None,
            "Định dạng .xls (Excel 97-2003) không được hỗ trợ: hãy lưu lại thành .xlsx",
        ),
        (
            "unknown_unit.xlsx",
            "Đơn vị",
            2,
            "Mã đơn vị",
            "Đơn vị không có trong danh mục: mã 'XYZ' "
            "(các mã: VHXH, VPDU, VPUB, CAX, BXDD, MTTQ, TCNS, DTN, PKT)",
        ),
    ]
    assert [f.path for f in result.files] == [
        "VHXH_2026-11.xlsx",
        "corrupt.xlsx",
        "hidden_report.xlsx",
        "missing_columns.xlsx",
        "no_header.xlsx",
        "no_report.xlsx",
        "no_unit_sheet.xlsx",
        "old.xls",
        "unknown_unit.xlsx",
    ]


def test_source_may_be_a_single_file_and_paths_are_relative_to_it() -> None:
    """A single workbook as SOURCE: paths relative to its folder; a nested file keeps its
    sub-path when its parent folder is the SOURCE."""
    single = read_source(FIXTURES / "merged" / "TCNS_2026-11.xlsx")
    assert single.records == read("merged").records
    whole = read_source(FIXTURES)
    nested = [r for r in whole.records if r.unit_code == "TCNS"]
    assert [r.source.file for r in nested] == ["merged/TCNS_2026-11.xlsx"] * 4
    assert nested[0].evidence[0].path == "merged/vneid.pdf"
