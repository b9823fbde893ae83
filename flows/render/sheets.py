"""Data sheets as the standing office prints and filters them, shared by both workbooks.

A data sheet has its bold header on row 1, frozen below it, a filter over the table, the header
repeated on every printed page, A4 landscape fitted to the page width, and columns as wide as
their content (within bounds; long text wraps). Text is always text (never a formula); numbers
stay numbers, percentages are fractions shown as `0.0%`, months `mm/yyyy`. A status column is
coloured by conditional formatting, so a filtered or edited sheet keeps its colours.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.header_footer import _HeaderFooterPart as _Part
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from flows.render import labels as lb

Cell = str | int | float | Decimal | date | datetime | None
Kind = Literal["text", "wrap", "number", "percent", "month", "date", "datetime"]

TONE_FILLS: dict[lb.Tone, PatternFill] = {
    "ok": PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE"),
    "warn": PatternFill("solid", fgColor="FFEB9C", bgColor="FFEB9C"),
    "bad": PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE"),
}
TONE_FONTS: dict[lb.Tone, Font] = {
    "ok": Font(color="006100"),
    "warn": Font(color="5C4300"),
    "bad": Font(color="9C0006"),
}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
FORMATS: dict[Kind, str] = {
    "percent": "0.0%",
    "month": "mm/yyyy",
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}
_MIN_WIDTH = 8
_MAX_WIDTH: dict[Kind, int] = {"wrap": 60, "text": 40}
_FIXED_WIDTH: dict[Kind, int] = {"percent": 10, "month": 10, "date": 12, "datetime": 17}
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


@dataclass(frozen=True)
class Column:
    """A column of a data sheet: its header and how its cells are written."""

    header: str
    kind: Kind = "text"


def put(sheet: Worksheet, row: int, column: int, value: Cell, kind: Kind = "text") -> None:
    """Write one value: text as text, Decimal as a number, a percentage (0–100) as a fraction."""
    cell = sheet.cell(row, column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", lb.text(value))
        cell.data_type = "s"
        return
    number = lb.as_number(value)
    if kind == "percent" and number is not None:
        cell.value = float(number) / 100
    elif number is not None:
        cell.value = number
    else:
        cell.value = value
    if value is not None and kind in FORMATS:
        cell.number_format = FORMATS[kind]
    elif isinstance(value, datetime):
        cell.number_format = FORMATS["datetime"]
    elif isinstance(value, date):
        cell.number_format = FORMATS["date"]


def _length(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    return len(str(value))


def _fit_widths(
    sheet: Worksheet, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]
) -> None:
    """Each column as wide as its longest line or its header's longest word, within bounds."""
    for index, column in enumerate(columns, 1):
        letter = get_column_letter(index)
        if column.kind in _FIXED_WIDTH:
            sheet.column_dimensions[letter].width = _FIXED_WIDTH[column.kind]
            continue
        header = max(len(word) for word in column.header.split())
        content = max((_length(row[index - 1]) for row in rows), default=0)
        limit = _MAX_WIDTH.get(column.kind, 16)
        sheet.column_dimensions[letter].width = min(max(header, content, _MIN_WIDTH) + 2, limit)


def print_setup(sheet: Worksheet, title_rows: str | None = "1:1", header: str = "") -> None:
    """A4 landscape, fitted to the page width, page numbers; TITLE_ROWS repeat on each page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = True
    if title_rows:
        sheet.print_title_rows = title_rows
    if header:
        sheet.HeaderFooter.oddHeader = HeaderFooterItem(center=_Part(text=header))
    sheet.HeaderFooter.oddFooter = HeaderFooterItem(center=_Part(text="Trang &P/&N"))


def colour_statuses(sheet: Worksheet, column: int, tones: Mapping[str, lb.Tone]) -> None:
    """Colour the status column below the header by its label (conditional formatting)."""
    letter = get_column_letter(column)
    last = max(sheet.max_row, 2)
    for label, tone in tones.items():
        sheet.conditional_formatting.add(
            f"{letter}2:{letter}{last}",
            Rule(
                type="cellIs",
                operator="equal",
                formula=['"' + label.replace('"', '""') + '"'],
                dxf=DifferentialStyle(fill=TONE_FILLS[tone], font=TONE_FONTS[tone]),
            ),
        )


def data_sheet(
    sheet: Worksheet,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Cell]],
    header: str = "",
) -> int:
    """Write a table with its header on row 1 (frozen, filtered, printed on every page) and
    widths that fit; return the last row written."""
    table = [list(row) for row in rows]
    for index, column in enumerate(columns, 1):
        put(sheet, 1, index, column.header)
        cell = sheet.cell(1, index)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row_index, values in enumerate(table, 2):
        for index, (column, value) in enumerate(zip(columns, values, strict=True), 1):
            put(sheet, row_index, index, value, column.kind)
            sheet.cell(row_index, index).alignment = _WRAP if column.kind == "wrap" else _TOP
    last = len(table) + 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    _fit_widths(sheet, columns, table)
    print_setup(sheet, "1:1", header)
    return last
