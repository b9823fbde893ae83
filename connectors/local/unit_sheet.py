"""The unit a workbook reports for, read from its `Đơn vị` sheet in either layout.

- a header row (`Mã đơn vị`, `Tên đơn vị` side by side) with the values right below it, as
  the template writes it (A1:B1, A2:B2);
- labels down a column (`Mã đơn vị` on one row, `Tên đơn vị` on the next) with each value to
  the right of its label (the first non-blank cell of that row), as people fill in a form.

Labels are found by normalised name among the first rows and columns. The unit is resolved by
its code (a name written in the code cell works too), else by its name; a name naming another
unit than the code, or neither matching the catalogue, is an error naming both.
"""

from dataclasses import dataclass

from connectors.local import columns as col
from connectors.local.grid import Cell, Sheet
from connectors.local.normalize import cell_text, is_blank, match_key, unit_by_name
from models.units import UNITS, Unit, get_unit

SCAN_ROWS = 20
SCAN_COLUMNS = 20

UNCACHED_FORMULA = (
    "Ô có công thức nhưng không có giá trị đã tính sẵn (tệp được tạo bằng chương trình, chưa "
    "mở bằng Excel): hãy mở tệp bằng Excel (hoặc LibreOffice), lưu lại rồi gửi lại; nếu công "
    "thức cho kết quả rỗng, hãy xóa công thức"
)


class UnitSheetError(Exception):
    """A `Đơn vị` sheet that names no known unit; `reason` is in Vietnamese."""

    def __init__(self, reason: str, row: int | None = None, column: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.row, self.column = reason, row, column


@dataclass(frozen=True)
class _Value:
    label: str
    row: int
    column: int
    cell: Cell

    @property
    def text(self) -> str:
        return cell_text(self.cell.value)


_LABELS = {match_key(col.UNIT_CODE): col.UNIT_CODE, match_key(col.UNIT_NAME): col.UNIT_NAME}


def _labels(sheet: Sheet) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for r, cells in enumerate(sheet.rows[:SCAN_ROWS], start=1):
        for c, cell in enumerate(cells[:SCAN_COLUMNS], start=1):
            label = _LABELS.get(match_key(cell_text(cell.value)))
            if label is not None and label not in found:
                found[label] = (r, c)
    return found


def _right_of(sheet: Sheet, row: int, column: int) -> tuple[int, Cell] | None:
    cells = sheet.rows[row - 1] if row <= len(sheet.rows) else ()
    for c in range(column + 1, len(cells) + 1):
        cell = cells[c - 1]
        if cell.uncached_formula or not is_blank(cell.value):
            return c, cell
    return None


def _values(sheet: Sheet, labels: dict[str, tuple[int, int]]) -> list[_Value]:
    rows = {r for r, _ in labels.values()}
    side_by_side = len(labels) == 2 and len(rows) == 1
    values = []
    for label, (r, c) in labels.items():
        right = None if side_by_side else _right_of(sheet, r, c)
        if right is not None:
            values.append(_Value(label, r, right[0], right[1]))
            continue
        below = sheet.cell(r + 1, c)
        if (r + 1, c) in labels.values():
            below = Cell(None)
        values.append(_Value(label, r + 1, c, below))
    return values


def read_unit(sheet: Sheet) -> Unit:
    """The unit named on a `Đơn vị` sheet; UnitSheetError when it names none."""
    labels = _labels(sheet)
    if not labels:
        raise UnitSheetError(
            f"Không tìm thấy nhãn '{col.UNIT_CODE}' hay '{col.UNIT_NAME}' trên trang tính "
            f"'{sheet.name}'"
        )
    values = {v.label: v for v in _values(sheet, labels)}
    for value in values.values():
        if value.cell.uncached_formula:
            raise UnitSheetError(UNCACHED_FORMULA, value.row, value.label)
    code, name = values.get(col.UNIT_CODE), values.get(col.UNIT_NAME)
    code_text = code.text if code else ""
    name_text = name.text if name else ""
    place = code if code is not None and (code_text or not name_text) else name
    assert place is not None
    if not code_text and not name_text:
        raise UnitSheetError("Thiếu mã đơn vị và tên đơn vị", place.row, place.label)
    by_code = (get_unit(code_text) or unit_by_name(code_text)) if code_text else None
    by_name = unit_by_name(name_text) if name_text else None
    if by_code is not None and by_name is not None and by_code != by_name:
        raise UnitSheetError(
            f"Mã đơn vị '{code_text}' ({by_code.name}) và tên đơn vị '{name_text}' "
            f"({by_name.code}) không khớp nhau",
            place.row,
            place.label,
        )
    unit = by_code or by_name
    if unit is None:
        named = " và ".join(
            f"{what} '{text}'" for what, text in (("mã", code_text), ("tên", name_text)) if text
        )
        known = ", ".join(u.code for u in UNITS)
        raise UnitSheetError(
            f"Đơn vị không có trong danh mục: {named} (các mã: {known})", place.row, place.label
        )
    return unit
