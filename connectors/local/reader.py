"""Read a source of unit workbooks (`.xlsx`, `.csv`) into canonical records and row errors.

SOURCE is a folder, read recursively, or a single file. Hidden files and folders (`.…`) and
Excel lock files (`~$…`) are skipped. Paths in records and errors are POSIX paths relative to
SOURCE (to its folder when SOURCE is a file), as are evidence paths. Only regular files are
read: a pipe, device or socket named like a workbook is one file error and is never opened,
and so is a link that resolves outside SOURCE.

The unit of an `.xlsx` workbook is read from its `Đơn vị` sheet in either layout
(`connectors.local.unit_sheet`). A CSV file has no second sheet: its rows take the unit from an
optional `Mã đơn vị` column (code or name), else from the file name's leading token
(`VHXH_2026-11.csv` → VHXH); both are matched against `models.units` case-insensitively. A CSV
file whose unit cannot be known at all is one file error.

In the `Báo cáo` sheet a row is read when one of the cells a unit fills in (value, percentage,
status, note, evidence, document number, issue date) holds something (a formula without a
cached value counts); rows with only the prefilled code and title (and a merged period or
reporter) are left for later, and section headings set the section for `(n)` codes. Every value
the plan needs is required: the code, the period (a month of the plan's year), the completion
percentage, the status and, for a target measured in a unit, the measured value; the numbers
must agree with the status (`connectors.local.rules`). A row with any error yields no record:
in particular a row naming an evidence file that is absent or refused is an error (column
`Tệp minh chứng`) and not a record, so that no record is ever pushed with its evidence silently
dropped.

Two rows with the same (unit, target, period) and different values are an error on each of
them and yield no record; identical rows yield one record (the first). A file that cannot be
read at all is one error (row None) and the other files are still read; a workbook that is not
a report (no `Báo cáo` sheet or no header row) but is named as evidence by some row is not
an error. An unexpected exception while reading a file is a fault of nqsync: it is logged with
its traceback and the file gets one error saying so.
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import structlog

from connectors.filecheck import is_inside
from connectors.local import columns as col
from connectors.local.evidence import EvidenceResolver, FileHasher, hash_file, split_names
from connectors.local.grid import (
    Cell,
    FileUnreadable,
    Sheet,
    SourceError,
    find_sheet,
    load_sheets,
)
from connectors.local.hash_cache import CachedHasher, HashCache
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
from connectors.local.parse_cache import FileOutcome, ParseCache
from connectors.local.rules import period_problem, status_problems
from connectors.local.table import TableError, TableRow, read_table, rows_under_headings
from connectors.local.unit_sheet import UNCACHED_FORMULA, UnitSheetError, read_unit
from models.catalogue import Target, get
from models.records import (
    EvidenceFile,
    ProgressRecord,
    ReadResult,
    RowError,
    SourceFile,
    SourceRef,
)
from models.units import Unit, get_unit

__all__ = ["SourceError", "read_source"]

REPORT_SUFFIXES = (".xlsx", ".csv")
_LEGACY_SUFFIXES = (".xls",)

T = TypeVar("T")

log = structlog.get_logger("nqsync.local")

INTERNAL_FAULT = (
    "Lỗi nội bộ của nqsync khi đọc tệp này (không phải lỗi của người điền báo cáo): chi tiết "
    "đã được ghi vào nhật ký chạy; hãy báo cho người quản trị nqsync"
)
OUTSIDE_SOURCE = "Tệp là liên kết trỏ ra ngoài thư mục nguồn: không đọc"


def read_source(
    source: Path, cache: HashCache | None = None, *, parse_cache: ParseCache | None = None
) -> ReadResult:
    """Every unit workbook under SOURCE as records and row errors; SourceError when SOURCE
    does not exist, cannot be read, or holds no workbook.

    With CACHE, a workbook or evidence file whose size, mtime and inode are as the cache
    recorded is not read to be hashed; the new hashes are recorded at the end, in one batch.
    With PARSE_CACHE, a workbook is not parsed when neither it nor anything its evidence
    lookups consulted changed since an earlier read kept its outcome (see
    `connectors.local.parse_cache`); the new outcomes are kept at the end, in one batch.
    """
    root, paths = _discover(source)
    cached = None if cache is None else CachedHasher(cache)
    hasher: FileHasher = hash_file if cached is None else cached
    resolver = EvidenceResolver(root, hasher)
    if parse_cache is not None:
        parse_cache.begin(root)
    outcomes: list[tuple[str, FileOutcome]] = []
    for path in paths:
        file = path.relative_to(root).as_posix()
        outcomes.append((file, _read_file(path, file, root, resolver, hasher, parse_cache)))
    if cached is not None:
        cached.flush()
    if parse_cache is not None:
        parse_cache.flush()
    evidence = resolver.named_paths.union(*(o.named for _, o in outcomes))
    kept = [o for file, o in outcomes if not (o.not_a_report and file in evidence)]
    records, duplicate_errors = _drop_conflicting_duplicates([r for o in kept for r in o.records])
    errors = sorted([*(e for o in kept for e in o.errors), *duplicate_errors], key=_error_order)
    files = [o.source_file for o in kept if o.source_file is not None]
    return ReadResult(records=tuple(records), errors=tuple(errors), files=tuple(files))


def _discover(source: Path) -> tuple[Path, list[Path]]:
    """The source root and the workbook files under it, sorted by relative path."""
    if not source.exists():
        raise SourceError(f"Không tìm thấy nguồn dữ liệu: {source}")
    if not source.is_file() and not source.is_dir():
        raise SourceError(f"Nguồn dữ liệu không phải tệp hay thư mục thông thường: {source}")
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
class _RowContext:
    """What a row of one workbook needs besides its cells."""

    file: str
    sheet: str
    folder: Path
    unit: Unit | None
    evidence: EvidenceResolver


def _read_file(
    path: Path,
    file: str,
    root: Path,
    resolver: EvidenceResolver,
    hasher: FileHasher,
    parse_cache: ParseCache | None,
) -> FileOutcome:
    if not is_inside(path, root):
        return FileOutcome(errors=(_FileProblem(OUTSIDE_SOURCE).as_error(file),))
    if parse_cache is None:
        return _parse_file(path, file, resolver, hasher)[0]
    reused = parse_cache.reuse(path, file)
    if reused is not None:
        return reused
    watch = parse_cache.watch(path)
    with resolver.watching(watch):
        outcome, faulted = _parse_file(path, file, resolver, hasher)
    outcome = outcome.model_copy(update={"named": watch.named})
    if not faulted:
        parse_cache.keep(path, file, watch, outcome)
    return outcome


def _parse_file(
    path: Path, file: str, resolver: EvidenceResolver, hasher: FileHasher
) -> tuple[FileOutcome, bool]:
    """The workbook's outcome, and whether its parse hit a fault of nqsync."""
    source_file = _source_file(path, file, hasher)
    try:
        records, errors = _read_report(path, file, resolver)
    except _FileProblem as problem:
        error = problem.as_error(file)
        return FileOutcome(
            errors=(error,), not_a_report=problem.not_a_report, source_file=source_file
        ), False
    except Exception:
        log.exception("local_file_internal_fault", file=file)
        error = _FileProblem(INTERNAL_FAULT).as_error(file)
        return FileOutcome(errors=(error,), source_file=source_file), True
    return FileOutcome(records=tuple(records), errors=tuple(errors), source_file=source_file), False


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
        reason = exc.reason
        if report.encoding == "cp1258":
            reason += (
                " (tệp CSV không theo mã UTF-8 nên đã được đọc theo mã Windows-1258 (cp1258); "
                "nếu chữ tiếng Việt bị lỗi, hãy mở bằng Excel và lưu lại dạng 'CSV UTF-8')"
            )
        raise _FileProblem(reason, report.name, exc.row, not_a_report=exc.row is None) from None
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
    context = _RowContext(file, report.name, path.parent, unit, resolver)
    records: list[ProgressRecord] = []
    errors: list[RowError] = []
    for row, heading in rows_under_headings(table, col.CODE, col.TITLE):
        if not row.filled(col.REPORT_CELLS):
            continue
        record, row_errors = _parse_report_row(row, context, heading)
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
            f"Không có trang tính '{col.UNIT_SHEET}' (ghi mã và tên đơn vị)", col.UNIT_SHEET
        )
    try:
        return read_unit(sheet)
    except UnitSheetError as exc:
        raise _FileProblem(exc.reason, sheet.name, exc.row, exc.column) from None


class _RowReader:
    """Reads a row's cells, collecting one error per unreadable cell."""

    def __init__(self, row: TableRow, context: _RowContext) -> None:
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

    def uncached(self, column: str) -> bool:
        """Whether the cell holds a formula without a cached value (then an error here)."""
        if self.row[column].uncached_formula:
            self.error(column, UNCACHED_FORMULA)
            return True
        return False

    def optional(self, column: str, parse: Callable[[Cell], T]) -> T | None:
        cell = self.row[column]
        if self.uncached(column) or is_blank(cell.value):
            return None
        try:
            return parse(cell)
        except CellError as exc:
            self.error(column, exc.reason)
            return None

    def required(self, column: str, parse: Callable[[Cell], T], missing: str) -> T | None:
        cell = self.row[column]
        if is_blank(cell.value) and not cell.uncached_formula:
            self.error(column, missing)
            return None
        return self.optional(column, parse)

    def text(self, column: str) -> str:
        return "" if self.uncached(column) else cell_text(self.row[column].value)

    def unit(self) -> Unit | None:
        unit = self.optional(col.UNIT_CODE, lambda c: parse_unit(c.value))
        if unit is None and not self.row.filled([col.UNIT_CODE]):
            unit = self.context.unit
            if unit is None:
                self.error(col.UNIT_CODE, "Thiếu mã đơn vị (tên tệp không bắt đầu bằng mã đơn vị)")
        return unit

    def evidence(self) -> tuple[EvidenceFile, ...]:
        if self.uncached(col.EVIDENCE):
            return ()
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


def _parse_report_row(
    row: TableRow, context: _RowContext, heading: str | None
) -> tuple[ProgressRecord | None, list[RowError]]:
    """One filled-in row as a record, or its errors (one per unreadable cell); never raises
    on a cell's content."""
    read = _RowReader(row, context)
    code = read.required(
        col.CODE, lambda c: parse_target_code(c.value, heading), "Thiếu mã chỉ tiêu"
    )
    target = get(code) if code else None
    period = read.required(col.PERIOD, lambda c: parse_period(c.value), "Thiếu kỳ báo cáo")
    if period is not None and (problem := period_problem(period)):
        read.error(col.PERIOD, problem)
    actual = _actual(read, target)
    progress = read.required(
        col.PROGRESS,
        lambda c: parse_progress_percent(c.value, percent_format=c.percent),
        "Thiếu tỷ lệ hoàn thành",
    )
    status = read.required(col.STATUS, lambda c: parse_status(c.value), "Thiếu tình trạng")
    if status is not None:
        for column, reason in status_problems(status, actual, progress, target):
            read.error(column, reason)
    note, reporter = read.text(col.NOTE), read.text(col.REPORTER)
    evidence = read.evidence()
    document_number = read.text(col.DOCUMENT_NUMBER)
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
        note=note,
        reporter=reporter,
        evidence=evidence,
        document_number=document_number,
        issue_date=issue_date,
        source=SourceRef(file=context.file, sheet=context.sheet, row=row.number),
    )
    return record, []


def _actual(read: _RowReader, target: Target | None) -> Decimal | None:
    """The measured value: required for a target measured in a unit (not for a milestone)."""

    def parse(cell: Cell) -> Decimal:
        return parse_actual(cell.value, percent_format=cell.percent, target=target)

    if target is None or target.unit is None:
        return read.optional(col.ACTUAL, parse)
    measure = "%" if target.unit == "%" else target.unit
    missing = f"Thiếu giá trị thực hiện (chỉ tiêu {target.code} tính bằng '{measure}')"
    return read.required(col.ACTUAL, parse, missing)


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


def _source_file(path: Path, file: str, hasher: FileHasher) -> SourceFile | None:
    try:
        sha256, size = hasher(path)
    except OSError:
        return None
    return SourceFile(path=file, sha256=sha256, size=size)
