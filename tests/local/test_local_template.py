import hashlib
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from connectors.local.reader import read_source
from flows.workbook_commands import template_command
from models.catalogue import targets
from models.records import EvidenceFile, ProgressRecord, SourceRef, Status

ASSIGNMENTS = Path(__file__).parent / "fixtures" / "assignments" / "phan_cong.xlsx"
DESIGN_HEADERS = [
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


def sheet(workbook: openpyxl.Workbook, name: str) -> Worksheet:
    ws = workbook[name]
    assert isinstance(ws, Worksheet)
    return ws


def codes_and_titles(ws: Worksheet) -> list[tuple[object, object]]:
    return [(r[0], r[1]) for r in ws.iter_rows(min_row=4, max_col=2, values_only=True) if r[0]]


def test_template_layout_for_a_unit_without_assignment(tmp_path: Path) -> None:
    """Sheets, exact headers on row 3, all 44 targets under section headings, the status list,
    and the `Đơn vị` sheet."""
    out = tmp_path / "DTN.xlsx"
    assert template_command("dtn", out) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Báo cáo", "Đơn vị", "Hướng dẫn"]
    report = sheet(wb, "Báo cáo")
    assert [c.value for c in report[3]] == DESIGN_HEADERS
    expected: list[tuple[object, object]] = []
    for t in targets():
        if t.item == 1:
            expected.append((t.section, t.section_title))
        expected.append((t.code, t.title))
    assert codes_and_titles(report) == expected
    lists = [v for v in report.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"Chưa thực hiện,Đang thực hiện,Hoàn thành,Quá hạn"'
    assert str(lists[0].sqref).startswith("F4:F")
    units = sheet(wb, "Đơn vị")
    assert [[c.value for c in r] for r in units["A1:B2"]] == [
        ["Mã đơn vị", "Tên đơn vị"],
        ["DTN", "Đoàn Thanh niên"],
    ]


def test_template_prefills_the_assigned_targets(tmp_path: Path) -> None:
    """With an assignment workbook, only the unit's targets (lead or supporting) are listed."""
    out = tmp_path / "VHXH.xlsx"
    assert template_command("VHXH", out, ASSIGNMENTS) == 0
    report = sheet(openpyxl.load_workbook(out), "Báo cáo")
    assert [code for code, _ in codes_and_titles(report)] == [
        "1.1",
        "1.1.1",
        "1.2",
        "1.2.2",
        "1.2.3",
        "1.5",
        "1.5.17",
        "1.5.24",
    ]


def test_a_filled_in_template_reads_back_exactly(tmp_path: Path) -> None:
    """Rows filled in the template read back as exactly those records; unfilled rows give
    nothing, and the title rows above the header are no trouble."""
    out = tmp_path / "VHXH_2026-11.xlsx"
    assert template_command("VHXH", out, ASSIGNMENTS) == 0
    (tmp_path / "bb.pdf").write_bytes(b"%PDF-1.4 bien ban so 60")
    wb = openpyxl.load_workbook(out)
    report = sheet(wb, "Báo cáo")
    rows = {r[0].value: r[0].row for r in report.iter_rows(min_row=4, max_col=1)}
    filled = {
        "1.1.1": [date(2026, 11, 1), 0.625, 70, "Đang thực hiện", "Ấp 3 chưa phủ", "Lê An"],
        "1.2.3": [
            date(2026, 11, 1),
            100,
            100,
            "Hoàn thành",
            None,
            "Lê An",
            "bb.pdf",
            "60/KH-UBND",
            date(2026, 11, 20),
        ],
        "1.5.24": ["11/2026", "95,5", 96, "Quá hạn", None, "Lê An"],
    }
    for code, values in filled.items():
        for offset, value in enumerate(values):
            report.cell(rows[code], 3 + offset, value)
    report.cell(rows["1.1.1"], 4).number_format = "0.0%"
    wb.save(out)
    result = read_source(tmp_path)

    def record(code: str, **fields: object) -> ProgressRecord:
        source = SourceRef(file=out.name, sheet="Báo cáo", row=rows[code])
        return ProgressRecord(
            unit_code="VHXH",
            target_code=code,
            period="2026-11",
            reporter="Lê An",
            source=source,
            **fields,
        )  # type: ignore[arg-type]

    content = b"%PDF-1.4 bien ban so 60"
    bb = EvidenceFile(path="bb.pdf", sha256=hashlib.sha256(content).hexdigest(), size=len(content))
    assert result.records == (
        record(
            "1.1.1",
            actual=62.5,
            progress_percent=70,
            status=Status.IN_PROGRESS,
            note="Ấp 3 chưa phủ",
        ),
        record(
            "1.2.3",
            actual=100,
            progress_percent=100,
            status=Status.COMPLETED,
            evidence=(bb,),
            document_number="60/KH-UBND",
            issue_date="2026-11-20",
        ),
        record("1.5.24", actual=95.5, progress_percent=96, status=Status.OVERDUE),
    )
    assert result.errors == ()


def test_default_output_is_the_unit_code_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --out the workbook is `<UNIT_CODE>_bao_cao.xlsx` here; it is never overwritten."""
    monkeypatch.chdir(tmp_path)
    assert template_command("cax", None) == 0
    assert (tmp_path / "CAX_bao_cao.xlsx").is_file()
    assert capsys.readouterr().out.startswith(
        "Đã ghi mẫu báo cáo của Công an xã (CAX), 44 chỉ tiêu"
    )
    before = (tmp_path / "CAX_bao_cao.xlsx").read_bytes()
    assert template_command("CAX", None) == 2
    assert (
        capsys.readouterr().err
        == f"Lỗi: tệp đã có, không ghi đè: {tmp_path / 'CAX_bao_cao.xlsx'} "
        "(thêm --force để ghi đè)\n"
    )
    assert (tmp_path / "CAX_bao_cao.xlsx").read_bytes() == before


@pytest.mark.parametrize(
    ("unit", "out", "assignments", "message"),
    [
        (
            "XYZ",
            "x.xlsx",
            None,
            "Lỗi: mã đơn vị không có trong danh mục: 'XYZ' (các mã: VHXH, "
            "VPDU, VPUB, CAX, BXDD, MTTQ, TCNS, DTN, PKT)",
        ),
        ("VHXH", "x.xls", None, "Lỗi: tệp mẫu phải có đuôi .xlsx: {tmp}/x.xls"),
        ("VHXH", "none/x.xlsx", None, "Lỗi: không có thư mục: {tmp}/none"),
        ("VHXH", "x.xlsx", "none.xlsx", "Lỗi: Không tìm thấy tệp phân công: {tmp}/none.xlsx"),
    ],
)
def test_template_refusals_are_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    unit: str,
    out: str,
    assignments: str | None,
    message: str,
) -> None:
    """An unknown unit, a wrong suffix, a missing folder or assignment file: exit 2, one line."""
    code = template_command(unit, tmp_path / out, tmp_path / assignments if assignments else None)
    assert code == 2
    assert capsys.readouterr().err == message.format(tmp=tmp_path) + "\n"


def test_template_header_is_protected_and_data_cells_stay_editable(tmp_path: Path) -> None:
    """The `Báo cáo` sheet is protected (no password): title and header rows locked, every
    cell of the data rows unlocked; inserting rows and formatting stay allowed."""
    out = tmp_path / "VHXH.xlsx"
    assert template_command("VHXH", out) == 0
    report = sheet(openpyxl.load_workbook(out), "Báo cáo")
    assert report.protection.sheet is True and not report.protection.password
    assert report.protection.insertRows is False and report.protection.formatColumns is False
    for row in (1, 2, 3):
        assert all(report.cell(row, c).protection.locked for c in range(1, 12))
    assert [c.value for c in report[3]] == DESIGN_HEADERS
    last = report.max_row
    for row in (4, 5, last):
        assert not any(report.cell(row, c).protection.locked for c in range(1, 12)), row


def test_template_validates_the_period_as_a_month_of_the_plans_year(tmp_path: Path) -> None:
    """`Kỳ báo cáo` has a date validation from 1/1 to 31/12 of 2026 on every data row, with
    its message in Vietnamese; the status list and the 0–100 completion remain."""
    out = tmp_path / "VHXH.xlsx"
    assert template_command("VHXH", out) == 0
    report = sheet(openpyxl.load_workbook(out), "Báo cáo")
    by_type = {v.type: v for v in report.data_validations.dataValidation}
    assert set(by_type) == {"date", "list", "decimal"}
    period = by_type["date"]
    assert (period.operator, period.formula1, period.formula2) == (
        "between",
        "DATE(2026,1,1)",
        "DATE(2026,12,31)",
    )
    assert str(period.sqref) == f"C4:C{report.max_row}"
    assert period.showErrorMessage and period.error == "Nhập một tháng của năm 2026, ví dụ 11/2026"
    assert (by_type["decimal"].formula1, by_type["decimal"].formula2) == ("0", "100")


def test_the_guide_keeps_its_instructions_and_documents_both_unit_layouts(tmp_path: Path) -> None:
    """`Hướng dẫn` still explains filling in and evidence, and describes both `Đơn vị` layouts;
    a workbook whose `Đơn vị` sheet follows the second layout reads back with its unit."""
    out = tmp_path / "CAX_2026-11.xlsx"
    assert template_command("DTN", out) == 0
    wb = openpyxl.load_workbook(out)
    guide = "\n".join(str(r[0]) for r in sheet(wb, "Hướng dẫn").iter_rows(values_only=True))
    assert "Mỗi dòng là một chỉ tiêu được giao" in guide
    assert "Báo cáo Hoàn thành phải có minh chứng" in guide
    assert "dòng tiêu đề 'Mã đơn vị', 'Tên đơn vị' ở ô A1, B1 và giá trị ngay bên dưới" in guide
    assert "ghi nhãn dọc cột A: 'Mã đơn vị' ở ô A1, 'Tên đơn vị' ở ô A2" in guide
    assert "giá trị ở ô bên phải (B1, B2)" in guide
    del wb["Đơn vị"]
    units = wb.create_sheet("Đơn vị")
    units.append(["Mã đơn vị", "CAX"])
    units.append(["Tên đơn vị", "Công an xã"])
    report = sheet(wb, "Báo cáo")
    row = next(r[0].row for r in report.iter_rows(min_row=4, max_col=1) if r[0].value == "1.5.17")
    for offset, value in enumerate(["11/2026", 88, 98, "Đang thực hiện"]):
        report.cell(row, 3 + offset, value)
    wb.save(out)
    result = read_source(out)
    assert result.errors == ()
    assert [(r.unit_code, r.target_code, r.source.row) for r in result.records] == [
        ("CAX", "1.5.17", row)
    ]
