"""The `nqsync` command line. Heavy modules are imported inside commands so `--help` stays fast."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="nqsync",
    help="Đồng bộ báo cáo tiến độ Nghị quyết 57 của xã lên theodoinq và nq71.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def catalogue(
    as_json: Annotated[bool, typer.Option("--json", help="In danh sách dạng JSON.")] = False,
) -> None:
    """Danh mục 44 chỉ tiêu của Kế hoạch (the plan's 44 targets)."""
    from models.catalogue import as_json_rows, targets

    if as_json:
        typer.echo(json.dumps(as_json_rows(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Danh mục chỉ tiêu năm 2026")
    for header in ("Mã", "Chỉ tiêu", "ĐVT", "Mục tiêu", "Hạn"):
        table.add_column(header)
    for t in targets():
        goal = "" if t.target_operator is None else f"{t.target_operator} {t.target_value:g}"
        table.add_row(t.code, t.title, t.unit or "", goal, t.deadline.strftime("%d/%m/%Y"))
    Console().print(table)


@app.command()
def validate(
    source: Annotated[Path, typer.Argument(help="Thư mục (hoặc tệp) báo cáo của các đơn vị.")],
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Đọc và kiểm tra các tệp báo cáo của đơn vị (read and check the units' workbooks)."""
    from connectors.local.commands import validate_command

    raise typer.Exit(validate_command(source, as_json=as_json))


@app.command()
def template(
    unit_code: Annotated[str, typer.Argument(help="Mã đơn vị, ví dụ VHXH.")],
    out: Annotated[Path | None, typer.Option("--out", help="Tệp Excel sẽ ghi.")] = None,
) -> None:
    """Tạo mẫu báo cáo Excel cho một đơn vị (write a unit's report workbook)."""
    from connectors.local.commands import template_command

    raise typer.Exit(template_command(unit_code, out))


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
