"""Load a workbook (`.xlsx`) or a `.csv` file into plain grids of cells.

Only regular files are read (`connectors.filecheck.open_regular`: a named pipe is refused, never
waited on); an empty file is refused. An `.xlsx` container passes `archive.inspect_archive`
before openpyxl sees it. Only visible sheets are kept (hidden and very hidden sheets are
ignored). A merged range's value and number format apply to every cell of the range. Formulas
give their cached value; a formula without one (a file written by a program and never opened
in Excel) is a cell marked `uncached_formula`. A sheet whose data lies so far out that its grid
would exceed `MAX_GRID_CELLS` is refused.

A CSV file (at most `MAX_CSV_BYTES`) is one sheet named `""`, decoded as UTF-8 (with or without
BOM; UTF-16 with a BOM) or else as Windows-1258, with `,`, `;` or tab as the delimiter (the one
most used in its first lines); the sheet remembers the encoding used.
"""

import csv
import errno
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from connectors.filecheck import NotRegularFile, open_regular
from connectors.local.archive import ArchiveRefused, inspect_archive
from connectors.local.normalize import CellValue, match_key, normalize_text

MAX_GRID_CELLS = 2_000_000
MAX_CSV_BYTES = 20 * 1024 * 1024

_OPENPYXL_FAILURES = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    SyntaxError,
    EOFError,
    zlib.error,
)
"""What openpyxl raises on a malformed container or malformed XML (ParseError is a
SyntaxError; an OSError without errno says "no valid workbook part"); anything else is a fault
of ours and propagates."""


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's value, whether its number format is a percentage, and whether it holds a
    formula whose value was never computed (its value is then None)."""

    value: CellValue
    percent: bool = False
    uncached_formula: bool = False


EMPTY = Cell(None)


@dataclass(frozen=True)
class Sheet:
    """A sheet's name (NFC) and its rows; `cell(row, column)` is 1-based like Excel.
    `encoding` is the text encoding a CSV file was decoded with (`""` for a workbook)."""

    name: str
    rows: tuple[tuple[Cell, ...], ...]
    encoding: str = ""

    def cell(self, row: int, column: int) -> Cell:
        """The cell at Excel's (row, column), or an empty cell outside the grid."""
        if 1 <= row <= len(self.rows) and 1 <= column <= len(self.rows[row - 1]):
            return self.rows[row - 1][column - 1]
        return EMPTY


class FileUnreadable(Exception):
    """A file that cannot be opened at all; `reason` is in Vietnamese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SourceError(Exception):
    """A source (folder or file) that cannot be read at all; `reason` is one Vietnamese line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


NOT_REGULAR = "Không phải tệp thông thường (ống dẫn, thiết bị, socket hoặc thư mục): không đọc"
EMPTY_FILE = "Tệp rỗng (0 byte)"


def _is_percent_format(number_format: str) -> bool:
    """Whether an Excel number format scales by 100 (a `%` outside quotes and escapes)."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format)


def load_sheets(path: Path) -> list[Sheet]:
    """The visible sheets of an `.xlsx` file, or the one sheet of a `.csv` file;
    FileUnreadable when the file cannot or must not be read."""
    try:
        with open_regular(path) as stream:
            if path.suffix.lower() == ".csv":
                return [_load_csv(stream)]
            return _load_xlsx(stream)
    except NotRegularFile:
        raise FileUnreadable(NOT_REGULAR) from None
    except OSError as exc:
        raise FileUnreadable(_os_reason(exc)) from None


_ERRNO_REASONS = {
    errno.ENOENT: "Không tìm thấy tệp (có thể là liên kết hỏng)",
    errno.EACCES: "Không có quyền đọc tệp",
    errno.EPERM: "Không có quyền đọc tệp",
    errno.ELOOP: "Liên kết vòng lặp, không trỏ tới tệp nào",
    errno.EISDIR: NOT_REGULAR,
}


def _os_reason(error: OSError) -> str:
    """Why a file could not be read, in Vietnamese, from the system's error."""
    if error.errno in _ERRNO_REASONS:
        return _ERRNO_REASONS[error.errno]
    code = errno.errorcode.get(error.errno or 0, str(error.errno))
    return f"Không đọc được tệp (lỗi hệ thống {code})"


def find_sheet(sheets: Sequence[Sheet], name: str) -> Sheet | None:
    """The sheet whose name matches `name` once normalised; FileUnreadable when several do."""
    wanted = match_key(name)
    found = [s for s in sheets if match_key(s.name) == wanted]
    if len(found) > 1:
        names = ", ".join(f"'{s.name}'" for s in found)
        raise FileUnreadable(f"Có nhiều trang tính cùng tên '{name}': {names}")
    return found[0] if found else None


def _size(stream: BinaryIO) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


_NOT_XLSX = "Không mở được tệp Excel: tệp bị hỏng hoặc không phải định dạng .xlsx"


def _open_workbook(stream: BinaryIO, *, data_only: bool) -> Workbook:
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(stream, data_only=data_only)
    except _OPENPYXL_FAILURES:
        raise FileUnreadable(_NOT_XLSX) from None
    except OSError as exc:
        if exc.errno is None:
            raise FileUnreadable(_NOT_XLSX) from None
        raise


def _load_xlsx(stream: BinaryIO) -> list[Sheet]:
    if _size(stream) == 0:
        raise FileUnreadable(EMPTY_FILE)
    try:
        facts = inspect_archive(stream)
    except ArchiveRefused as exc:
        raise FileUnreadable(exc.reason) from None
    except (zipfile.BadZipFile, EOFError, zlib.error):
        raise FileUnreadable(_NOT_XLSX) from None
    workbook = _open_workbook(stream, data_only=True)
    formulas = _open_workbook(stream, data_only=False) if facts.has_formulas else None
    try:
        return [
            _sheet(ws, formulas[ws.title] if formulas is not None else None)
            for ws in workbook.worksheets
            if ws.sheet_state == "visible"
        ]
    finally:
        workbook.close()
        if formulas is not None:
            formulas.close()


def _sheet(ws: Worksheet, formula_ws: object) -> Sheet:
    values = {pos: c for pos, c in ws._cells.items() if c.value is not None}
    uncached: set[tuple[int, int]] = set()
    if isinstance(formula_ws, Worksheet):
        uncached = {
            pos
            for pos, c in formula_ws._cells.items()
            if c.data_type == "f" and pos not in values
        }
    merged_ranges = [m for m in ws.merged_cells.ranges if (m.min_row, m.min_col) in values]
    used = [*values, *uncached, *((m.max_row, m.max_col) for m in merged_ranges)]
    height = max((r for r, _ in used), default=0)
    width = max((c for _, c in used), default=0)
    name = normalize_text(ws.title)
    if height * width > MAX_GRID_CELLS:
        far = max(used, key=lambda pos: pos[0] * pos[1])
        raise FileUnreadable(
            f"Trang tính '{name}' có dữ liệu ở ô {get_column_letter(far[1])}{far[0]}, quá xa "
            "vùng dữ liệu: hãy xóa các ô thừa rồi lưu lại"
        )
    grid = [[EMPTY] * width for _ in range(height)]
    for (r, c), cell in values.items():
        percent = _is_percent_format(cell.number_format or "")
        grid[r - 1][c - 1] = Cell(_cell_value(cell.value), percent)
    for r, c in uncached:
        grid[r - 1][c - 1] = Cell(None, uncached_formula=True)
    for merged in merged_ranges:
        top_left = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row, merged.max_row + 1):
            row = grid[r - 1]
            for c in range(merged.min_col, merged.max_col + 1):
                row[c - 1] = top_left
    return Sheet(name, tuple(tuple(_trimmed(row)) for row in grid))


def _trimmed(row: list[Cell]) -> list[Cell]:
    end = len(row)
    while end and row[end - 1] is EMPTY:
        end -= 1
    return row[:end]


def _cell_value(value: object) -> CellValue:
    if value is None or isinstance(value, str | int | float | Decimal | date | datetime):
        return value
    return str(value)


_CSV_ENCODINGS = "UTF-8 (có hoặc không có BOM) hay Windows-1258 (cp1258)"
_SAVE_AS_UTF8 = "hãy mở bằng Excel và lưu lại dạng 'CSV UTF-8'"


def _decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV file's bytes."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise FileUnreadable(
                f"Tệp CSV có dấu BOM UTF-16 nhưng nội dung không đúng mã UTF-16: {_SAVE_AS_UTF8}"
            ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            raise FileUnreadable(
                f"Tệp CSV có dấu BOM UTF-8 nhưng nội dung không đúng mã UTF-8: {_SAVE_AS_UTF8}"
            ) from None
    for encoding in ("utf-8", "cp1258"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileUnreadable(
        f"Không đọc được tệp CSV: nội dung không theo mã {_CSV_ENCODINGS}; {_SAVE_AS_UTF8}"
    )


def _load_csv(stream: BinaryIO) -> Sheet:
    size = _size(stream)
    if size == 0:
        raise FileUnreadable(EMPTY_FILE)
    if size > MAX_CSV_BYTES:
        raise FileUnreadable(
            f"Tệp CSV quá lớn ({size / 1048576:.0f} MiB, tối đa "
            f"{MAX_CSV_BYTES // 1048576} MiB): không đọc"
        )
    text, encoding = _decode(stream.read())
    if "\x00" in text:
        raise FileUnreadable(
            f"Tệp CSV chứa ký tự NUL (tệp nhị phân, hoặc mã UTF-16 không có BOM): {_SAVE_AS_UTF8}"
        )
    head = text.splitlines()[:20]
    delimiter = max(",;\t", key=lambda d: max((line.count(d) for line in head), default=0))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error:
        raise FileUnreadable(f"Tệp CSV sai định dạng ở dòng {reader.line_num}") from None
    return Sheet("", tuple(tuple(Cell(v) for v in row) for row in rows), encoding)
