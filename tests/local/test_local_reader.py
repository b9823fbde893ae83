import hashlib
import io
import os
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.local.columns import REPORT_HEADERS
from connectors.local.evidence import EvidenceResolver, hash_file, hash_stream, split_names
from connectors.local.grid import Cell, SourceError, _is_percent_format
from connectors.local.normalize import CellError
from connectors.local.reader import _discover, _parse_report_row, _RowContext, read_source
from connectors.local.table import TableRow
from models.units import get_unit

BIEN_BAN = b"%PDF-1.4\nbien ban"


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> _RowContext:
    root = tmp_path_factory.mktemp("source")
    (root / "bien ban.pdf").write_bytes(BIEN_BAN)
    return _RowContext(
        "VHXH_2026-11.xlsx", "Báo cáo", root, get_unit("VHXH"), EvidenceResolver(root)
    )


def row(values: dict[str, object], number: int = 5) -> TableRow:
    return TableRow(number, {k: Cell(v) for k, v in values.items()})  # type: ignore[arg-type]


def test_missing_source_and_empty_folder_cannot_be_read(tmp_path: Path) -> None:
    """A missing SOURCE, a folder with no workbook and a non-workbook file are SourceErrors."""
    with pytest.raises(SourceError, match=r"^Không tìm thấy nguồn dữ liệu: "):
        read_source(tmp_path / "none")
    (tmp_path / "ghi_chu.txt").write_text("x")
    (tmp_path / "~$VHXH.xlsx").write_text("x")
    with pytest.raises(SourceError, match=r"^Thư mục không có tệp báo cáo nào \(.xlsx, .csv\): "):
        read_source(tmp_path)
    with pytest.raises(SourceError, match=r"^Không phải tệp báo cáo \(.xlsx, .csv\): "):
        read_source(tmp_path / "ghi_chu.txt")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_folder_cannot_be_read(tmp_path: Path) -> None:
    """A folder without read permission is a SourceError."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        with pytest.raises(SourceError, match=r"^Không đọc được thư mục: "):
            read_source(locked)
    finally:
        locked.chmod(0o700)


def test_discover_walks_subfolders_and_skips_hidden(tmp_path: Path) -> None:
    """Workbooks in subfolders are found in path order; hidden and lock files are not."""
    for name in ("b/B.csv", "a/A.xlsx", ".git/x.xlsx", "a/.A.xlsx", "a/~$A.xlsx", "c/n.pdf"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    root, paths = _discover(tmp_path)
    assert root == tmp_path
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["a/A.xlsx", "b/B.csv"]


def test_hash_stream_reads_in_chunks_only() -> None:
    """Hashing asks for at most one chunk at a time and equals sha256 of the whole."""
    data = os.urandom(10_000)
    sizes: list[int] = []

    class Recording(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            sizes.append(-1 if size is None else size)
            return super().read(size)

    assert hash_stream(Recording(data), chunk_size=4096) == (
        hashlib.sha256(data).hexdigest(),
        10_000,
    )
    assert sizes and all(s == 4096 for s in sizes)


def test_hash_file_default_chunk_is_one_mebibyte(tmp_path: Path) -> None:
    """Files bigger than a chunk hash like the whole."""
    data = os.urandom(3 * 1024 * 1024 + 7)
    (tmp_path / "big.bin").write_bytes(data)
    assert hash_file(tmp_path / "big.bin") == (hashlib.sha256(data).hexdigest(), len(data))


def test_split_evidence_names() -> None:
    """Names split on `;` and line breaks, trimmed, NFC, without repeats."""
    text = " a.pdf ;\n" + unicodedata.normalize("NFD", "ảnh.jpg") + ";;a.pdf\r\nb c.pdf"
    assert split_names(text) == ["a.pdf", "ảnh.jpg", "b c.pdf"]


def test_evidence_found_by_nfc_and_case_and_refused_outside_root(tmp_path: Path) -> None:
    """An NFD or differently cased name on disk is found; absolute paths and paths leading
    outside the source root are refused; each file is hashed once."""
    source = tmp_path / "source"
    (source / "unit").mkdir(parents=True)
    on_disk = unicodedata.normalize("NFD", "Biên bản.PDF")
    (source / "unit" / on_disk).write_bytes(b"%PDF-signed")
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-secret")
    resolver = EvidenceResolver(source)
    found = resolver.resolve(source / "unit", "biên bản.pdf")
    assert found.path == f"unit/{on_disk}"
    assert found.sha256 == hashlib.sha256(b"%PDF-signed").hexdigest() and found.size == 11
    assert resolver.resolve(source, "unit\\Biên bản.PDF") == found
    assert resolver.named_paths == {f"unit/{on_disk}"}
    with pytest.raises(CellError, match=r"^Tệp minh chứng nằm ngoài thư mục nguồn: "):
        resolver.resolve(source / "unit", "../../outside.pdf")
    with pytest.raises(CellError, match=r"^Tệp minh chứng phải ghi đường dẫn tương đối"):
        resolver.resolve(source, "C:\\minh chung\\a.pdf")
    with pytest.raises(CellError, match=r"^Không tìm thấy tệp minh chứng: 'unit'$"):
        resolver.resolve(source, "unit")


@pytest.mark.parametrize(
    ("number_format", "percent"),
    [("0%", True), ("0.00%", True), ('0.0"%"', False), ("0\\%", False), ("General", False)],
)
def test_percent_number_formats(number_format: str, percent: bool) -> None:
    """Only a `%` outside quotes and escapes scales by 100."""
    assert _is_percent_format(number_format) is percent


GOOD = {
    "Mã chỉ tiêu": "1.5.17",
    "Kỳ báo cáo": "Tháng 11/2026",
    "Giá trị thực hiện": "87,5%",
    "Tỷ lệ hoàn thành (%)": "90",
    "Tình trạng": "Đang thực hiện",
    "Ghi chú": "Đã   cấp\u00a0tài khoản cho người dân ấp Hòa Bình",
    "Người báo cáo": " Nguyễn Thị Hoà ",
    "Tệp minh chứng": "bien ban.pdf",
    "Số hiệu văn bản": "60/KH-UBND",
    "Ngày ban hành": "20/11/2026",
}


def test_a_good_row_gives_its_record(context: _RowContext) -> None:
    """Every field of a good row lands in the record, text normalised."""
    record, errors = _parse_report_row(row(GOOD), context, None)
    assert errors == []
    assert record is not None
    assert record.model_dump(mode="json") == {
        "unit_code": "VHXH",
        "target_code": "1.5.17",
        "period": "2026-11",
        "actual": "87.5",
        "progress_percent": "90",
        "status": "in_progress",
        "note": "Đã cấp tài khoản cho người dân ấp Hòa Bình",
        "reporter": "Nguyễn Thị Hoà",
        "evidence": [
            {"path": "bien ban.pdf", "sha256": hashlib.sha256(BIEN_BAN).hexdigest(), "size": 17}
        ],
        "document_number": "60/KH-UBND",
        "issue_date": "2026-11-20",
        "source": {"file": "VHXH_2026-11.xlsx", "sheet": "Báo cáo", "row": 5},
    }


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["NFC", "NFD"]), st.sampled_from(["NFC", "NFD"]))
def test_nfc_and_nfd_rows_give_the_same_record(
    context: _RowContext, first: str, second: str
) -> None:
    """The same row typed in NFC or NFD gives the same record."""

    def form(name: str) -> dict[str, object]:
        return {k: unicodedata.normalize(name, v) for k, v in GOOD.items()}  # type: ignore[arg-type]

    assert _parse_report_row(row(form(first)), context, None) == _parse_report_row(
        row(form(second)), context, None
    )


cell_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        [
            "1.5.17",
            "(17)",
            "11/2026",
            "87,5%",
            "HT",
            "a.pdf;../x",
            "/etc/passwd",
            "\x00",
            "1.234,5",
            "#N/A",
            "Tháng 13/2026",
            "9" * 400,
            "1.234.567" * 40,
            "x" * 300,
        ]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries({h: cell_values for h in REPORT_HEADERS}),
    st.booleans(),
    st.sampled_from([None, "1.5", "1.2"]),
)
def test_no_cell_makes_the_row_parser_raise(
    context: _RowContext, values: dict[str, object], percent: bool, heading: str | None
) -> None:
    """Whatever the cells hold, a row gives a record or errors with a place and a reason."""
    cells = {k: Cell(v, percent) for k, v in values.items()}  # type: ignore[arg-type]
    record, errors = _parse_report_row(TableRow(7, cells), context, heading)
    assert (record is None) == bool(errors)
    for error in errors:
        assert error.row == 7 and error.column in REPORT_HEADERS and error.reason
        assert unicodedata.normalize("NFC", error.reason) == error.reason
