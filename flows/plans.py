"""An approved plan on disk: what `nqsync sync --plan-only` writes and `nqsync apply` applies.

The file holds, per system, the exact changes planned (action, values, files) and the remote
state each was planned against, so that applying it writes that and nothing else; a change
whose remote moved since is `stale` (see `flows.pipeline.stale_checked`).
"""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ValidationError

from connectors.base import SyncPlan

PLAN_VERSION = 1


class PlanFileError(ValueError):
    """A plan file that cannot be applied; its text says why, in Vietnamese."""


class SavedPlan(BaseModel):
    """A plan as written to disk."""

    version: int = PLAN_VERSION
    created_at: datetime
    run_id: str
    source: str
    periods: list[str]
    as_of: date
    systems: dict[str, SyncPlan]


def save_plan(path: Path, plan: SavedPlan) -> None:
    """Write PLAN to PATH as JSON (UTF-8), replacing what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    temporary.replace(path)


def load_plan(path: Path, *, max_age: timedelta, now: datetime | None = None) -> SavedPlan:
    """The plan at PATH, refused when unreadable, of another version, or older than MAX_AGE."""
    try:
        plan = SavedPlan.model_validate_json(path.read_bytes())
    except OSError as error:
        raise PlanFileError(f"Không đọc được tệp kế hoạch {path}: {error.strerror}") from error
    except ValidationError as error:
        raise PlanFileError(f"Tệp {path.name} không phải kế hoạch của nqsync.") from error
    if plan.version != PLAN_VERSION:
        raise PlanFileError(f"Tệp kế hoạch phiên bản {plan.version}, cần {PLAN_VERSION}.")
    age = (now or datetime.now(UTC)) - plan.created_at
    if age > max_age:
        hours = max_age.total_seconds() / 3600
        raise PlanFileError(
            f"Kế hoạch đã lập cách đây {age.total_seconds() / 3600:.1f} giờ, quá {hours:g} giờ "
            "(NQSYNC_PLAN_MAX_AGE_HOURS): hãy lập lại kế hoạch."
        )
    return plan
