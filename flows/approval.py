"""A run that waits for the standing office's approval before writing (Prefect flows only).

The flow plans (writing nothing), publishes the plan as the run's artifacts, then pauses with
a Vietnamese form. Approved: that exact plan is applied, with the approver in the audit trail.
Rejected, or not answered in time: nothing is written and the report says who and why.
"""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Literal

from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import apause_flow_run
from prefect.input import RunInput
from pydantic import Field

from flows.pipeline import Progress, StageRunner, SyncRequest, SyncResult, run_sync
from flows.render import write_reports
from models.ledger_tables import new_run_id
from models.settings import get_settings

APPROVE = "duyệt"
REJECT = "từ chối"
POLL_SECONDS = 5


class Approval(RunInput):
    """Duyệt kế hoạch đồng bộ: xem bảng kế hoạch trong mục Artifacts rồi quyết định."""

    quyet_dinh: Literal["duyệt", "từ chối"] = Field(
        title="Quyết định", description="Duyệt để ghi đúng kế hoạch này lên hệ thống."
    )
    nguoi_duyet: str = Field(
        title="Người duyệt", min_length=1, description="Họ tên người quyết định."
    )
    y_kien: str = Field(default="", title="Ý kiến", description="Lý do, nhất là khi từ chối.")


Publish = Callable[[SyncResult], Awaitable[None]]


async def approved_run(
    request: SyncRequest,
    *,
    stage: StageRunner,
    progress: Progress,
    publish: Publish,
    timeout: int,
) -> SyncResult:
    """Plan, publish, wait for the decision, then apply the plan or write nothing."""
    planned = await run_sync(
        request.model_copy(update={"dry_run": True}), stage=stage, progress=progress
    )
    await publish(planned)
    try:
        answer = await apause_flow_run(
            wait_for_input=Approval, timeout=timeout, poll_interval=POLL_SECONDS
        )
    except FlowPauseTimeout:
        return _rejected(planned, "Hết thời gian chờ duyệt: không ghi gì lên hệ thống.")
    if answer.quyet_dinh != APPROVE:
        why = f" Ý kiến: {answer.y_kien}" if answer.y_kien.strip() else ""
        return _rejected(planned, f"Kế hoạch bị {answer.nguoi_duyet} từ chối.{why}")
    progress(f"Kế hoạch được {answer.nguoi_duyet} duyệt: ghi lên hệ thống")
    applied = request.model_copy(update={
        "plans": planned.plans, "approver": answer.nguoi_duyet, "run_id": new_run_id(),
        "dry_run": False,
    })
    return await run_sync(applied, stage=stage, progress=progress)


def _rejected(planned: SyncResult, message: str) -> SyncResult:
    """The plan's report, saying at the top of each system why nothing was written."""
    for system in planned.report.systems.values():
        system.notes.insert(0, message)
    paths = write_reports(planned.report, get_settings().report_dir)
    return replace(planned, paths=paths)
