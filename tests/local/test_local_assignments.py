from datetime import date
from pathlib import Path

import pytest

from connectors.local.assignments import assigned_targets, read_assignments
from connectors.local.grid import SourceError
from models.assignment import SIX_RO, Assignment, AssignmentSet
from models.catalogue import targets
from models.records import SourceRef

FIXTURE = Path(__file__).parent / "fixtures" / "assignments" / "phan_cong.xlsx"
SHEET = "Phân công"
CHAIR = "Chủ tịch UBND xã"


@pytest.fixture(scope="module")
def assignment_set() -> AssignmentSet:
    return read_assignments(FIXTURE)


def at(row: int) -> SourceRef:
    return SourceRef(file="phan_cong.xlsx", sheet=SHEET, row=row)


def test_assignment_rows_read_into_the_model(assignment_set: AssignmentSet) -> None:
    """Units by code or name (old tone, en dash), `;`/`,` lists, `(n)` codes under headings,
    dates, months, quarters and standing duties, NFD headers and sheet name."""
    assert assignment_set.assignments == (
        Assignment(
            target_code="1.1.1",
            lead_unit="VHXH",
            supporting_units=("CAX",),
            responsible_person="Lê Văn Em",
            product="Báo cáo phủ sóng",
            approving_authority=CHAIR,
            source=at(4),
        ),
        Assignment(
            target_code="1.2.2",
            lead_unit=None,
            supporting_units=("VHXH",),
            responsible_person="Ngô Thị Hoa",
            product="Danh sách học viên",
            deadline=date(2026, 6, 30),
            deadline_text="30/06/2026",
            approving_authority=CHAIR,
            source=at(6),
        ),
        Assignment(
            target_code="1.2.3",
            lead_unit="VHXH",
            supporting_units=("VPUB",),
            responsible_person="Ngô Thị Hoa",
            product="Báo cáo",
            deadline=date(2026, 12, 31),
            deadline_text="12/2026",
            approving_authority=CHAIR,
            source=at(7),
        ),
        Assignment(
            target_code="1.5.17",
            lead_unit="CAX",
            supporting_units=("VHXH", "TCNS"),
            responsible_person="Đại úy Trần Văn Phú",
            product="Số tài khoản VNeID",
            deadline=date(2026, 12, 31),
            deadline_text="2026-12-31",
            approving_authority=CHAIR,
            source=at(9),
        ),
        Assignment(
            target_code="1.5.18",
            lead_unit="CAX",
            responsible_person="Trần Văn Phú",
            product="Số chữ ký số",
            deadline=date(2026, 12, 31),
            deadline_text="Quý IV/2026",
            source=at(10),
        ),
        Assignment(
            target_code="1.5.24",
            lead_unit="CAX",
            supporting_units=("VHXH",),
            other_supporters=("các doanh nghiệp viễn thông",),
            product="Số người được định danh",
            deadline_text="Thường xuyên",
            approving_authority=CHAIR,
            source=at(11),
        ),
    )


def test_assignment_row_errors(assignment_set: AssignmentSet) -> None:
    """An unreadable deadline, an unknown lead unit and an unknown code are row errors."""
    assert [(e.file, e.sheet, e.row, e.column, e.reason) for e in assignment_set.errors] == [
        (
            "phan_cong.xlsx",
            SHEET,
            4,
            "Thời hạn",
            "Thời hạn không hợp lệ: 'sớm nhất có thể' (ví dụ: 31/12/2026)",
        ),
        (
            "phan_cong.xlsx",
            SHEET,
            6,
            "Đơn vị chủ trì",
            "Đơn vị không có trong danh mục: 'Phòng Nội vụ'",
        ),
        (
            "phan_cong.xlsx",
            SHEET,
            12,
            "Mã chỉ tiêu",
            "Mã chỉ tiêu không có trong Kế hoạch: '(99)' (1.5.99)",
        ),
    ]


def test_missing_6ro_findings(assignment_set: AssignmentSet) -> None:
    """A target lacking any of the six is a finding naming what is missing; a target with no
    row at all lacks all six; complete assignments give none."""
    findings = {f.target_code: f for f in assignment_set.findings}
    assert all(f.kind == "missing_6ro" for f in findings.values())
    assert [
        (f.missing, f.message, f.source)
        for c, f in findings.items()
        if c in ("1.1.1", "1.2.2", "1.5.18", "1.5.24")
    ] == [
        (("thời hạn",), "Chỉ tiêu 1.1.1 chưa đủ “6 rõ”: thiếu thời hạn", at(4)),
        (("đơn vị chủ trì",), "Chỉ tiêu 1.2.2 chưa đủ “6 rõ”: thiếu đơn vị chủ trì", at(6)),
        (
            ("đơn vị phối hợp", "thẩm quyền phê duyệt"),
            "Chỉ tiêu 1.5.18 chưa đủ “6 rõ”: thiếu đơn vị phối hợp, thẩm quyền phê duyệt",
            at(10),
        ),
        (("người phụ trách",), "Chỉ tiêu 1.5.24 chưa đủ “6 rõ”: thiếu người phụ trách", at(11)),
    ]
    listed = {"1.1.1", "1.2.2", "1.2.3", "1.5.17", "1.5.18", "1.5.24"}
    unassigned = [t.code for t in targets() if t.code not in listed]
    assert len(unassigned) == 38
    for code in unassigned:
        assert findings[code].missing == SIX_RO
        assert findings[code].message == f"Chỉ tiêu {code} chưa được phân công"
        assert findings[code].source is None
    assert "1.2.3" not in findings and "1.5.17" not in findings
    assert len(findings) == 42


def test_assigned_targets_as_lead_or_supporting(assignment_set: AssignmentSet) -> None:
    """A unit's targets are those it leads or supports, in the plan's order."""
    assert assigned_targets(assignment_set, "VHXH") == (
        "1.1.1",
        "1.2.2",
        "1.2.3",
        "1.5.17",
        "1.5.24",
    )
    assert assigned_targets(assignment_set, "tcns") == ("1.5.17",)
    assert assigned_targets(assignment_set, "CAX") == ("1.1.1", "1.5.17", "1.5.18", "1.5.24")
    assert assigned_targets(assignment_set, "DTN") == ()


def test_conflicting_duplicate_assignments(tmp_path: Path) -> None:
    """Two different rows for one target are errors on both; identical rows count once; a
    row without a code is an error."""
    lines = [
        "Mã chỉ tiêu;Đơn vị chủ trì;Đơn vị phối hợp;Người phụ trách;Sản phẩm;Thời hạn;"
        "Thẩm quyền phê duyệt",
        "1.5.17;CAX;VHXH;A;B;31/12/2026;C",
        "1.5.17;VHXH;CAX;A;B;31/12/2026;C",
        "1.5.18;CAX;VHXH;A;B;31/12/2026;C",
        "1.5.18;CAX;VHXH;A;B;31/12/2026;C",
        ";CAX;VHXH;A;B;31/12/2026;C",
    ]
    path = tmp_path / "phan_cong.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = read_assignments(path)
    assert [a.target_code for a in result.assignments] == ["1.5.18"]
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "Mã chỉ tiêu", "Chỉ tiêu 1.5.17 được phân công ở nhiều dòng khác nhau (2, 3)"),
        (3, "Mã chỉ tiêu", "Chỉ tiêu 1.5.17 được phân công ở nhiều dòng khác nhau (2, 3)"),
        (6, "Mã chỉ tiêu", "Thiếu mã chỉ tiêu"),
    ]


def test_unreadable_assignment_files(tmp_path: Path) -> None:
    """A missing file, another format or a workbook without `Phân công` is a SourceError."""
    with pytest.raises(SourceError, match=r"^Không tìm thấy tệp phân công: "):
        read_assignments(tmp_path / "none.xlsx")
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(SourceError, match=r"^Tệp phân công phải là \.xlsx hoặc \.csv: "):
        read_assignments(tmp_path / "a.txt")
    report = Path(__file__).parent / "fixtures" / "merged" / "TCNS_2026-11.xlsx"
    with pytest.raises(
        SourceError, match=r"^Tệp TCNS_2026-11.xlsx không có trang tính 'Phân công'$"
    ):
        read_assignments(report)
