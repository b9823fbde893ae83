"""One run, start to end: read → plan → push → fetch → reconcile → report.

`run_sync` holds the order of the stages; how a stage is run is the caller's: directly in
tests, as a Prefect task in the flow (`flows.sync`).
"""

import asyncio
import gc
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar

import structlog
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import RecordOutcome, RemoteSnapshot, SyncPlan
from connectors.factory import SYSTEMS, System
from connectors.http.errors import FailureType, RemoteError
from connectors.logs import redact_text
from flows.plan_warnings import compute_warnings, target_progress, timeline_percent
from flows.render import ReportPaths
from flows.report_model import (
    Reconciliation,
    RunWarning,
    SourceFileRef,
    SourceSummary,
    SystemReport,
)
from flows.stages import (
    LocalSide,
    fetch_remote,
    plan_changes,
    preflight,
    push_changes,
    read_units,
    reconcile,
    submit_reports,
    write_run_reports,
)
from models.catalogue import DEADLINE
from models.clock import VIETNAM
from models.ledger import Ledger, RunCreate, RunStatus
from models.ledger_tables import code_version, new_run_id
from models.records import SourceFile
from models.settings import get_settings
from models.status import WRITES

log = structlog.get_logger("nqsync.sync")
P = ParamSpec("P")
T = TypeVar("T")

STAGE_LABELS = {
    "read-units": "Đọc báo cáo của các đơn vị",
    "fetch": "Đọc dữ liệu trên hệ thống",
    "plan": "Lập kế hoạch đồng bộ",
    "push": "Gửi thay đổi",
    "settle": "Không có gì cần gửi; ghi nhận vào sổ",
    "fetch-after": "Đọc lại để đối soát",
    "reconcile": "Đối soát",
    "submit": "Nộp báo cáo kỳ",
    "write-reports": "Ghi báo cáo đối soát",
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
    plans: dict[str, SyncPlan] | None = None
    """Apply exactly these approved plans (per system) instead of planning from the source."""
    approver: str | None = None


@dataclass(frozen=True)
class SyncResult:
    """The run's report and where it was written."""

    report: Reconciliation
    paths: ReportPaths
    config_error: str | None = None
    plans: dict[str, SyncPlan] = field(default_factory=dict)
    """What each system's plan was (the plan to approve, on a dry run)."""


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
    """Run every stage for every system asked, and always end with a report.

    The systems are fetched and planned side by side; a configuration error found then (or
    before, by `preflight`) stops every write, on every system. Otherwise each system pushes
    on its own: whatever one raises becomes its `failed` report and the other goes on. The
    report is written and the run finished in the ledger whatever happens.
    """
    settings = get_settings()
    periods = request.periods or default_periods(request.as_of)
    started = datetime.now(UTC)
    log.info("run_started", run_id=request.run_id, systems=list(request.systems),
             periods=list(periods), dry_run=request.dry_run)
    if request.plans is not None:
        local = planned_side(request.plans)
    else:
        progress(STAGE_LABELS["read-units"])
        local = await stage(
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
    run = _Run(request, periods, local, stage, progress)
    try:
        await run.all_systems(preflight(request.systems, settings))
    except Exception as error:
        log.exception("run_failed", run_id=request.run_id)
        run.fail_all(f"Lỗi nội bộ của nqsync ({type(error).__name__}); xem run.log.")
    finally:
        report = _report(request, periods, started, local, run.reports, run.snapshots)
        try:
            paths: ReportPaths = await stage(
                "write-reports", write_run_reports, report, settings.report_dir
            )
        finally:
            _finish(settings.database_url, request.run_id, report, run.config_errors)
    log.info(
        "run_done", run_id=request.run_id, dry_run=request.dry_run, report=str(paths.directory),
        warnings=len(report.warnings), row_errors=len(report.errors),
    )
    return SyncResult(report, paths, "; ".join(run.config_errors) or None, run.plans)


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """The objects alive before the pushes left out of the cyclic collector's scans while they
    run, then handed back to it.

    What was read and planned (records, snapshots, plans, imported modules) outlives the
    pushes; a full collection scanning it all stalls the event loop for 0.1 s or more, and
    every request place stands idle meanwhile. Garbage is collected once before.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _finish(database_url: str, run_id: str, report: Reconciliation, config: list[str]) -> None:
    status = RunStatus.PARTIAL if report.failed() else RunStatus.SUCCEEDED
    with Ledger.open(database_url) as ledger:
        ledger.finish_run(
            run_id,
            status,
            summary={name: s.summary for name, s in report.systems.items()},
            error="; ".join(config) or None,
        )


@dataclass
class _Planned:
    snapshot: RemoteSnapshot
    plan: SyncPlan


class _Run:
    """The systems' part of one run: what each holds, was planned, and ended as."""

    def __init__(
        self,
        request: SyncRequest,
        periods: Sequence[str],
        local: LocalSide,
        stage: StageRunner,
        progress: Progress,
    ) -> None:
        self.request = request
        self.periods = periods
        self.local = local
        self.stage = stage
        self.progress = progress
        self.reports: dict[str, SystemReport] = {}
        self.snapshots: dict[str, RemoteSnapshot] = {}
        self.plans: dict[str, SyncPlan] = {}
        self.config_errors: list[str] = []

    def fail(self, system: str, message: str, *, config: bool = False) -> None:
        """SYSTEM ends as failed with MESSAGE (already free of secrets)."""
        self.reports[system] = SystemReport(error=message)
        if config:
            self.config_errors.append(message)
        log.error("system_failed", run_id=self.request.run_id, system=system, error=message)

    def fail_all(self, message: str) -> None:
        """Every system without a report yet ends as failed."""
        for system in self.request.systems:
            if system not in self.reports:
                self.fail(system, message)

    async def all_systems(self, problems: list[str]) -> None:
        """Plan every system, then push each where nothing forbids it."""
        if problems:
            for system in self.request.systems:
                own = [p for p in problems if p.startswith(f"{system}:")]
                self.fail(system, "; ".join(own or problems), config=bool(own))
            self.config_errors = list(problems)
            return
        async with asyncio.TaskGroup() as group:
            tasks = {s: group.create_task(self._guarded(s, self._fetch_and_plan)) for s in
                     self.request.systems}
        planned = {s: t.result() for s, t in tasks.items() if t.result() is not None}
        if self.config_errors:
            message = "Không ghi gì lên hệ thống nào vì lỗi cấu hình: " + "; ".join(
                self.config_errors
            )
            for system, ready in planned.items():
                assert ready is not None
                self.reports[system] = await self._reconcile(system, ready, None, None)
                self.reports[system].error = message
            return
        with _long_lived_frozen():
            async with asyncio.TaskGroup() as group:
                for system, ready in planned.items():
                    assert ready is not None
                    group.create_task(self._guarded(system, self._push, ready))

    async def _guarded(
        self, system: System, step: Callable[..., Awaitable[T]], *args: Any
    ) -> T | None:
        try:
            return await step(system, *args)
        except RemoteError as error:
            message = redact_text(f"{system}: {error.message}")
            self.fail(system, message, config=error.decision.failure_type is FailureType.CONFIG)
        except Exception as error:
            log.exception("system_internal_fault", run_id=self.request.run_id, system=system)
            self.fail(system, f"{system}: lỗi nội bộ của nqsync ({type(error).__name__}).")
        return None

    async def _fetch_and_plan(self, system: System) -> _Planned:
        source = self.request.source
        self.progress(f"{system}: {STAGE_LABELS['fetch']}")
        snapshot = await self.stage(f"{system}-fetch", fetch_remote, system, self.periods, source)
        self.snapshots[system] = snapshot
        approved = (self.request.plans or {}).get(system)
        if self.request.plans is not None:
            plan = SyncPlan(system=system, snapshot=snapshot) if approved is None else approved
            plan = stale_checked(plan, snapshot, self.request.approver)
        else:
            self.progress(f"{system}: {STAGE_LABELS['plan']}")
            plan = await self.stage(
                f"{system}-plan", plan_changes, system, self.local.selected, snapshot, source,
                self.local.files,
            )
        self.plans[system] = plan
        return _Planned(snapshot, plan)

    async def _push(self, system: System, ready: _Planned) -> None:
        request, source = self.request, self.request.source
        outcomes: list[RecordOutcome] | None = None
        after: RemoteSnapshot | None = None
        stopped = drift_stop(system, ready.snapshot, get_settings().on_drift)
        if stopped:
            ready = _Planned(ready.snapshot, held_plan(ready.plan, stopped))
        if not request.dry_run:
            writes = any(c.action in ("create", "update") for c in ready.plan.changes)
            label = "push" if writes else "settle"
            self.progress(f"{system}: {STAGE_LABELS[label]}")
            outcomes = await self.stage(
                f"{system}-{label}", push_changes, system, ready.plan, request.run_id, source
            )
            if writes:
                after = await self._read_back(system)
                if after is not None:
                    after.drift = [*ready.snapshot.drift, *after.drift]
        report = await self._reconcile(system, ready, outcomes, after)
        if stopped:
            report.error = stopped
            report.notes.insert(0, stopped)
        if request.submit and not request.dry_run and system == "theodoinq" and not stopped:
            self.progress(f"{system}: {STAGE_LABELS['submit']}")
            done = await self.stage(
                f"{system}-submit", submit_reports, system, after or ready.snapshot,
                request.run_id, source,
            )
            report.notes.extend(f"Nộp báo cáo kỳ {p}: {text}" for p, text in done.items())
        self.reports[system] = report
        counts = {status: n for status, n in report.summary.items() if n}
        log.info("system_done", run_id=request.run_id, system=system, **counts)

    async def _read_back(self, system: System) -> RemoteSnapshot | None:
        """What SYSTEM holds after the push; None (the plan's snapshot stands) if unreadable."""
        self.progress(f"{system}: {STAGE_LABELS['fetch-after']}")
        try:
            after: RemoteSnapshot = await self.stage(
                f"{system}-fetch-after", fetch_remote, system, self.periods, self.request.source
            )
        except RemoteError as error:
            log.warning("read_back_failed", system=system, error=redact_text(error.message))
            return None
        self.snapshots[system] = after
        return after

    async def _reconcile(
        self,
        system: System,
        ready: _Planned,
        outcomes: list[RecordOutcome] | None,
        after: RemoteSnapshot | None,
    ) -> SystemReport:
        self.progress(f"{system}: {STAGE_LABELS['reconcile']}")
        report: SystemReport = await self.stage(
            f"{system}-reconcile", reconcile, system, self.local, ready.plan, outcomes, after
        )
        return report


STALE = (
    "Dữ liệu trên hệ thống đã thay đổi sau khi lập kế hoạch: không ghi; "
    "lập lại kế hoạch để đưa chỉ tiêu này vào."
)


def stale_checked(plan: SyncPlan, fresh: RemoteSnapshot, approver: str | None) -> SyncPlan:
    """PLAN as approved, against what the remote holds now: a write whose remote changed since
    the plan (fingerprint or version) becomes `stale` and is not made."""
    now = {(r.target_code, r.period): r for r in fresh.reports}
    changes = []
    for change in plan.changes:
        current = now.get((change.target_code, change.period))
        before = change.remote
        same = (current is None and before is None) or (
            current is not None and before is not None
            and (current.fingerprint, current.updated_at) == (before.fingerprint, before.updated_at)
        )
        if change.action in WRITES and not same:
            change = change.model_copy(update={"action": "stale", "reason": STALE})
        changes.append(change)
    return plan.model_copy(update={"changes": changes, "approver": approver})


def planned_side(plans: Mapping[str, SyncPlan]) -> LocalSide:
    """The local side of an approved plan: its records, and the workbooks they came from."""
    records = {
        change.record.key: change.record
        for plan in plans.values() for change in plan.changes if change.record is not None
    }
    files = {path: sha for plan in plans.values() for path, sha in plan.sources.items()}
    selected = tuple(records.values())
    return LocalSide(
        records=selected, selected=selected,
        files=tuple(SourceFile(path=path, sha256=sha, size=0) for path, sha in files.items()),
    )


def drift_stop(system: str, snapshot: RemoteSnapshot, on_drift: str) -> str | None:
    """Why nothing may be written to SYSTEM this run (its API changed where nqsync reads or
    writes, and `NQSYNC_ON_DRIFT=stop`), or None."""
    used = [d.message for d in snapshot.drift if d.used]
    if not used or on_drift != "stop":
        return None
    return (
        f"Không ghi gì lên {system} trong lần chạy này vì API của hệ thống đã thay đổi ở trường "
        "nqsync đọc hoặc ghi (NQSYNC_ON_DRIFT=stop): " + "; ".join(used)
    )


def held_plan(plan: SyncPlan, reason: str) -> SyncPlan:
    """PLAN with every write held back for REASON."""
    changes = [
        c.model_copy(update={"action": "hold", "reason": reason}) if c.action in WRITES else c
        for c in plan.changes
    ]
    return plan.model_copy(update={"changes": changes})


def drift_warnings(snapshots: Mapping[str, RemoteSnapshot]) -> list[RunWarning]:
    """A `drift` warning for each change of a remote's API seen this run."""
    return [
        RunWarning(kind="drift", target_code="", detail=f"{system}: {note.message}")
        for system, snapshot in snapshots.items()
        for note in snapshot.drift
    ]


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
    warnings = [*drift_warnings(snapshots), *warnings]
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
