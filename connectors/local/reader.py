"""Read a source of unit workbooks (`.xlsx`, `.csv`) into canonical records and row errors.

SOURCE is a folder, read recursively, or a single file. Hidden files and folders (`.…`) and
Excel lock files (`~$…`) are skipped. Paths in records and errors are POSIX paths relative to
SOURCE (to its folder when SOURCE is a file), as are evidence paths.

The unit of an `.xlsx` workbook is read from its `Đơn vị` sheet (`Mã đơn vị`, or else
`Tên đơn vị`, on the row under those headers, normally A2:B2). A CSV file has no second sheet:
its rows take the unit from an optional `Mã đơn vị` column (code or name), else from the file
name's leading token (`VHXH_2026-11.csv` → VHXH); both are matched against `models.units`
case-insensitively. A CSV file whose unit cannot be known at all is one file error.

In the `Báo cáo` sheet a row is read when one of the cells a unit fills in (value, percentage,
status, note, evidence, document number, issue date) holds something; rows with only the
prefilled code and title (and a merged period or reporter) are left for later, and section
headings set the section for `(n)` codes. A row with any error yields no record: in particular
a row naming an evidence file that is absent is an error (column `Tệp minh chứng`) and not a
record, so that no record is ever pushed with its evidence silently dropped.

Two rows with the same (unit, target, period) and different values are an error on each of
them and yield no record; identical rows yield one record (the first). A file that cannot be
read at all is one error (row None) and the other files are still read; a workbook that is not
a report (no `Báo cáo` sheet or no header row) but is named as evidence by some row is not
an error.
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from connectors.local import columns as col
from connectors.local.evidence import EvidenceResolver, hash_file, split_names
from connectors.local.grid import (
    Cell,
    FileUnreadable,
    Sheet,
    SourceError,
    find_sheet,
    load_sheets,
)
from connectors.local.normalize import (
    CellError,
    cell_text,
    is_blank,
    parse_actual,
    parse_date,
    parse_period,
    parse_progress_percent,
    parse_status,
    parse_target_code,
    parse_unit,
)
from connectors.local.table import TableError, TableRow, read_table, rows_under_headings
from models.catalogue import get
from models.records import (
    EvidenceFile,
    ProgressRecord,
    ReadResult,
    RowError,
    SourceFile,
    SourceRef,
)
from models.units import Unit, get_unit

__all__ = ["SourceError", "discover", "parse_report_row", "read_source"]

REPORT_SUFFIXES = (".xlsx", ".csv")
_LEGACY_SUFFIXES = (".xls",)

T = TypeVar("T")


def read_source(source: Path) -> ReadResult:
    """Every unit workbook under SOURCE as records and row errors; SourceError when SOURCE
    does not exist, cannot be read, or holds no workbook."""
    root, paths = discover(source)
    resolver = EvidenceResolver(root)
    outcomes = [_read_file(path, path.relative_to(root).as_posix(), resolver) for path in paths]
    evidence = resolver.named_paths
    kept = [o for o in outcomes if not (o.not_a_report and o.file in evidence)]
    records, duplicate_errors = _drop_conflicting_duplicates([r for o in kept for r in o.records])
    errors = sorted([*(e for o in kept for e in o.errors), *duplicate_errors], key=_error_order)
    files = [f for f in (_source_file(o) for o in kept) if f is not None]
    return ReadResult(records=tuple(records), errors=tuple(errors), files=tuple(files))


def discover(source: Path) -> tuple[Path, list[Path]]:
    """The source root and the workbook files under it, sorted by relative path."""
    if not source.exists():
        raise SourceError(f"Không tìm thấy nguồn dữ liệu: {source}")
    if source.is_file():
        if source.suffix.lower() not in (*REPORT_SUFFIXES, *_LEGACY_SUFFIXES):
            raise SourceError(f"Không phải tệp báo cáo (.xlsx, .csv): {source}")
        if not os.access(source, os.R_OK):
            raise SourceError(f"Không đọc được tệp: {source}")
        return source.parent, [source]
    if not os.access(source, os.R_OK | os.X_OK):
        raise SourceError(f"Không đọc được thư mục: {source}")
    found: list[Path] = []
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(folder, f) for f in files if _is_workbook_name(f))
    if not found:
        raise SourceError(f"Thư mục không có tệp báo cáo nào (.xlsx, .csv): {source}")
    return source, sorted(found, key=lambda p: p.relative_to(source).as_posix())


def _is_workbook_name(name: str) -> bool:
    suffix = Path(name).suffix.lower()
    return not name.startswith((".", "~$")) and suffix in (*REPORT_SUFFIXES, *_LEGACY_SUFFIXES)


@dataclass
class _Outcome:
    path: Path
    file: str
    records: list[ProgressRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    not_a_report: bool = False


class _FileProblem(Exception):
    def __init__(
        self,
        reason: str,
        sheet: str = "",
        row: int | None = None,
        column: str | None = None,
        *,
        not_a_report: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason, self.sheet, self.row, self.column = reason, sheet, row, column
        self.not_a_report = not_a_report

    def as_error(self, file: str) -> RowError:
        return RowError(
            file=file, sheet=self.sheet, row=self.row, column=self.column, reason=self.reason
        )


@dataclass(frozen=True)
class RowContext:
    """What a row of one workbook needs besides its cells."""

    file: str
    sheet: str
    folder: Path
    unit: Unit | None
    evidence: EvidenceResolver


def _read_file(path: Path, file: str, resolver: EvidenceResolver) -> _Outcome:
    try:
        records, errors = _read_report(path, file, resolver)
    except _FileProblem as problem:
        return _Outcome(
            path, file, errors=[problem.as_error(file)], not_a_report=problem.not_a_report
        )
    except Exception as exc:
        reason = f"Lỗi không mong đợi khi đọc tệp ({type(exc).__name__})"
        return _Outcome(path, file, errors=[_FileProblem(reason).as_error(file)])
    return _Outcome(path, file, records, errors)


def _read_report(
    path: Path, file: str, resolver: EvidenceResolver
) -> tuple[list[ProgressRecord], list[RowError]]:
    suffix = path.suffix.lower()
    if suffix in _LEGACY_SUFFIXES:
        raise _FileProblem(
            "Định dạng .xls (Excel 97-2003) không được hỗ trợ: hãy lưu lại thành .xlsx"
        )
    is_csv = suffix == ".csv"
    try:
        sheets = load_sheets(path)
        report = sheets[0] if is_csv else find_sheet(sheets, col.REPORT_SHEET)
    except FileUnreadable as exc:
        raise _FileProblem(exc.reason) from None
    if report is None:
        raise _FileProblem(
            f"Không có trang tính '{col.REPORT_SHEET}' (trang bị ẩn không được đọc)",
            col.REPORT_SHEET,
            not_a_report=True,
        )
    try:
        table = read_table(report, col.CSV_REPORT_COLUMNS if is_csv else col.REPORT_COLUMNS)
    except TableError as exc:
        raise _FileProblem(exc.reason, report.name, exc.row, not_a_report=exc.row is None) from None
    if is_csv:
        unit = _unit_from_file_name(path)
        if unit is None and col.UNIT_CODE not in table.columns:
            raise _FileProblem(
                f"Không xác định được đơn vị: tệp CSV cần cột '{col.UNIT_CODE}' hoặc tên tệp "
                "bắt đầu bằng mã đơn vị (ví dụ VHXH_2026-11.csv)",
                column=col.UNIT_CODE,
            )
    else:
        unit = _workbook_unit(sheets)
    context = RowContext(file, report.name, path.parent, unit, resolver)
    records: list[ProgressRecord] = []
    errors: list[RowError] = []
    for row, heading in rows_under_headings(table, col.CODE, col.TITLE):
        if not row.filled(col.REPORT_CELLS):
            continue
        record, row_errors = parse_report_row(row, context, heading)
        errors.extend(row_errors)
        if record is not None:
            records.append(record)
    return records, errors


def _unit_from_file_name(path: Path) -> Unit | None:
    token = re.split(r"[_\-\s.]+", path.stem)[0]
    return get_unit(token) if token else None


def _workbook_unit(sheets: list[Sheet]) -> Unit:
    try:
        sheet = find_sheet(sheets, col.UNIT_SHEET)
    except FileUnreadable as exc:
        raise _FileProblem(exc.reason, col.UNIT_SHEET) from None
    if sheet is None:
        raise _FileProblem(
            f"Không có trang tính '{col.UNIT_SHEET}' (mã đơn vị ở ô A2)", col.UNIT_SHEET
        )
    try:
        table = read_table(sheet, col.UNIT_COLUMNS)
    except TableError as exc:
        raise _FileProblem(exc.reason, sheet.name, exc.row) from None
    row = table.rows[0] if table.rows else None
    if row is None:
        raise _FileProblem("Thiếu mã đơn vị", sheet.name, table.header_row + 1, col.UNIT_CODE)
    column = col.UNIT_CODE if row.filled([col.UNIT_CODE]) else col.UNIT_NAME
    try:
        return parse_unit(row[column].value)
    except CellError as exc:
        raise _FileProblem(exc.reason, sheet.name, row.number, column) from None


class _RowReader:
    """Reads a row's cells, collecting one error per unreadable cell."""

    def __init__(self, row: TableRow, context: RowContext) -> None:
        self.row, self.context = row, context
        self.errors: list[RowError] = []

    def error(self, column: str, reason: str) -> None:
        self.errors.append(
            RowError(
                file=self.context.file,
                sheet=self.context.sheet,
                row=self.row.number,
                column=column,
                reason=reason,
            )
        )

    def optional(self, column: str, parse: Callable[[Cell], T]) -> T | None:
        cell = self.row[column]
        if is_blank(cell.value):
            return None
        try:
            return parse(cell)
        except CellError as exc:
            self.error(column, exc.reason)
            return None

    def required(self, column: str, parse: Callable[[Cell], T], missing: str) -> T | None:
        if is_blank(self.row[column].value):
            self.error(column, missing)
            return None
        return self.optional(column, parse)

    def unit(self) -> Unit | None:
        unit = self.optional(col.UNIT_CODE, lambda c: parse_unit(c.value))
        if unit is None and not self.row.filled([col.UNIT_CODE]):
            unit = self.context.unit
            if unit is None:
                self.error(col.UNIT_CODE, "Thiếu mã đơn vị (tên tệp không bắt đầu bằng mã đơn vị)")
        return unit

    def evidence(self) -> tuple[EvidenceFile, ...]:
        value = self.row[col.EVIDENCE].value
        names = split_names(value if isinstance(value, str) else cell_text(value))
        found: dict[str, EvidenceFile] = {}
        for name in names:
            try:
                evidence = self.context.evidence.resolve(self.context.folder, name)
            except CellError as exc:
                self.error(col.EVIDENCE, exc.reason)
                continue
            found.setdefault(evidence.path, evidence)
        return tuple(found.values())


def parse_report_row(
    row: TableRow, context: RowContext, heading: str | None
) -> tuple[ProgressRecord | None, list[RowError]]:
    """One filled-in row as a record, or its errors (one per unreadable cell); never raises
    on a cell's content."""
    read = _RowReader(row, context)
    code = read.required(
        col.CODE, lambda c: parse_target_code(c.value, heading), "Thiếu mã chỉ tiêu"
    )
    target = get(code) if code else None
    period = read.required(col.PERIOD, lambda c: parse_period(c.value), "Thiếu kỳ báo cáo")
    actual = read.optional(
        col.ACTUAL, lambda c: parse_actual(c.value, percent_format=c.percent, target=target)
    )
    progress = read.optional(
        col.PROGRESS, lambda c: parse_progress_percent(c.value, percent_format=c.percent)
    )
    status = read.required(col.STATUS, lambda c: parse_status(c.value), "Thiếu tình trạng")
    evidence = read.evidence()
    issue_date = read.optional(col.ISSUE_DATE, lambda c: parse_date(c.value).isoformat())
    unit = read.unit()
    if read.errors or code is None or period is None or status is None or unit is None:
        return None, read.errors
    record = ProgressRecord(
        unit_code=unit.code,
        target_code=code,
        period=period,
        actual=actual,
        progress_percent=progress,
        status=status,
        note=cell_text(row[col.NOTE].value),
        reporter=cell_text(row[col.REPORTER].value),
        evidence=evidence,
        document_number=cell_text(row[col.DOCUMENT_NUMBER].value),
        issue_date=issue_date,
        source=SourceRef(file=context.file, sheet=context.sheet, row=row.number),
    )
    return record, []


_FIELD_COLUMNS = {
    "actual": col.ACTUAL,
    "progress_percent": col.PROGRESS,
    "status": col.STATUS,
    "note": col.NOTE,
    "reporter": col.REPORTER,
    "evidence": col.EVIDENCE,
    "document_number": col.DOCUMENT_NUMBER,
    "issue_date": col.ISSUE_DATE,
}


def _drop_conflicting_duplicates(
    records: list[ProgressRecord],
) -> tuple[list[ProgressRecord], list[RowError]]:
    groups: dict[tuple[str, str, str], list[ProgressRecord]] = {}
    for record in records:
        groups.setdefault(record.key, []).append(record)
    kept: list[ProgressRecord] = []
    errors: list[RowError] = []
    for (unit, code, period), group in groups.items():
        contents = [r.model_dump(mode="json", exclude={"source"}) for r in group]
        if all(c == contents[0] for c in contents):
            kept.append(group[0])
            continue
        for i, record in enumerate(group):
            here = record.source
            others = [r.source for r in group if r is not record]
            places = ", ".join(
                f"dòng {o.row}"
                if (o.file, o.sheet) == (here.file, here.sheet)
                else f"dòng {o.row} tệp '{o.file}'"
                for o in others
            )
            differing = [
                name
                for key, name in _FIELD_COLUMNS.items()
                if any(contents[i][key] != c[key] for c in contents)
            ]
            month = f"{period[5:]}/{period[:4]}"
            errors.append(
                RowError(
                    file=here.file,
                    sheet=here.sheet,
                    row=here.row,
                    column=None,
                    reason=(
                        f"Trùng chỉ tiêu {code}, kỳ {month}, đơn vị {unit} với {places} "
                        f"nhưng khác giá trị: {', '.join(differing)}"
                    ),
                )
            )
    return kept, errors


_COLUMN_ORDER = {name: i for i, name in enumerate((*col.REPORT_HEADERS, col.UNIT_CODE))}


def _error_order(error: RowError) -> tuple[str, int, int]:
    row = -1 if error.row is None else error.row
    return error.file, row, -1 if error.column is None else _COLUMN_ORDER.get(error.column, -1)


def _source_file(outcome: _Outcome) -> SourceFile | None:
    try:
        sha256, size = hash_file(outcome.path)
    except OSError:
        return None
    return SourceFile(path=outcome.file, sha256=sha256, size=size)
