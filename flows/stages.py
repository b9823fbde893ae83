"""The stages of one run as plain functions: each opens what it needs, so each can be a task.

Stages take and return plain data (pydantic models); the HTTP client and the ledger
connection live only inside a stage.
"""

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from connectors.base import DriftNote, RecordOutcome, RemoteSnapshot, SyncPlan, TargetAdapter
from connectors.factory import System, open_adapter
from connectors.http.errors import FAIL_SYSTEM, RemoteError
from connectors.local.assignments import read_assignments
from connectors.local.parse_cache import ParseCache
from connectors.local.reader import read_source
from connectors.nq71.mapping import MappingFileError, load_overrides
from flows.reconcile import reconcile_system
from flows.render import ReportPaths, write_reports
from flows.report_model import LedgerState, Reconciliation, SystemReport
from flows.selection import select_commune_figures
from models.assignment import AssignmentSet
from models.file_cache import FileHashCache
from models.ledger import Ledger
from models.parse_cache import ParseCacheStore
from models.records import ProgressRecord, RowError, SourceFile
from models.settings import Settings, get_settings
from models.shapes import ShapeStore


class LocalSide(BaseModel):
    """What the units' workbooks say: records, row errors, files, and the commune's figures."""

    model_config = ConfigDict(frozen=True)

    records: tuple[ProgressRecord, ...] = ()
    errors: tuple[RowError, ...] = ()
    files: tuple[SourceFile, ...] = ()
    assignments: AssignmentSet | None = None
    selected: tuple[ProgressRecord, ...] = ()
    skipped: tuple[tuple[ProgressRecord, str], ...] = ()


async def read_units(
    source: Path, assignments: Path | None, periods: Sequence[str]
) -> LocalSide:
    """Read and normalise the source folder; pick the commune's figure for PERIODS.

    Files unchanged since the ledger last hashed them (same size, mtime and inode) are not
    hashed again, and a workbook the ledger kept the outcome of is not parsed again while
    neither it nor anything its evidence lookups consulted changed.
    """
    with _ledger() as ledger:
        result = read_source(
            source,
            FileHashCache(ledger.engine),
            parse_cache=ParseCache(ParseCacheStore(ledger.engine)),
        )
    assignment_set = read_assignments(assignments) if assignments is not None else None
    errors = result.errors + (assignment_set.errors if assignment_set else ())
    in_periods = [r for r in result.records if r.period in periods]
    selection = select_commune_figures(in_periods, assignment_set)
    return LocalSide(
        records=result.records,
        errors=errors,
        files=result.files,
        assignments=assignment_set,
        selected=tuple(selection.selected),
        skipped=tuple(selection.skipped),
    )


def _ledger() -> Ledger:
    return Ledger.open(get_settings().database_url)


async def fetch_remote(system: System, periods: Sequence[str], source: Path) -> RemoteSnapshot:
    """What SYSTEM holds for PERIODS, with any change in the shape of its answers.

    A fetch that fails while the answers' shape changed is reported as that change.
    """
    with _ledger() as ledger:
        async with open_adapter(system, get_settings(), ledger, source, stage="fetch") as adapter:
            try:
                snapshot = await adapter.fetch(list(periods))
            except Exception as error:
                drift = _drift(adapter, ledger)
                if drift:
                    raise RemoteError(
                        system, "API đã thay đổi: " + "; ".join(d.message for d in drift),
                        FAIL_SYSTEM,
                    ) from error
                raise
            snapshot.drift = _drift(adapter, ledger)
            return snapshot


def _drift(adapter: TargetAdapter, ledger: Ledger) -> list[DriftNote]:
    if adapter.shapes is None:
        return []
    found = adapter.shapes.check(ShapeStore(ledger.engine))
    return [DriftNote(message=f.message, used=f.used, kind=f.kind, path=f.path) for f in found]


async def plan_changes(
    system: System,
    selected: Sequence[ProgressRecord],
    snapshot: RemoteSnapshot,
    source: Path,
    files: Sequence[SourceFile] = (),
) -> SyncPlan:
    """The changes that make SYSTEM hold the commune's figures (writes nothing)."""
    with _ledger() as ledger:
        async with open_adapter(system, get_settings(), ledger, source, stage="plan") as adapter:
            plan = adapter.plan(list(selected), snapshot)
    plan.sources = {f.path: f.sha256 for f in files}
    return plan


async def push_changes(
    system: System, plan: SyncPlan, run_id: str, source: Path
) -> list[RecordOutcome]:
    """Carry PLAN out on SYSTEM (with no write to make, only the ledger is touched)."""
    with _ledger() as ledger:
        async with open_adapter(system, get_settings(), ledger, source, stage="push") as adapter:
            return await adapter.apply(plan, run_id=run_id)


async def submit_reports(
    system: System, snapshot: RemoteSnapshot, run_id: str, source: Path
) -> dict[str, str]:
    """Submit SYSTEM's reports of the snapshot's periods (the office's act); what happened."""
    with _ledger() as ledger:
        async with open_adapter(system, get_settings(), ledger, source, stage="submit") as adapter:
            return await adapter.submit(snapshot, run_id=run_id)


def preflight(systems: Sequence[System], settings: Settings) -> list[str]:
    """Configuration problems found before anything is written (in Vietnamese); none is good."""
    problems: list[str] = []
    if "nq71" in systems:
        try:
            load_overrides(settings.nq71_mapping)
        except MappingFileError as error:
            problems.append(f"nq71: {error}")
    secrets = {
        "theodoinq": (settings.theodoinq_username, settings.theodoinq_password),
        "nq71": (settings.nq71_client_id, settings.nq71_client_secret),
    }
    for system in systems:
        account, secret = secrets[system]
        if not account or not secret.get_secret_value():
            problems.append(f"{system}: thiếu tài khoản hoặc mật khẩu/khóa bí mật.")
    return problems


async def reconcile(
    system: System,
    local: LocalSide,
    plan: SyncPlan,
    outcomes: Sequence[RecordOutcome] | None,
    after: RemoteSnapshot | None,
) -> SystemReport:
    """SYSTEM's three-way diff, with each entry's ledger side."""
    report = reconcile_system(
        system, local.selected, plan, outcomes, after, list(local.skipped)
    )
    attach_ledger(system, report, after or plan.snapshot)
    return report


def attach_ledger(system: str, report: SystemReport, snapshot: RemoteSnapshot) -> None:
    """Fill each entry's ledger side: last push, and whether the remote still matches it."""
    with _ledger() as ledger:
        states = {(s.target_code, s.period): s for s in ledger.list_sync_states(system)}
    remotes = {(r.target_code, r.period): r for r in snapshot.reports}
    for entry in report.entries:
        state = states.get((entry.target_code, entry.period))
        if state is None:
            continue
        remote = remotes.get((entry.target_code, entry.period))
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


async def write_run_reports(report: Reconciliation, report_dir: Path) -> ReportPaths:
    """Write the run's report files."""
    return write_reports(report, report_dir)
