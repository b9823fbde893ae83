"""Implementations of `nqsync validate` and `nqsync template`.

Exit codes: 0 all good; 1 row errors (validate); 2 the source, the unit code, the assignment
file or the output cannot be used at all (a one-line reason on stderr, no traceback).
"""

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from connectors.local.assignments import assigned_targets, read_assignments
from connectors.local.grid import SourceError
from connectors.local.normalize import format_number_vi
from connectors.local.reader import read_source
from connectors.local.template import write_template
from models.catalogue import targets
from models.records import STATUS_LABELS, ReadResult
from models.units import UNITS, get_unit


def validate_command(source: Path, *, as_json: bool) -> int:
    """Read SOURCE, print records and row errors; return the exit code."""
    try:
        result = read_source(source)
    except SourceError as exc:
        typer.echo(f"Lỗi: {exc.reason}", err=True)
        return 2
    if as_json:
        payload = {
            "records": [r.model_dump(mode="json") for r in result.records],
            "errors": [e.model_dump(mode="json") for e in result.errors],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_tables(result)
    return 1 if result.errors else 0


def template_command(
    unit_code: str, out: Path | None, assignments: Path | None = None, *, force: bool = False
) -> int:
    """Write UNIT_CODE's workbook to OUT (default `<UNIT_CODE>_bao_cao.xlsx` here), with the
    unit's assigned targets from ASSIGNMENTS (all 44 without one); return the exit code."""
    unit = get_unit(unit_code)
    if unit is None:
        known = ", ".join(u.code for u in UNITS)
        return _fail(f"mã đơn vị không có trong danh mục: '{unit_code}' (các mã: {known})")
    codes = [t.code for t in targets()]
    if assignments is not None:
        try:
            assignment_set = read_assignments(assignments)
        except SourceError as exc:
            return _fail(exc.reason)
        for error in assignment_set.errors:
            typer.echo(
                f"Cảnh báo: {error.file} dòng {error.row}, cột {error.column}: {error.reason}",
                err=True,
            )
        codes = list(assigned_targets(assignment_set, unit.code)) or codes
    path = out if out is not None else Path.cwd() / f"{unit.code}_bao_cao.xlsx"
    if path.suffix.lower() != ".xlsx":
        return _fail(f"tệp mẫu phải có đuôi .xlsx: {path}")
    if path.exists() and not force:
        return _fail(f"tệp đã có, không ghi đè: {path} (thêm --force để ghi đè)")
    if not path.parent.is_dir():
        return _fail(f"không có thư mục: {path.parent}")
    try:
        write_template(unit, codes, path)
    except OSError as exc:
        return _fail(f"không ghi được tệp {path}: {exc.strerror or exc}")
    typer.echo(f"Đã ghi mẫu báo cáo của {unit.name} ({unit.code}), {len(codes)} chỉ tiêu: {path}")
    return 0


def _fail(reason: str) -> int:
    typer.echo(f"Lỗi: {reason}", err=True)
    return 2


def _number(value: Decimal | None) -> str:
    return "" if value is None else format_number_vi(value)


_ERROR_HEADERS = ("Tệp", "Trang", "Dòng", "Cột", "Lý do")
_RECORD_HEADERS = (
    "Tệp",
    "Dòng",
    "Đơn vị",
    "Chỉ tiêu",
    "Kỳ",
    "Giá trị",
    "Tỷ lệ (%)",
    "Tình trạng",
    "Minh chứng",
)
_UNWRAPPED = {"Dòng", "Đơn vị", "Chỉ tiêu", "Kỳ"}


def _table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    table = Table(title=title)
    for header in headers:
        table.add_column(header, overflow="fold", no_wrap=header in _UNWRAPPED)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def _print_tables(result: ReadResult) -> None:
    console = Console()
    if result.errors:
        error_rows = [
            (e.file, e.sheet, "" if e.row is None else str(e.row), e.column or "", e.reason)
            for e in result.errors
        ]
        console.print(_table(f"Lỗi ({len(result.errors)})", _ERROR_HEADERS, error_rows))
    if result.records:
        record_rows = [
            (
                r.source.file,
                str(r.source.row),
                r.unit_code,
                r.target_code,
                r.period,
                _number(r.actual),
                _number(r.progress_percent),
                STATUS_LABELS[r.status],
                str(len(r.evidence)),
            )
            for r in result.records
        ]
        console.print(
            _table(f"Bản ghi hợp lệ ({len(result.records)})", _RECORD_HEADERS, record_rows)
        )
    console.print(Text(f"{len(result.records)} bản ghi hợp lệ, {len(result.errors)} lỗi."))
