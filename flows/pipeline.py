"""One run, start to end: read → plan → push → fetch → reconcile → report.

`run_sync` holds the order of the stages; how a stage is run is the caller's: directly in
tests, as a Prefect task in the flow (`flows.sync`).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import ParamSpec, Protocol, TypeVar

import structlog
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import RecordOutcome, RemoteSnapshot
from connectors.factory import SYSTEMS, System
from connectors.http.errors import FailureType, RemoteError
from connectors.logging import redact_text
from flows.reconcile import reconcile_system
from flows.render import ReportPaths, write_reports
from flows.report_model import (
    LedgerState,
    Reconciliation,
    SourceFileRef,
    SourceSummary,
    SystemReport,
)
from flows.stages import LocalSide, fetch_remote, plan_changes, push_changes, read_units
from flows.warnings import compute_warnings, target_progress, timeline_percent
from models.catalogue import DEADLINE
from models.ledger import Ledger, RunCreate, RunStatus
from models.ledger_tables import code_version, new_run_id
from models.settings import get_settings

log = structlog.get_logger("nqsync.sync")
P = ParamSpec("P")
T = TypeVar("T")
VIETNAM = timezone(timedelta(hours=7))

STAGE_LABELS = {
    "read-units": "Đọc báo cáo của các đơn vị",
    "fetch": "Đọc dữ liệu trên hệ thống",
    "plan": "Lập kế hoạch đồng bộ",
    "push": "Gửi thay đổi",
    "fetch-after": "Đọc lại để đối soát",
}


class StageRunner(Protocol):
    """Runs one stage; NAME is the stage's task name (`read-units`, `nq71-push`…)."""

    async def __call__(
        self, name: str, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run FN(*ARGS, **KWARGS) as the stage NAME."""
        ...


async def run_directly(
    name: str, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
) -> T:
    """A stage runner without Prefect."""
    return await fn(*args, **kwargs)


Progress = Callable[[str], None]


def _silent(message: str) -> None:
    return None


class SyncRequest(BaseModel):
    """What one run is asked to do."""

    model_config = ConfigDict(frozen=True)

    source: Path
    systems: tuple[System, ...] = SYSTEMS
    periods: tuple[str, ...] = ()
    dry_run: bool = False
    submit: bool = False
    as_of: date = Field(default_factory=lambda: datetime.now(VIETNAM).date())
    run_id: str = Field(default_factory=new_run_id)
    assignments: Path | None = None


@dataclass(frozen=True)
class SyncResult:
    """The run's report and where it was written."""

    report: Reconciliation
    paths: ReportPaths
    config_error: str | None = None


def default_periods(as_of: date) -> tuple[str, str]:
    """The previous and the current month of AS_OF."""
    previous = as_of.replace(day=1) - timedelta(days=1)
    return (f"{previous:%Y-%m}", f"{as_of:%Y-%m}")


async def run_sync(
    request: SyncRequest,
    *,
    stage: StageRunner = run_directly,
    progress: Progress = _silent,
) -> SyncResult:
    """Run every stage for every system asked; a system that fails does not stop the others."""
    settings = get_settings()
    periods = request.periods or default_periods(request.as_of)
    started = datetime.now(UTC)
    log.info("run_started", run_id=request.run_id, systems=list(request.systems),
             periods=list(periods), dry_run=request.dry_run)
    progress(STAGE_LABELS["read-units"])
    local: LocalSide = await stage(
        "read-units", read_units, request.source, request.assignments, periods
    )
    with Ledger.open(settings.database_url) as ledger:
        ledger.start_run(
            RunCreate(
                run_id=request.run_id,
                dry_run=request.dry_run,
                systems=list(request.systems),
                source_files={f.path: f.sha256 for f in local.files},
            ),
            at=started,
        )
        ledger.record_reports(request.run_id, local.records)
    systems: dict[str, SystemReport] = {}
    snapshots: dict[str, RemoteSnapshot] = {}
    config_errors: list[str] = []
    for system in request.systems:
        try:
            result, snapshot = await _sync_system(system, request, periods, local, stage, progress)
        except RemoteError as error:
            message = redact_text(f"{system}: {error.message}")
            log.error("system_failed", run_id=request.run_id, system=system, error=message)
            systems[system] = SystemReport(error=message)
            if error.decision.failure_type is FailureType.CONFIG:
                config_errors.append(message)
            continue
        systems[system], snapshots[system] = result, snapshot
        counts = {status: n for status, n in result.summary.items() if n}
        log.info("system_done", run_id=request.run_id, system=system, **counts)
    report = _report(request, periods, started, local, systems, snapshots)
    paths = write_reports(report, settings.report_dir)
    log.info(
        "run_done", run_id=request.run_id, dry_run=request.dry_run, report=str(paths.directory),
        warnings=len(report.warnings), row_errors=len(report.errors),
    )
    status = RunStatus.PARTIAL if report.failed() else RunStatus.SUCCEEDED
    with Ledger.open(settings.database_url) as ledger:
        ledger.finish_run(
            request.run_id,
            status,
            summary={name: s.summary for name, s in systems.items()},
            error="; ".join(config_errors) or None,
        )
    return SyncResult(report, paths, "; ".join(config_errors) or None)


async def _sync_system(
    system: System,
    request: SyncRequest,
    periods: Sequence[str],
    local: LocalSide,
    stage: StageRunner,
    progress: Progress,
) -> tuple[SystemReport, RemoteSnapshot]:
    source = request.source
    progress(f"{system}: {STAGE_LABELS['fetch']}")
    snapshot = await stage(f"{system}-fetch", fetch_remote, system, periods, source)
    progress(f"{system}: {STAGE_LABELS['plan']}")
    plan = await stage(f"{system}-plan", plan_changes, system, local.selected, snapshot, source)
    outcomes: list[RecordOutcome] | None = None
    after: RemoteSnapshot | None = None
    if not request.dry_run:
        progress(f"{system}: {STAGE_LABELS['push']}")
        outcomes = await stage(
            f"{system}-push", push_changes, system, plan, request.run_id, request.submit, source
        )
        progress(f"{system}: {STAGE_LABELS['fetch-after']}")
        after = await stage(f"{system}-fetch-after", fetch_remote, system, periods, source)
    report = reconcile_system(
        system, local.selected, plan, outcomes, after, list(local.skipped)
    )
    attach_ledger(system, report, after or snapshot)
    return report, after or snapshot


def attach_ledger(system: str, report: SystemReport, snapshot: RemoteSnapshot) -> None:
    """Fill each entry's ledger side: last push, and whether the remote still matches it."""
    with Ledger.open(get_settings().database_url) as ledger:
        states = {(s.target_code, s.period): s for s in ledger.list_sync_states(system)}
    for entry in report.entries:
        state = states.get((entry.target_code, entry.period))
        if state is None:
            continue
        remote = snapshot.get(entry.target_code, entry.period)
        seen = state.last_seen_remote_fingerprint
        entry.ledger = LedgerState(
            last_pushed_at=state.last_pushed_at,
            last_pushed_run_id=state.last_pushed_run_id,
            last_outcome=state.last_outcome,
            remote_version=state.last_seen_remote_version,
            remote_matches_last_seen=(
                None if remote is None or seen is None else remote.fingerprint == seen
            ),
        )


def _report(
    request: SyncRequest,
    periods: Sequence[str],
    started: datetime,
    local: LocalSide,
    systems: dict[str, SystemReport],
    snapshots: dict[str, RemoteSnapshot],
) -> Reconciliation:
    settings = get_settings()
    warnings = compute_warnings(
        local.records,
        snapshots,
        local.selected,
        local.assignments,
        request.as_of,
        threshold=settings.behind_threshold,
    )
    return Reconciliation(
        run_id=request.run_id,
        started_at=started,
        finished_at=datetime.now(UTC),
        dry_run=request.dry_run,
        as_of=request.as_of,
        code_version=code_version(),
        periods=list(periods),
        source=SourceSummary(
            folder=str(request.source),
            files=[SourceFileRef(path=f.path, sha256=f.sha256) for f in local.files],
        ),
        systems=systems,
        warnings=warnings,
        errors=list(local.errors),
        progress=target_progress(local.records, local.selected),
        timeline_percent=timeline_percent(request.as_of, DEADLINE),
    )
