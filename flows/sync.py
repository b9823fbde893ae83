"""The Prefect flow `nqsync-sync`: one task per stage and system, artifacts on the flow run.

No `from __future__ import annotations` here: deployment runs need the parameters' real types.
"""

import contextlib
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, ParamSpec, TypeVar, cast

from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BeforeValidator, Field, WithJsonSchema

from connectors.logs import configure_logging, install_stdlib_redaction, run_log
from flows.approval import approved_run
from flows.pipeline import Progress, SyncRequest, SyncResult, run_sync
from flows.render import markdown_summary, table_rows
from flows.runs import outcome_of, run_log_path, systems_of
from models.ledger_tables import new_run_id
from models.settings import get_settings

P = ParamSpec("P")
T = TypeVar("T")

ApprovalChoice = Literal["không", "cần duyệt"]
NEEDS_APPROVAL: ApprovalChoice = "cần duyệt"
DEFAULT_APPROVAL: ApprovalChoice = (
    NEEDS_APPROVAL if os.environ.get("NQSYNC_APPROVAL", "").strip() == NEEDS_APPROVAL else "không"
)
"""The form's default: `NQSYNC_APPROVAL` of the process that serves the flow."""
APPROVAL_TIMEOUT = 12 * 3600
"""Seconds a paused run waits for its decision before it writes nothing."""
FLOW_NAME = "nqsync-sync"
MODE = "prefect"
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
DATE_PATTERN = r"^(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$"
Period = Annotated[str, Field(pattern=PERIOD_PATTERN, examples=["2026-11"])]
SystemChoice = Literal["all", "both", "theodoinq", "nq71"]


def _form(title: str, help_text: str, **schema: Any) -> Any:
    """A parameter's label and help text in the Prefect form.

    Prefect titles each field by its Python name and keeps only a dict `json_schema_extra`
    of the annotation, so the Vietnamese title and help go there too.
    """
    return Field(
        title=title,
        description=help_text,
        json_schema_extra={"title": title, "description": help_text, **schema},
    )


def _empty_is_none(value: Any) -> Any:
    return None if value in ("", None) else value


@dataclass(frozen=True)
class _CommandLineRun:
    run_id: str
    progress: Progress


_command_line_run: _CommandLineRun | None = None


@contextlib.contextmanager
def command_line_run(run_id: str, progress: Progress) -> Iterator[None]:
    """For the block, a flow run started from this process uses RUN_ID and reports PROGRESS."""
    global _command_line_run
    _command_line_run = _CommandLineRun(run_id, progress)
    try:
        yield
    finally:
        _command_line_run = None


def _report_progress(message: str) -> None:
    if _command_line_run is not None:
        _command_line_run.progress(message)


async def _as_task(
    name: str, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
) -> T:
    stage = task(name=name, cache_policy=NO_CACHE, retries=0)(fn)
    return await stage(*args, **kwargs)


@flow(
    name=FLOW_NAME,
    description=(
        "Đồng bộ báo cáo tiến độ NQ57 của các đơn vị lên theodoinq và nq71, "
        "rồi đối soát ba chiều và lập báo cáo cho cơ quan thường trực."
    ),
)
async def nqsync_sync(
    source: Annotated[
        str,
        _form(
            "Thư mục báo cáo của các đơn vị",
            "Thư mục chứa tệp Excel báo cáo của các đơn vị (và tệp minh chứng).",
        ),
    ],
    systems: Annotated[
        SystemChoice,
        _form(
            "Hệ thống cần đồng bộ",
            "all: cả theodoinq và nq71 (viết both cũng được); theodoinq; nq71.",
        ),
    ] = "all",
    periods: Annotated[
        tuple[Period, ...],
        _form(
            "Kỳ báo cáo (YYYY-MM)",
            "Các tháng cần đồng bộ, ví dụ 2026-11. Để trống: tháng trước và tháng này.",
        ),
    ] = (),
    dry_run: Annotated[
        bool,
        _form(
            "Chạy thử (không ghi)",
            "Bật: chỉ lập kế hoạch và báo cáo đối soát, không ghi gì lên hệ thống.",
        ),
    ] = False,
    submit: Annotated[
        bool,
        _form(
            "Nộp báo cáo kỳ trên theodoinq",
            "Bật: nộp báo cáo tháng trên theodoinq sau khi đồng bộ (việc chính thức của cơ "
            "quan thường trực; mặc định không nộp).",
        ),
    ] = False,
    as_of: Annotated[
        date | None,
        BeforeValidator(_empty_is_none),
        WithJsonSchema({"type": "string", "pattern": DATE_PATTERN}),
        _form(
            "Ngày tính cảnh báo (YYYY-MM-DD)",
            "Ngày dùng để tính chậm tiến độ và quá hạn, ví dụ 2026-11-27. Để trống: hôm nay.",
            default="",
            examples=["2026-11-27"],
        ),
    ] = None,
    approval: Annotated[
        ApprovalChoice,
        _form(
            "Duyệt trước khi ghi",
            "cần duyệt: lập kế hoạch, tạm dừng chờ người duyệt (nút Resume), chỉ ghi khi được "
            "duyệt; không: ghi ngay. Mặc định theo NQSYNC_APPROVAL.",
        ),
    ] = DEFAULT_APPROVAL,
) -> dict[str, Any]:
    """Read the units' workbooks in SOURCE and sync SYSTEMS for PERIODS (default: last two months).

    Run from the command line (`command_line_run`), the run uses the command's run id and
    progress display; from the UI or the schedule, it makes its own run id. Either way its
    events go to `run.log` in the run's report folder and to the flow run's logs.
    """
    settings = get_settings()
    configure_logging(settings)
    install_stdlib_redaction()
    pending = _command_line_run
    run_id = pending.run_id if pending else new_run_id()
    fields: dict[str, Any] = {
        "source": Path(source),
        "systems": systems_of(systems),
        "periods": tuple(periods),
        "dry_run": dry_run,
        "submit": submit,
        "assignments": settings.assignments,
        "run_id": run_id,
    }
    if as_of is not None:
        fields["as_of"] = as_of
    request = SyncRequest(**fields)
    with run_log(run_log_path(settings.report_dir, run_id)):
        if approval == NEEDS_APPROVAL and not dry_run:
            result = await approved_run(
                request, stage=_as_task, progress=_report_progress, publish=_artifacts,
                timeout=APPROVAL_TIMEOUT,
            )
        else:
            result = await run_sync(request, stage=_as_task, progress=_report_progress)
        await _artifacts(result)
    return outcome_of(result, mode=MODE)


async def _artifacts(result: SyncResult) -> None:
    await acreate_markdown_artifact(
        markdown=markdown_summary(result.report, result.paths),
        key="nqsync-reconciliation",
        description="Đối soát: tóm tắt cho cơ quan thường trực",
    )
    await acreate_table_artifact(
        table=cast(Any, table_rows(result.report)),
        key="nqsync-reconciliation-entries",
        description="Đối soát: từng chỉ tiêu trên từng hệ thống",
    )
