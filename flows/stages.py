"""The stages of one run as plain functions: each opens what it needs, so each can be a task.

Stages take and return plain data (pydantic models); the HTTP client and the ledger
connection live only inside a stage.
"""

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from connectors.base import RecordOutcome, RemoteSnapshot, SyncPlan
from connectors.factory import System, open_adapter
from connectors.local.assignments import read_assignments
from connectors.local.reader import read_source
from flows.selection import select_commune_figures
from models.assignment import AssignmentSet
from models.ledger import Ledger
from models.records import ProgressRecord, RowError, SourceFile
from models.settings import get_settings


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
    """Read and normalise the source folder; pick the commune's figure for PERIODS."""
    result = read_source(source)
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
    """What SYSTEM holds for PERIODS."""
    with _ledger() as ledger:
        async with open_adapter(system, get_settings(), ledger, source) as adapter:
            return await adapter.fetch(list(periods))


async def plan_changes(
    system: System, selected: Sequence[ProgressRecord], snapshot: RemoteSnapshot, source: Path
) -> SyncPlan:
    """The changes that make SYSTEM hold the commune's figures (writes nothing)."""
    with _ledger() as ledger:
        async with open_adapter(system, get_settings(), ledger, source) as adapter:
            return adapter.plan(list(selected), snapshot)


async def push_changes(
    system: System, plan: SyncPlan, run_id: str, submit: bool, source: Path
) -> list[RecordOutcome]:
    """Carry PLAN out on SYSTEM."""
    with _ledger() as ledger:
        async with open_adapter(system, get_settings(), ledger, source) as adapter:
            return await adapter.apply(plan, run_id=run_id, submit=submit)
