"""Read the assignment workbook (the plan's "6 rõ" appendix) into `models.assignment`.

The workbook (`.xlsx` with a `Phân công` sheet, or a `.csv` with the same headers) has one row
per target, read with the same tolerances as the units' workbooks (headers found by normalised
name below title rows, merged cells, section headings with `(n)` codes, hidden sheets ignored).
Units are given by code or by name; supporting units are separated by `;`, `,` or line
breaks, and supporters that are not units of `models.units` are kept as text. An unknown lead
unit, a bad code or an unreadable deadline is a row error, and that item counts as missing.
A target with any of the six items missing, or with no row at all, is a `missing_6ro` finding.
"""

import re
from collections.abc import Sequence
from pathlib import Path

from connectors.local import columns as col
from connectors.local.grid import FileUnreadable, SourceError, find_sheet, load_sheets
from connectors.local.normalize import (
    CellError,
    cell_text,
    is_blank,
    normalize_text,
    parse_deadline,
    parse_target_code,
    parse_unit,
)
from connectors.local.table import Table, TableError, TableRow, read_table, rows_under_headings
from models.assignment import SIX_RO, Assignment, AssignmentFinding, AssignmentSet
from models.catalogue import targets
from models.records import RowError, SourceRef


def read_assignments(path: Path) -> AssignmentSet:
    """The assignments of an assignment workbook; SourceError when it cannot be read at all."""
    table = _open(path)
    file = path.name
    assignments: list[Assignment] = []
    errors: list[RowError] = []
    for row, heading in rows_under_headings(table, col.CODE, col.TITLE):
        assignment, row_errors = _parse_row(row, file, table.sheet, heading)
        errors.extend(row_errors)
        if assignment is not None:
            assignments.append(assignment)
    unique, duplicate_errors = _drop_conflicting_duplicates(assignments)
    errors = sorted([*errors, *duplicate_errors], key=lambda e: e.row or 0)
    return AssignmentSet(
        assignments=tuple(unique),
        errors=tuple(errors),
        findings=_missing_6ro_findings(unique),
    )


def assigned_targets(assignments: AssignmentSet, unit_code: str) -> tuple[str, ...]:
    """The codes of the targets a unit leads or supports, in the plan's order."""
    involved = {a.target_code for a in assignments.assignments if a.involves(unit_code)}
    return tuple(t.code for t in targets() if t.code in involved)


def _missing_6ro_findings(assignments: Sequence[Assignment]) -> tuple[AssignmentFinding, ...]:
    """One `missing_6ro` finding per target of the plan whose assignment lacks any of the six."""
    by_code = {a.target_code: a for a in assignments}
    findings = []
    for target in targets():
        assignment = by_code.get(target.code)
        if assignment is None:
            missing, message = SIX_RO, f"Chỉ tiêu {target.code} chưa được phân công"
            source = None
        else:
            missing = assignment.missing_6ro()
            if not missing:
                continue
            message = f"Chỉ tiêu {target.code} chưa đủ “6 rõ”: thiếu {', '.join(missing)}"
            source = assignment.source
        findings.append(
            AssignmentFinding(
                target_code=target.code, missing=missing, message=message, source=source
            )
        )
    return tuple(findings)


def _open(path: Path) -> Table:
    if not path.is_file():
        raise SourceError(f"Không tìm thấy tệp phân công: {path}")
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise SourceError(f"Tệp phân công phải là .xlsx hoặc .csv: {path}")
    try:
        sheets = load_sheets(path)
        sheet = (
            sheets[0] if path.suffix.lower() == ".csv" else find_sheet(sheets, col.ASSIGNMENT_SHEET)
        )
        if sheet is None:
            raise SourceError(f"Tệp {path.name} không có trang tính '{col.ASSIGNMENT_SHEET}'")
        return read_table(sheet, col.ASSIGNMENT_COLUMNS)
    except (FileUnreadable, TableError) as exc:
        raise SourceError(f"{path.name}: {exc.reason}") from None


def _parse_row(
    row: TableRow, file: str, sheet: str, heading: str | None
) -> tuple[Assignment | None, list[RowError]]:
    errors: list[RowError] = []

    def error(column: str, reason: str) -> None:
        errors.append(
            RowError(file=file, sheet=sheet, row=row.number, column=column, reason=reason)
        )

    if is_blank(row[col.CODE].value):
        error(col.CODE, "Thiếu mã chỉ tiêu")
        return None, errors
    try:
        code = parse_target_code(row[col.CODE].value, heading)
    except CellError as exc:
        error(col.CODE, exc.reason)
        return None, errors
    lead: str | None = None
    if not is_blank(row[col.LEAD_UNIT].value):
        try:
            lead = parse_unit(row[col.LEAD_UNIT].value).code
        except CellError as exc:
            error(col.LEAD_UNIT, exc.reason)
    supporting: list[str] = []
    others: list[str] = []
    raw = row[col.SUPPORTING_UNITS].value
    for name in re.split(r"[;,\r\n]", raw if isinstance(raw, str) else cell_text(raw)):
        if not normalize_text(name):
            continue
        try:
            supporting.append(parse_unit(name).code)
        except CellError:
            others.append(normalize_text(name))
    deadline_cell = row[col.DEADLINE].value
    deadline, deadline_text = None, cell_text(deadline_cell)
    if deadline_text:
        try:
            deadline = parse_deadline(deadline_cell)
        except CellError as exc:
            error(col.DEADLINE, exc.reason)
            deadline_text = ""
    assignment = Assignment(
        target_code=code,
        lead_unit=lead,
        supporting_units=tuple(dict.fromkeys(s for s in supporting if s != lead)),
        other_supporters=tuple(dict.fromkeys(others)),
        responsible_person=cell_text(row[col.RESPONSIBLE_PERSON].value),
        product=cell_text(row[col.PRODUCT].value),
        deadline=deadline,
        deadline_text=deadline_text,
        approving_authority=cell_text(row[col.APPROVING_AUTHORITY].value),
        source=SourceRef(file=file, sheet=sheet, row=row.number),
    )
    return assignment, errors


def _drop_conflicting_duplicates(
    assignments: list[Assignment],
) -> tuple[list[Assignment], list[RowError]]:
    groups: dict[str, list[Assignment]] = {}
    for assignment in assignments:
        groups.setdefault(assignment.target_code, []).append(assignment)
    kept: list[Assignment] = []
    errors: list[RowError] = []
    for code, group in groups.items():
        contents = [a.model_dump(exclude={"source"}) for a in group]
        if all(c == contents[0] for c in contents):
            kept.append(group[0])
            continue
        rows = ", ".join(str(a.source.row) for a in group if a.source is not None)
        errors.extend(
            RowError(
                file=a.source.file,
                sheet=a.source.sheet,
                row=a.source.row,
                column=col.CODE,
                reason=f"Chỉ tiêu {code} được phân công ở nhiều dòng khác nhau ({rows})",
            )
            for a in group
            if a.source is not None
        )
    return kept, errors
