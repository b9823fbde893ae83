"""Implementations of `nqsync validate` and `nqsync template` (being written)."""

from pathlib import Path

import typer


def validate_command(source: Path, *, as_json: bool) -> int:
    """Read SOURCE, print records and row errors; return the exit code."""
    typer.echo("Lệnh validate chưa sẵn sàng.", err=True)
    return 2


def template_command(unit_code: str, out: Path | None) -> int:
    """Write UNIT_CODE's workbook to OUT; return the exit code."""
    typer.echo("Lệnh template chưa sẵn sàng.", err=True)
    return 2
