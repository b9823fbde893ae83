import hashlib
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from connectors.filecheck import sniff_type
from connectors.local.assignments import read_assignments
from connectors.local.reader import read_source
from connectors.planning import is_completion
from flows.demo_data import DemoSource, write_demo_source
from flows.plan_warnings import compute_warnings
from flows.selection import select_commune_figures
from models.assignment import SIX_RO, AssignmentSet
from models.catalogue import get
from models.records import ReadResult, Status

TODAY = date(2026, 11, 27)
MARK = "DỮ LIỆU MẪU – chỉ dùng để chạy thử"
REPORT = "Báo cáo"
UNITS = ("CAX", "DTN", "PKT", "TCNS", "VHXH", "VPUB")


@dataclass(frozen=True)
class Demo:
    demo: DemoSource
    read: ReadResult
    assignments: AssignmentSet


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    written = write_demo_source(tmp_path_factory.mktemp("demo"), TODAY)
    return Demo(written, read_source(written.source), read_assignments(written.assignments))


def files_of(demo: DemoSource) -> list[Path]:
    found = [p for p in demo.source.rglob("*") if p.is_file()]
    return sorted([demo.assignments, *found])


def evidence_files(demo: DemoSource) -> list[Path]:
    return [p for p in files_of(demo) if p.suffix in (".pdf", ".png", ".jpg")]


def test_layout_and_periods(demo: Demo) -> None:
    """Periods are the previous and the current month; one workbook per unit per period, the
    assignment workbook outside the source folder."""
    assert demo.demo.periods == ("2026-10", "2026-11")
    assert demo.demo.assignments.parent == demo.demo.source.parent
    workbooks = sorted(f.path for f in demo.read.files)
    assert workbooks == sorted(f"{u}/{u}_{p}.xlsx" for u in UNITS for p in demo.demo.periods)
    assert {r.period for r in demo.read.records} == set(demo.demo.periods)
    assert {r.unit_code for r in demo.read.records} == set(UNITS)


def test_row_errors_are_exactly_the_deliberate_ones(demo: Demo) -> None:
    """A bad number cell and a named evidence file that does not exist; nothing else."""
    found = [(e.file, e.sheet, e.row, e.column) for e in demo.read.errors]
    assert found == [
        ("CAX/CAX_2026-10.xlsx", REPORT, 14, "Tệp minh chứng"),
        ("PKT/PKT_2026-10.xlsx", REPORT, 6, "Giá trị thực hiện"),
    ]
    assert "BC_dinh_danh_so_T10.pdf" in demo.read.errors[0].reason
    assert "khoảng 63" in demo.read.errors[1].reason


def test_records_and_values_that_make_sense(demo: Demo) -> None:
    assert len(demo.read.records) == 42
    by_key = {r.key: r for r in demo.read.records}

    def actual(unit: str, code: str) -> list[Decimal | None]:
        return [by_key[(unit, code, p)].actual for p in demo.demo.periods]

    assert actual("CAX", "1.5.17") == [Decimal("87.5"), Decimal("89")]
    assert actual("VHXH", "1.3.3") == [Decimal(350), Decimal(420)]
    assert actual("PKT", "1.1.1") == [Decimal(55), Decimal(58)]
    assert actual("VHXH", "1.2.5") == [Decimal("76.4"), Decimal("78.9")]
    statuses = {r.status for r in demo.read.records}
    assert statuses == {Status.IN_PROGRESS, Status.COMPLETED}
    assert all(r.reporter.endswith("(mẫu)") for r in demo.read.records)


def test_the_only_completion_without_evidence_is_held(demo: Demo) -> None:
    held = [r for r in demo.read.records if not r.evidence and is_completion(r, get(r.target_code))]
    assert [r.key for r in held] == [("DTN", "1.3.1", "2026-11")]
    assert held[0].status is Status.COMPLETED
    assert held[0].evidence == ()
    assert held[0].document_number == "15/BC-ĐTN"


def test_assignment_findings(demo: Demo) -> None:
    found = demo.assignments
    assert found.errors == ()
    assert len(found.assignments) == 43
    assert [(f.target_code, f.missing) for f in found.findings] == [
        ("1.2.6", ("người phụ trách", "sản phẩm")),
        ("1.5.8", ("đơn vị phối hợp", "thẩm quyền phê duyệt")),
        ("1.5.22", SIX_RO),
    ]
    assert all(a.deadline is None or a.deadline >= TODAY for a in found.assignments)


def test_leads_report_their_targets_and_one_key_has_no_lead(demo: Demo) -> None:
    """The commune figure is the lead's; 1.5.17 is also reported by a supporting unit; 1.5.22
    (no assignment) is reported by two units with different figures in the current month."""
    selection = select_commune_figures(demo.read.records, demo.assignments)
    assert [(r.target_code, r.period, r.unit_code) for r, _ in selection.skipped] == [
        ("1.5.22", "2026-11", "DTN"),
        ("1.5.22", "2026-11", "PKT"),
    ]
    assert "chưa phân công" in selection.skipped[0][1]
    assert {r.actual for r, _ in selection.skipped} == {Decimal("81.5"), Decimal("83.2")}
    reporters = {
        (r.target_code, r.period): r.unit_code
        for r in demo.read.records
        if r.target_code == "1.5.17"
    }
    assert set(reporters) == {("1.5.17", p) for p in demo.demo.periods}
    chosen = {(r.target_code, r.period): r.unit_code for r in selection.selected}
    assert chosen[("1.5.17", "2026-10")] == chosen[("1.5.17", "2026-11")] == "CAX"
    two = {r.unit_code for r in demo.read.records if r.target_code == "1.5.17"}
    assert two == {"CAX", "TCNS"}
    for record in selection.selected:
        assignment = demo.assignments.for_target(record.target_code)
        if record.target_code == "1.5.22":
            assert assignment is None
        else:
            assert assignment is not None and assignment.lead_unit == record.unit_code


def test_warnings_show_each_deliberate_mistake_once(demo: Demo) -> None:
    selection = select_commune_figures(demo.read.records, demo.assignments)
    warnings = compute_warnings(demo.read.records, {}, selection.selected, demo.assignments, TODAY)
    found = [(w.kind, w.target_code, w.period, w.unit_code) for w in warnings]
    assert found == [
        ("behind_schedule", "1.5.26", "2026-11", "VPUB"),
        ("evidence_missing", "1.3.1", "2026-11", "DTN"),
        ("missing_6ro", "1.2.6", None, None),
        ("missing_6ro", "1.5.8", None, None),
        ("missing_6ro", "1.5.22", None, None),
    ]


def test_everything_is_marked_as_sample(demo: Demo) -> None:
    for path in files_of(demo.demo):
        if path.suffix == ".xlsx":
            workbook = openpyxl.load_workbook(path)
            sheet = workbook[REPORT] if path != demo.demo.assignments else workbook["Phân công"]
            titles = [str(sheet.cell(r, 1).value or "") for r in (1, 2)]
            assert any(MARK in t for t in titles), path
            assert workbook.properties.title == MARK
        elif path.suffix == ".pdf":
            content = path.read_bytes()
            assert b"(DU LIEU MAU - chi dung de chay thu) Tj" in content
            assert MARK.encode("utf-16-be").hex().upper().encode() in content
        elif path.suffix in (".png", ".jpg"):
            assert MARK.encode() in path.read_bytes(), path
        else:
            assert path.name == "README_DU_LIEU_MAU.txt"
            assert MARK.upper() in path.read_text(encoding="utf-8")


def test_workbook_text_is_nfc(demo: Demo) -> None:
    for path in files_of(demo.demo):
        if path.suffix != ".xlsx":
            continue
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, str):
                        assert unicodedata.is_normalized("NFC", value), (path, value)


def png_pixels(content: bytes) -> tuple[int, int, bytes, dict[bytes, bytes]]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks, idat = 8, {}, b""
    while at < len(content):
        (length,) = struct.unpack(">I", content[at : at + 4])
        kind, data = content[at + 4 : at + 8], content[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", content[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF
        chunks[kind] = data
        idat += data if kind == b"IDAT" else b""
        at += 12 + length
    kinds = list(chunks)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    return width, height, zlib.decompress(idat), chunks


def jpeg_segments(content: bytes) -> dict[int, bytes]:
    assert content[:2] == b"\xff\xd8" and content[-2:] == b"\xff\xd9"
    at, segments = 2, {}
    while True:
        assert content[at] == 0xFF
        marker = content[at + 1]
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        segments[marker] = content[at + 4 : at + 2 + length]
        at += 2 + length
        if marker == 0xDA:
            return segments


def test_evidence_files_are_real_and_distinct(demo: Demo) -> None:
    files = evidence_files(demo.demo)
    kinds = sorted(p.suffix for p in files)
    assert kinds == [".jpg"] * 2 + [".pdf"] * 6 + [".png"] * 2
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert len(hashes) == len(files)
    for path in files:
        content = path.read_bytes()
        assert sniff_type(path) == {".pdf": "pdf", ".png": "png", ".jpg": "jpeg"}[path.suffix]
        if path.suffix == ".pdf":
            assert content.startswith(b"%PDF-")
            assert content.rstrip().endswith(b"%%EOF")
            start = int(re.findall(rb"startxref\n(\d+)\n", content)[-1])
            assert content[start : start + 4] == b"xref"
        elif path.suffix == ".png":
            width, height, raw, chunks = png_pixels(content)
            assert len(raw) == height * (1 + 3 * width)
            assert MARK.encode() in chunks[b"iTXt"]
        else:
            segments = jpeg_segments(content)
            _, height, width, components = struct.unpack(">BHHB", segments[0xC0][:6])
            assert (height % 8, width % 8, components) == (0, 0, 1)
            assert MARK.encode() in segments[0xFE]


def test_one_evidence_file_is_shared_by_two_rows_of_a_unit(demo: Demo) -> None:
    users: dict[str, list[tuple[str, str, str]]] = {}
    for record in demo.read.records:
        for evidence in record.evidence:
            users.setdefault(evidence.path, []).append(record.key)
    shared = {path: keys for path, keys in users.items() if len(keys) > 1}
    assert shared == {
        "VPUB/QD_quy_che_van_ban_dien_tu.pdf": [
            ("VPUB", "1.5.12", "2026-11"),
            ("VPUB", "1.5.13", "2026-11"),
        ]
    }
    named = {path for path in users}
    on_disk = {p.relative_to(demo.demo.source).as_posix() for p in evidence_files(demo.demo)}
    assert named == on_disk


def snapshot(demo: DemoSource) -> dict[Path, tuple[str, int]]:
    return {
        p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in files_of(demo)
    }


def test_writing_again_the_same_day_changes_nothing(demo: Demo) -> None:
    before = snapshot(demo.demo)
    again = write_demo_source(demo.demo.source.parent, TODAY)
    assert again == demo.demo
    assert snapshot(again) == before


def test_another_day_rewrites_the_sample_for_its_months(tmp_path: Path) -> None:
    """Past the plan's year the sample keeps its last two months; other months are removed."""
    write_demo_source(tmp_path, TODAY)
    (tmp_path / "du_lieu_mau" / ".ledger").write_text("kept")
    later = write_demo_source(tmp_path, date(2027, 1, 10))
    assert later.periods == ("2026-11", "2026-12")
    names = {p.name for p in files_of(later)}
    assert not any("2026-10" in n or "T10" in n for n in names)
    assert {"CAX_2026-11.xlsx", "CAX_2026-12.xlsx", "bieu_do_VNeID_T12.png"} <= names
    assert (tmp_path / "du_lieu_mau" / ".ledger").read_text() == "kept"
    read = read_source(later.source)
    assert len(read.records) == 42
    assert [(e.file, e.row, e.column) for e in read.errors] == [
        ("CAX/CAX_2026-11.xlsx", 14, "Tệp minh chứng"),
        ("PKT/PKT_2026-11.xlsx", 6, "Giá trị thực hiện"),
    ]
