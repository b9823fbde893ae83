"""`nqsync sync`, `nqsync serve` and the run both they and `nqsync demo` make.

A run goes in-process (`run_sync` with `run_directly`, Prefect not even imported) unless a
Prefect API is configured (`PREFECT_API_URL`) or `--prefect` asks for the flow; then it runs
as the `nqsync-sync` flow, against that server or Prefect's temporary one. Either way the
console gets progress lines, the summary and, for a failure, one Vietnamese line; the events
and any traceback go to `run.log` in the run's report folder.
"""

import asyncio
import os
import re
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer

from models.clock import VIETNAM_ZONE_NAME

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
NIGHTLY_CRON = "0 1 * * *"
IN_PROCESS = "in-process"
PREFECT = "prefect"
STARTUP_TIMEOUT_VARIABLE = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
STARTUP_TIMEOUT_SECONDS = "600"
"""Prefect's temporary server creates and migrates its database before it answers: minutes
on a busy machine, where Prefect's own default (20 s) fails."""
API_CHECK_TIMEOUT = 10.0


class _RunFailure(Exception):
    """A run that could not be made; the message is the one Vietnamese line to print."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class RunOptions:
    """What one run from the command line is asked to do, and how loudly."""

    source: Path
    system: str = "all"
    periods: tuple[str, ...] = ()
    dry_run: bool = False
    submit: bool = False
    as_of: date | None = None
    prefect: bool = False
    verbose: bool = False
    plan_out: Path | None = None
    """Plan only, and save the plan there for approval."""
    plan: Path | None = None
    """Apply exactly this approved plan."""
    approver: str | None = None


def _prepare_prefect(log_level: str = "WARNING", *, quiet: bool = False) -> None:
    """Prefect settings for nqsync's own processes, unless the user set them (before import).

    Offline-friendly (no analytics), a start-up allowance for the temporary server that holds
    on a slow machine, and with QUIET, no Prefect log lines on the console (they go to
    `run.log`; the flow run's logs still reach the Prefect API at LOG_LEVEL).
    """
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", log_level)
    if not os.environ.get(STARTUP_TIMEOUT_VARIABLE, "").strip():
        os.environ[STARTUP_TIMEOUT_VARIABLE] = STARTUP_TIMEOUT_SECONDS
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


def _fail(message: str, code: int = 2) -> int:
    typer.echo(f"Lỗi: {message}", err=True)
    return code


def check_settings() -> str | None:
    """Why the settings cannot be used (Vietnamese, one line per problem, no secret), or None."""
    from models.settings import SettingsError, get_settings

    get_settings.cache_clear()
    try:
        get_settings()
    except SettingsError as error:
        return "cấu hình không hợp lệ:\n  " + "\n  ".join(error.problems)
    return None


def _check_options(options: RunOptions) -> str | None:
    """Why the options cannot be run (one Vietnamese line), or None."""
    from flows.runs import systems_of

    try:
        systems_of(options.system)
    except ValueError as error:
        return f"--system: {error}"
    bad = [p for p in options.periods if not PERIOD.match(p)]
    if bad:
        return f"kỳ báo cáo phải có dạng YYYY-MM (ví dụ 2026-11), không phải '{bad[0]}'"
    if options.plan is None and not options.source.exists():
        return f"không tìm thấy thư mục nguồn: {options.source}"
    if options.plan is not None and not options.plan.is_file():
        return f"không tìm thấy tệp kế hoạch: {options.plan}"
    return check_settings()


def _api_url() -> str | None:
    """The Prefect API nqsync reports to (`PREFECT_API_URL`), or None: then runs are local."""
    return os.environ.get("PREFECT_API_URL", "").strip() or None


def _run_mode(options: RunOptions) -> str:
    """`prefect` when a Prefect API is configured or `--prefect` is given, else `in-process`.

    Saving or applying a plan always runs in-process: the plan file is this machine's.
    """
    if options.plan_out is not None or options.plan is not None:
        return IN_PROCESS
    return PREFECT if options.prefect or _api_url() else IN_PROCESS


class _Progress:
    """Progress lines on stderr: one per stage, plain (no spinner, no log decoration)."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False)

    def __call__(self, message: str) -> None:
        self.console.print(f"… {message}", soft_wrap=True)


def execute(options: RunOptions) -> dict[str, Any] | int:
    """Run once as OPTIONS say (options already checked); the outcome, or an exit code.

    Failures print one Vietnamese line; their traceback goes to the run's `run.log`.
    """
    from connectors.logs import configure_logging, log_exception, quiet_console, run_log
    from flows.runs import run_log_path
    from models.ledger_tables import new_run_id
    from models.settings import get_settings

    settings = get_settings()
    run_id = new_run_id()
    log_path = run_log_path(settings.report_dir, run_id)
    mode = _run_mode(options)
    configure_logging(settings)
    progress = _Progress()
    with ExitStack() as stack:
        if not options.verbose:
            stack.enter_context(quiet_console())
        stack.enter_context(run_log(log_path))
        try:
            if mode == PREFECT:
                return _through_prefect(options, run_id, progress)
            return _in_process(options, run_id, progress)
        except _RunFailure as failure:
            log_exception(failure.message, failure)
            return _fail(f"{failure.message} (chi tiết: {log_path})", failure.code)
        except Exception as error:
            log_exception("run_failed", error)
            return _fail(f"{_explain(error)} (chi tiết: {log_path})", 1)


def _in_process(options: RunOptions, run_id: str, progress: _Progress) -> dict[str, Any]:
    from connectors.local.reader import SourceError
    from flows.pipeline import SyncRequest, run_directly, run_sync
    from flows.runs import outcome_of, systems_of
    from models.settings import get_settings

    fields: dict[str, Any] = {
        "source": options.source,
        "systems": systems_of(options.system),
        "periods": options.periods,
        "dry_run": options.dry_run or options.plan_out is not None,
        "submit": options.submit,
        "assignments": get_settings().assignments,
        "run_id": run_id,
    }
    if options.as_of is not None:
        fields["as_of"] = options.as_of
    if options.plan is not None:
        fields.update(_approved(options.plan, options.approver))
    progress("Chạy trực tiếp, không qua Prefect")
    try:
        result = asyncio.run(run_sync(SyncRequest(**fields), stage=run_directly, progress=progress))
    except SourceError as error:
        raise _RunFailure(error.reason) from error
    if options.plan_out is not None:
        _save_plan(options.plan_out, fields, result)
    return outcome_of(result, mode=IN_PROCESS)


def _approved(path: Path, approver: str | None) -> dict[str, Any]:
    """The run's fields to apply the plan at PATH (refused when old or not a plan)."""
    from flows.plans import PlanFileError, load_plan
    from models.settings import get_settings

    hours = get_settings().plan_max_age_hours
    try:
        saved = load_plan(path, max_age=timedelta(hours=hours))
    except PlanFileError as error:
        raise _RunFailure(str(error)) from error
    return {
        "source": Path(saved.source), "systems": tuple(saved.systems), "dry_run": False,
        "periods": tuple(saved.periods), "as_of": saved.as_of, "plans": saved.systems,
        "approver": approver,
    }


def _save_plan(path: Path, fields: dict[str, Any], result: Any) -> None:
    from datetime import UTC, datetime

    from flows.plans import SavedPlan, save_plan

    report = result.report
    save_plan(path, SavedPlan(
        created_at=datetime.now(UTC), run_id=report.run_id, source=str(fields["source"]),
        periods=list(report.periods), as_of=report.as_of, systems=result.plans,
    ))


def _through_prefect(options: RunOptions, run_id: str, progress: _Progress) -> dict[str, Any]:
    url = _api_url()
    if url is not None:
        _check_api(url)
        progress(f"Chạy qua Prefect (flow nqsync-sync, máy chủ {url})")
    else:
        progress("Chạy qua Prefect: đang khởi động máy chủ Prefect tạm thời (có thể mất vài phút)")
    _prepare_prefect("INFO", quiet=True)
    from connectors.local.reader import SourceError
    from flows.sync import command_line_run, nqsync_sync

    flow: Any = nqsync_sync
    try:
        with command_line_run(run_id, progress):
            outcome: dict[str, Any] = asyncio.run(
                flow(
                    source=str(options.source),
                    systems=options.system,
                    periods=list(options.periods),
                    dry_run=options.dry_run,
                    submit=options.submit,
                    as_of=options.as_of,
                )
            )
    except SourceError as error:
        raise _RunFailure(error.reason) from error
    except RuntimeError as error:
        if "ephemeral" in str(error).lower():
            raise _RunFailure(
                "không khởi động được máy chủ Prefect tạm thời; chạy lại không có --prefect, "
                f"hoặc tăng {STARTUP_TIMEOUT_VARIABLE} "
                f"(đang là {os.environ.get(STARTUP_TIMEOUT_VARIABLE)} giây)"
            ) from error
        raise
    return outcome


def _check_api(url: str) -> None:
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=API_CHECK_TIMEOUT)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise _RunFailure(
            f"không kết nối được máy chủ Prefect tại {url} (PREFECT_API_URL); hãy khởi động "
            "nó (prefect server start) hoặc bỏ biến PREFECT_API_URL để chạy không cần Prefect"
        ) from error


def _explain(error: BaseException) -> str:
    """One Vietnamese line for an unexpected ERROR (its traceback goes to `run.log`)."""
    import httpx

    if isinstance(error, httpx.HTTPError) and _api_url():
        return (
            f"mất kết nối với máy chủ Prefect tại {_api_url()}; kiểm tra máy chủ rồi chạy lại"
        )
    if isinstance(error, PermissionError):
        return f"không có quyền ghi hoặc đọc {error.filename}"
    if isinstance(error, OSError) and error.filename:
        return f"không ghi hoặc đọc được {error.filename} ({error.strerror})"
    return f"lần chạy dừng vì lỗi không mong đợi ({type(error).__name__})"


def sync_command(options: RunOptions, *, as_json: bool) -> int:
    """Run once; 0 all good, 1 some record failed, 2 usage or configuration error."""
    problem = _check_options(options)
    if problem:
        return _fail(problem)
    outcome = execute(options)
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


MODE_LINES = {
    IN_PROCESS: "Đã chạy trực tiếp (không qua Prefect).",
    PREFECT: "Đã chạy qua Prefect (flow nqsync-sync).",
}


def print_summary(outcome: dict[str, Any]) -> None:
    """How it ran, counts per status for each system, warnings, row errors, then the files."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from flows.report_model import WARNING_LABELS, EntryStatus, status_label
    from models.settings import env_name

    console = Console(highlight=False)
    console.print(MODE_LINES.get(outcome.get("mode", ""), ""))
    for system, summary in outcome["summary"].items():
        table = Table(title=f"{system}")
        table.add_column("Trạng thái")
        table.add_column("Số chỉ tiêu", justify="right")
        for status in EntryStatus:
            count = summary.get(status.value, 0)
            if count:
                table.add_row(status_label(status, bool(outcome.get("dry_run"))), str(count))
        if not summary:
            table.add_row("Không đồng bộ được (xem báo cáo)", "")
        console.print(table)
    for system, error in outcome.get("system_errors", {}).items():
        hint = (
            f" Kiểm tra {env_name(f'{system}_url')}, tài khoản và kết nối mạng rồi chạy lại;"
            f" chi tiết trong {outcome['reports']['log']}."
        )
        console.print(Text(f"{error}.{hint}", style="red"), soft_wrap=True)
    warnings = outcome.get("warnings", {})
    if warnings:
        parts = ", ".join(f"{WARNING_LABELS[kind]}: {n}" for kind, n in warnings.items())
        console.print(f"Cảnh báo: {parts}", soft_wrap=True)
    console.print(f"Dòng dữ liệu lỗi trong tệp của đơn vị: {outcome.get('row_errors', 0)}")
    console.print("Báo cáo đối soát:")
    for kind, path in outcome["reports"].items():
        console.print(Text(f"  {kind}: {path}"), soft_wrap=True)


def serve_command(source: Path) -> int:
    """Serve the `nightly` deployment (01:00 in Vietnam) until interrupted."""
    if not source.exists():
        return _fail(f"không tìm thấy thư mục nguồn: {source}")
    problem = check_settings()
    if problem:
        return _fail(problem)
    url = _api_url()
    if url is not None:
        try:
            _check_api(url)
        except _RunFailure as failure:
            return _fail(failure.message)
    _prepare_prefect("INFO")
    from prefect.schedules import Cron

    from flows.sync import nqsync_sync
    from models.settings import get_settings

    approval = get_settings().approval
    nqsync_sync.serve(
        name="nightly",
        schedules=[Cron(NIGHTLY_CRON, timezone=VIETNAM_ZONE_NAME)],
        parameters={"source": str(source.resolve()), "approval": approval},
        description="Đồng bộ hằng đêm lúc 01:00 (giờ Việt Nam); chạy tay từ giao diện Prefect.",
        tags=["nqsync"],
    )
    return 0
