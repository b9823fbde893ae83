"""Find a sheet's header row and give its rows keyed by canonical column names.

The header row is looked for in the first `HEADER_SCAN_ROWS` rows: among the rows holding the
key column's header, the one that names the most known columns (the first on a tie), so title
rows above it and a two-row header with merged cells are both fine. Headers match by
`match_key` (case, Unicode form, spaces, line breaks and diacritics do not matter), in any
order; unknown columns are ignored, the first of two same-named columns is used. Below the
header, blank rows and rows repeating the header are skipped.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from connectors.local.grid import EMPTY, Cell, Sheet
from connectors.local.normalize import cell_text, is_blank, match_key, parse_heading

HEADER_SCAN_ROWS = 20


@dataclass(frozen=True)
class Column:
    """A column known by its canonical header name, with other accepted spellings."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def _match_keys(self) -> frozenset[str]:
        """The match keys this column's header may have."""
        return frozenset(match_key(n) for n in (self.name, *self.aliases))


@dataclass(frozen=True)
class TableRow:
    """One data row: its Excel row number and its cells by canonical column name."""

    number: int
    cells: Mapping[str, Cell]

    def __getitem__(self, name: str) -> Cell:
        return self.cells.get(name, EMPTY)

    def filled(self, names: Sequence[str]) -> bool:
        """Whether any of the named cells holds something (a formula without a cached value
        counts)."""
        return any(not is_blank(self[n].value) or self[n].uncached_formula for n in names)


@dataclass(frozen=True)
class Table:
    """A sheet read under its header row."""

    sheet: str
    header_row: int
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]


class TableError(Exception):
    """A sheet without a usable header row; `reason` is in Vietnamese."""

    def __init__(self, reason: str, row: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row


def read_table(sheet: Sheet, columns: Sequence[Column]) -> Table:
    """Rows of `sheet` under its header row; the first column given is the key column."""
    key_column = columns[0]
    by_key = {k: c.name for c in columns for k in c._match_keys()}
    header_row, positions = _find_header(sheet, by_key, key_column)
    missing = [c.name for c in columns if c.required and c.name not in positions]
    if missing:
        raise TableError(f"Thiếu cột: {', '.join(missing)}", header_row)
    header_keys = key_column._match_keys()
    rows = []
    for number in range(header_row + 1, len(sheet.rows) + 1):
        row = TableRow(number, {n: sheet.cell(number, i) for n, i in positions.items()})
        if not row.filled(list(positions)):
            continue
        if match_key(cell_text(row[key_column.name].value)) in header_keys:
            continue
        rows.append(row)
    return Table(sheet.name, header_row, tuple(positions), tuple(rows))


def rows_under_headings(
    table: Table, code_column: str, title_column: str
) -> Iterator[tuple[TableRow, str | None]]:
    """The rows that are not section headings, each with the section of the heading above it
    (None before any). A heading is in the code column, or in the title column when the code
    cell is blank."""
    section: str | None = None
    for row in table.rows:
        code = row[code_column].value
        heading = parse_heading(row[title_column].value if is_blank(code) else code)
        if heading is not None:
            section = heading
        else:
            yield row, section


def _find_header(
    sheet: Sheet, by_key: Mapping[str, str], key_column: Column
) -> tuple[int, dict[str, int]]:
    best: tuple[int, dict[str, int]] | None = None
    for number, cells in enumerate(sheet.rows[:HEADER_SCAN_ROWS], start=1):
        positions: dict[str, int] = {}
        for index, cell in enumerate(cells, start=1):
            name = by_key.get(match_key(cell_text(cell.value)))
            if name is not None and name not in positions:
                positions[name] = index
        if key_column.name in positions and (best is None or len(positions) > len(best[1])):
            best = number, positions
    if best is None:
        where = f"trang tính '{sheet.name}'" if sheet.name else "tệp"
        raise TableError(
            f"Không tìm thấy dòng tiêu đề có cột '{key_column.name}' "
            f"trong {HEADER_SCAN_ROWS} dòng đầu của {where}"
        )
    return best
