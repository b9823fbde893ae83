import csv
import json
import socket
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from flows.audit import CSV_HEADERS, XLSX_COLUMNS, export_command, verify_command
from models.audit import AuditEntryCreate, AuditTrail, entry_hash
from models.db import make_engine

AT = datetime(2026, 11, 27, 7, 5, 9, tzinfo=UTC)


def entry(seq_hint: int, **changes: object) -> AuditEntryCreate:
    values: dict[str, object] = {
        "at": AT.replace(minute=seq_hint),
        "run_id": "20261127T070500Z-3f9a1c",
        "system": "theodoinq",
        "target_code": "1.5.17",
        "period": "2026-11",
        "unit_code": "VHXH",
        "action": "write",
        "request": {"idxValue": "87,5", "idxContent": "<p>Đạt</p>"},
        "response": {"status": "OK", "updateTime": "27/11/2026 14:05:09"},
        "source_file": "VHXH/bao-cao-2026-11.xlsx",
        "source_sha256": "cd" * 32,
        "approver": "Trần Thị B",
    }
    values.update(changes)
    return AuditEntryCreate.model_validate(values)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    AuditTrail(engine).append(
        [
            entry(1, action="intent"),
            entry(2),
            entry(3, action="outcome", response={"outcome": "updated"}),
            entry(4, period="2026-10", target_code="1.2.2", system="nq71", approver=None),
        ]
    )
    engine.dispose()
    return url


def tamper(url: str, sql: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(sql))
    engine.dispose()


def test_verify_prints_the_count_and_newest_hash_and_exits_0(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An intact chain: exit 0, a Vietnamese line with the count and the newest entry's hash."""
    assert verify_command(database_url) == 0
    out = capsys.readouterr().out
    assert "Chuỗi nhật ký kiểm toán nguyên vẹn: 4 mục." in out
    engine = make_engine(database_url)
    newest = AuditTrail(engine).history()[-1].hash
    engine.dispose()
    assert f"Mục cuối #4, mã băm: {newest}" in out
    assert unicodedata.is_normalized("NFC", out)


def test_verify_of_an_empty_trail_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No entry yet is not an error: exit 0 and says so."""
    assert verify_command(f"sqlite:///{tmp_path / 'empty.db'}") == 0
    assert "chưa có mục nào" in capsys.readouterr().out


def test_verify_names_the_tampered_row_and_exits_1(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row edited in the table: exit 1 and the line names that row."""
    tamper(database_url, "UPDATE ledger_audit SET approver = 'Người khác' WHERE seq = 2")
    assert verify_command(database_url) == 1
    out = capsys.readouterr().out
    assert "KHÔNG nguyên vẹn" in out and "Mục #2 đã bị sửa" in out


def test_unreadable_database_exits_2_without_showing_the_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A database that does not answer: exit 2, one Vietnamese line, no password shown."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://nqsync:mat-khau-bi-mat@127.0.0.1:{port}/nqsync"
    assert verify_command(url) == 2
    err = capsys.readouterr().err
    assert "không đọc được nhật ký kiểm toán" in err
    assert "mat-khau-bi-mat" not in err


def test_export_writes_a_readable_workbook(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The XLSX has Vietnamese headers, a frozen header, fitted widths and every entry."""
    out_dir = tmp_path / "xuat"
    assert export_command(database_url, out_dir) == 0
    xlsx = out_dir / "nhat-ky-kiem-toan.xlsx"
    assert f"Excel: {xlsx}" in capsys.readouterr().out
    book = load_workbook(xlsx)
    sheet = book["Nhật ký kiểm toán"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(column.header for column in XLSX_COLUMNS)
    assert sheet.freeze_panes == "A2"
    assert [row[0] for row in rows[1:]] == [1, 2, 3, 4]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Thời điểm (giờ Việt Nam)"] == datetime(2026, 11, 27, 14, 1, 9)
    assert first["Hành động"] == "Dự định ghi"
    assert first["Đơn vị"] == "Phòng Văn hóa - Xã hội"
    assert "VNeID" in str(first["Chỉ tiêu"])
    assert json.loads(str(first["Dữ liệu đã gửi"])) == {
        "idxContent": "<p>Đạt</p>", "idxValue": "87,5"
    }
    assert first["Người duyệt"] == "Trần Thị B"
    widths = [sheet.column_dimensions[chr(ord("A") + i)].width for i in range(len(XLSX_COLUMNS))]
    assert all(width and width >= 8 for width in widths)
    assert widths[XLSX_COLUMNS.index(next(c for c in XLSX_COLUMNS if c.header == "Mã băm"))] > 20
    check = dict(book["Kiểm tra chuỗi"].iter_rows(min_row=2, values_only=True))
    assert check["Kết quả"] == "Nguyên vẹn" and check["Số mục đã kiểm tra"] == 4


def test_export_csv_has_a_bom_and_lets_anyone_recompute_the_chain(
    database_url: str, tmp_path: Path
) -> None:
    """The CSV opens as UTF-8 in Excel (BOM) and re-hashing its rows gives its hash column."""
    assert export_command(database_url, tmp_path) == 0
    raw = (tmp_path / "nhat-ky-kiem-toan.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert tuple(rows[0]) == CSV_HEADERS
    previous = "0" * 64
    for row in rows[1:]:
        fields = dict(zip(CSV_HEADERS, row, strict=True))
        content = {
            "run_id": fields["Lần chạy"],
            "system": fields["Hệ thống"],
            "target_code": fields["Mã chỉ tiêu"],
            "period": fields["Kỳ báo cáo"],
            "unit_code": fields["Mã đơn vị"] or None,
            "action": fields["Hành động"],
            "request": json.loads(fields["Dữ liệu đã gửi (JSON)"]),
            "response": json.loads(fields["Phản hồi của hệ thống (JSON)"]),
            "source_file": fields["Tệp nguồn"] or None,
            "source_sha256": fields["SHA-256 tệp nguồn"] or None,
            "approver": fields["Người duyệt"] or None,
        }
        seq, at = int(fields["Số thứ tự"]), datetime.fromisoformat(fields[CSV_HEADERS[1]])
        assert fields["Mã băm mục trước"] == previous
        assert entry_hash(previous, seq, at, content) == fields["Mã băm"]
        previous = fields["Mã băm"]
    assert len(rows) == 5


def test_export_filters_by_period_and_target(database_url: str, tmp_path: Path) -> None:
    """--period and --target narrow the export, and name its files."""
    assert export_command(database_url, tmp_path, period="2026-10", target="1.2.2") == 0
    book = load_workbook(tmp_path / "nhat-ky-kiem-toan-2026-10-1.2.2.xlsx")
    seqs = [row[0] for row in book["Nhật ký kiểm toán"].iter_rows(min_row=2, values_only=True)]
    assert seqs == [4]
    text_rows = (tmp_path / "nhat-ky-kiem-toan-2026-10-1.2.2.csv").read_text("utf-8-sig")
    assert len(text_rows.splitlines()) == 2
    assert export_command(database_url, tmp_path, period="2026-11") == 0
    book = load_workbook(tmp_path / "nhat-ky-kiem-toan-2026-11.xlsx")
    seqs = [row[0] for row in book["Nhật ký kiểm toán"].iter_rows(min_row=2, values_only=True)]
    assert seqs == [1, 2, 3]


def test_export_of_a_broken_chain_still_writes_but_warns(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a tampered row the files are written, the workbook says so, and the exit is 1."""
    tamper(database_url, "UPDATE ledger_audit SET response = '{}' WHERE seq = 3")
    assert export_command(database_url, tmp_path) == 1
    assert "Cảnh báo: Chuỗi nhật ký kiểm toán KHÔNG nguyên vẹn" in capsys.readouterr().out
    check = dict(
        load_workbook(tmp_path / "nhat-ky-kiem-toan.xlsx")["Kiểm tra chuỗi"].iter_rows(
            min_row=2, values_only=True
        )
    )
    assert check["Kết quả"] == "KHÔNG nguyên vẹn" and "#3" in str(check["Chi tiết"])


def test_export_refuses_a_malformed_period(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A period not written YYYY-MM: exit 2, a Vietnamese line, no file."""
    assert export_command(database_url, tmp_path / "x", period="11/2026") == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
