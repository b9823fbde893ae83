"""Load a workbook (`.xlsx`) or a `.csv` file into plain grids of cells.

Only visible sheets are kept (hidden and very hidden sheets are ignored). A merged range's
value and number format apply to every cell of the range. Formulas give their cached value.
A CSV file is one sheet named `""`, decoded as UTF-8 (with or without BOM) or else as
Windows-1258, with `,`, `;` or tab as the delimiter (the one most used in its first lines).
"""

import csv
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl

from connectors.local.normalize import CellValue, match_key, normalize_text


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's value and whether its number format is a percentage."""

    value: CellValue
    percent: bool = False


EMPTY = Cell(None)


@dataclass(frozen=True)
class Sheet:
    """A sheet's name (NFC) and its rows; `cell(row, column)` is 1-based like Excel."""

    name: str
    rows: tuple[tuple[Cell, ...], ...]

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


def is_percent_format(number_format: str) -> bool:
    """Whether an Excel number format scales by 100 (a `%` outside quotes and escapes)."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format)


def load_sheets(path: Path) -> list[Sheet]:
    """The visible sheets of an `.xlsx` file, or the one sheet of a `.csv` file."""
    if path.suffix.lower() == ".csv":
        return [_load_csv(path)]
    return _load_xlsx(path)


def find_sheet(sheets: Sequence[Sheet], name: str) -> Sheet | None:
    """The sheet whose name matches `name` once normalised; FileUnreadable when several do."""
    wanted = match_key(name)
    found = [s for s in sheets if match_key(s.name) == wanted]
    if len(found) > 1:
        names = ", ".join(f"'{s.name}'" for s in found)
        raise FileUnreadable(f"Có nhiều trang tính cùng tên '{name}': {names}")
    return found[0] if found else None


def _load_xlsx(path: Path) -> list[Sheet]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(path, data_only=True)
    except OSError as exc:
        raise FileUnreadable(f"Không đọc được tệp: {exc.strerror or exc}") from None
    except Exception:
        raise FileUnreadable(
            "Không mở được tệp Excel: tệp bị hỏng hoặc không phải định dạng .xlsx"
        ) from None
    sheets = []
    for ws in workbook.worksheets:
        if ws.sheet_state != "visible":
            continue
        grid = [
            [Cell(_cell_value(c.value), is_percent_format(c.number_format or "")) for c in row]
            for row in ws.iter_rows()
        ]
        for merged in ws.merged_cells.ranges:
            if merged.min_row > len(grid) or merged.min_col > len(grid[merged.min_row - 1]):
                continue
            top_left = grid[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
                row = grid[r - 1]
                for c in range(merged.min_col, min(merged.max_col, len(row)) + 1):
                    row[c - 1] = top_left
        sheets.append(Sheet(normalize_text(ws.title), tuple(tuple(row) for row in grid)))
    workbook.close()
    return sheets


def _cell_value(value: object) -> CellValue:
    if value is None or isinstance(value, str | int | float | Decimal | date | datetime):
        return value
    return str(value)


def _load_csv(path: Path) -> Sheet:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileUnreadable(f"Không đọc được tệp: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1258")
        except UnicodeDecodeError:
            raise FileUnreadable(
                "Không đọc được mã hóa ký tự của tệp CSV: hãy lưu lại dạng CSV UTF-8"
            ) from None
    head = text.splitlines()[:20]
    delimiter = max(",;\t", key=lambda d: max((line.count(d) for line in head), default=0))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FileUnreadable(f"Tệp CSV sai định dạng: {exc}") from None
    return Sheet("", tuple(tuple(Cell(v) for v in row) for row in rows))
