"""`nqsync sync`, `nqsync serve` and `nqsync demo`: the flow from the command line."""

import asyncio
import json
import os
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SYSTEM_CHOICES = ("all", "theodoinq", "nq71")
NIGHTLY_CRON = "0 1 * * *"
TIMEZONE = "Asia/Ho_Chi_Minh"


def prepare_prefect(log_level: str = "WARNING") -> None:
    """Offline-friendly Prefect settings for nqsync's own processes (before Prefect loads)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", log_level)


def _fail(message: str) -> int:
    typer.echo(f"Lỗi: {message}", err=True)
    return 2


def check_settings() -> str | None:
    """Why the settings cannot be used (one line, no secret), or None."""
    from models.settings import get_settings

    get_settings.cache_clear()
    try:
        get_settings()
    except ValidationError as error:
        return "cấu hình không hợp lệ: " + "; ".join(
            str(e.get("msg", "")).removeprefix("Value error, ") for e in error.errors()
        )
    return None


def sync_command(
    source: Path,
    system: str,
    periods: Sequence[str],
    *,
    dry_run: bool,
    submit: bool,
    as_json: bool,
    as_of: date | None = None,
) -> int:
    """Run the flow once; 0 all good, 1 some record failed, 2 usage or configuration error."""
    if system not in SYSTEM_CHOICES:
        choices = ", ".join(SYSTEM_CHOICES)
        return _fail(f"--system phải là một trong {choices}, không phải '{system}'")
    bad = [p for p in periods if not PERIOD.match(p)]
    if bad:
        return _fail(f"kỳ báo cáo phải có dạng YYYY-MM (ví dụ 2026-11), không phải '{bad[0]}'")
    if not source.exists():
        return _fail(f"không tìm thấy thư mục nguồn: {source}")
    problem = check_settings()
    if problem:
        return _fail(problem)
    outcome = run_flow(source, system, periods, dry_run=dry_run, submit=submit, as_of=as_of)
    if isinstance(outcome, int):
        return outcome
    if as_json:
        typer.echo(Path(outcome["reports"]["json"]).read_text(encoding="utf-8"))
    else:
        print_summary(outcome)
    if outcome["config_error"]:
        typer.echo(f"Lỗi cấu hình: {outcome['config_error']}", err=True)
        return 2
    return 1 if outcome["failed"] else 0


def run_flow(
    source: Path,
    system: str,
    periods: Sequence[str],
    *,
    dry_run: bool,
    submit: bool,
    as_of: date | None = None,
) -> dict[str, Any] | int:
    """Run `nqsync-sync` in this process with a progress display; its outcome or an exit code."""
    prepare_prefect()
    from connectors.local.reader import SourceError
    from flows.sync import nqsync_sync, set_progress

    run: Any = nqsync_sync

    console = Console(stderr=True)
    with console.status("Đang chuẩn bị (khởi động Prefect)…") as status:

        def show(message: str) -> None:
            console.log(message)
            status.update(f"{message}…")

        set_progress(show)
        try:
            outcome: dict[str, Any] = asyncio.run(
                run(
                    source=str(source),
                    systems="both" if system == "all" else system,
                    periods=list(periods) or None,
                    dry_run=dry_run,
                    submit=submit,
                    as_of=as_of,
                )
            )
        except SourceError as error:
            return _fail(error.reason)
        finally:
            set_progress(None)
    return outcome


def print_summary(outcome: dict[str, Any]) -> None:
    """Counts per status for each system, warnings, row errors, then where the reports are."""
    from flows.report_model import STATUS_LABELS, WARNING_LABELS, EntryStatus

    console = Console()
    for system, summary in outcome["summary"].items():
        table = Table(title=f"{system}")
        table.add_column("Trạng thái")
        table.add_column("Số chỉ tiêu", justify="right")
        for status in EntryStatus:
            count = summary.get(status.value, 0)
            if count:
                table.add_row(STATUS_LABELS[status], str(count))
        if not summary:
            table.add_row("Không đồng bộ được (xem báo cáo)", "")
        console.print(table)
    for error in outcome.get("system_errors", {}).values():
        console.print(Text(error, style="red"))
    warnings = outcome.get("warnings", {})
    if warnings:
        parts = ", ".join(f"{WARNING_LABELS[kind]}: {n}" for kind, n in warnings.items())
        console.print(f"Cảnh báo: {parts}")
    console.print(f"Dòng dữ liệu lỗi trong tệp của đơn vị: {outcome.get('row_errors', 0)}")
    console.print("Báo cáo đối soát:")
    for kind, path in outcome["reports"].items():
        console.print(f"  {kind}: {path}")


def serve_command(source: Path) -> int:
    """Serve the `nightly` deployment (01:00 Asia/Ho_Chi_Minh) until interrupted."""
    if not source.exists():
        return _fail(f"không tìm thấy thư mục nguồn: {source}")
    problem = check_settings()
    if problem:
        return _fail(problem)
    prepare_prefect("INFO")
    from prefect.schedules import Cron

    from flows.sync import nqsync_sync

    nqsync_sync.serve(
        name="nightly",
        schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)],
        parameters={"source": str(source.resolve())},
        description="Đồng bộ hằng đêm lúc 01:00 (giờ Việt Nam); chạy tay từ giao diện Prefect.",
        tags=["nqsync"],
    )
    return 0


def json_dump(data: Any) -> str:
    """JSON as nqsync prints it."""
    return json.dumps(data, ensure_ascii=False, indent=2)
