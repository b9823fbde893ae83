"""The Prefect flow `nqsync-sync`: one task per stage and system, artifacts on the flow run.

No `from __future__ import annotations` here: deployment runs need the parameters' real types.
"""

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, ParamSpec, TypeVar, cast

from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from connectors.factory import SYSTEMS, System
from connectors.logging import configure_logging, install_stdlib_redaction
from flows.pipeline import Progress, SyncRequest, SyncResult, run_sync
from flows.render import markdown_summary, table_rows
from models.settings import get_settings

P = ParamSpec("P")
T = TypeVar("T")

FLOW_NAME = "nqsync-sync"
Period = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-11"])]
SystemChoice = Literal["both", "theodoinq", "nq71"]

_progress: Progress | None = None


def set_progress(reporter: Progress | None) -> None:
    """Where in-process runs report their stages (the command line's progress display)."""
    global _progress
    _progress = reporter


def _report_progress(message: str) -> None:
    if _progress is not None:
        _progress(message)


async def _as_task(
    name: str, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
) -> T:
    stage = task(name=name, cache_policy=NO_CACHE, retries=0)(fn)
    return await stage(*args, **kwargs)


def systems_of(choice: str) -> tuple[System, ...]:
    """`both` (or `all`) → both systems, else the one named."""
    return SYSTEMS if choice in ("both", "all") else (cast(System, choice),)


@flow(
    name=FLOW_NAME,
    description=(
        "Đồng bộ báo cáo tiến độ NQ57 của các đơn vị lên theodoinq và nq71, "
        "rồi đối soát ba chiều và lập báo cáo cho cơ quan thường trực."
    ),
)
async def nqsync_sync(
    source: str,
    systems: SystemChoice = "both",
    periods: list[Period] | None = None,
    dry_run: bool = False,
    submit: bool = False,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Read the units' workbooks in SOURCE and sync SYSTEMS for PERIODS (default: last two months).

    Args:
        source: Thư mục chứa tệp báo cáo của các đơn vị (và tệp minh chứng).
        systems: Hệ thống cần đồng bộ: cả hai (both), theodoinq hoặc nq71.
        periods: Các kỳ báo cáo dạng YYYY-MM; để trống là tháng trước và tháng này.
        dry_run: Chạy thử: lập kế hoạch và báo cáo đối soát, không ghi gì lên hệ thống.
        submit: Nộp báo cáo kỳ trên theodoinq sau khi đồng bộ (việc chính thức của cơ quan
            thường trực; mặc định không nộp).
        as_of: Ngày tính cảnh báo (mặc định hôm nay).
    """
    settings = get_settings()
    configure_logging(settings)
    install_stdlib_redaction()
    fields: dict[str, Any] = {
        "source": Path(source),
        "systems": systems_of(systems),
        "periods": tuple(periods or ()),
        "dry_run": dry_run,
        "submit": submit,
        "assignments": settings.assignments,
    }
    if as_of is not None:
        fields["as_of"] = as_of
    result = await run_sync(SyncRequest(**fields), stage=_as_task, progress=_report_progress)
    await _artifacts(result)
    return outcome_of(result)


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


def outcome_of(result: SyncResult) -> dict[str, Any]:
    """What the flow returns: the run id, counts per system, failure, report paths."""
    return {
        "run_id": result.report.run_id,
        "failed": result.report.failed(),
        "config_error": result.config_error,
        "summary": {name: s.summary for name, s in result.report.systems.items()},
        "system_errors": {
            name: s.error for name, s in result.report.systems.items() if s.error
        },
        "warnings": dict(Counter(w.kind for w in result.report.warnings)),
        "row_errors": len(result.report.errors),
        "reports": {
            "json": str(result.paths.json),
            "xlsx": str(result.paths.xlsx),
            "html": str(result.paths.html),
        },
    }
