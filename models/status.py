"""The one vocabulary of where a record stands on a system, from plan to report.

A plan's action (`Action`), a push's outcome and a reconciliation entry's status are the same
words: `ACTION_STATUS` says which status each planned action ends in when it needs no write or
when a dry run stops at the plan.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal


class EntryStatus(StrEnum):
    """Where one (unit, target, period) stands on one system (DESIGN.md, reconciliation)."""

    IN_SYNC = "in_sync"
    CREATED = "created"
    UPDATED = "updated"
    CONFLICT = "conflict"
    HELD = "held"
    MISSING_REMOTE = "missing_remote"
    REMOTE_ONLY = "remote_only"
    UNMAPPED = "unmapped"
    DUPLICATE = "duplicate"
    STALE = "stale"
    FAILED = "failed"


Action = Literal["create", "update", "none", "hold", "conflict", "unmapped", "stale", "fail"]
"""What the plan means to do for one (target, period)."""

ACTION_STATUS: Mapping[str, EntryStatus] = {
    "create": EntryStatus.CREATED,
    "update": EntryStatus.UPDATED,
    "none": EntryStatus.IN_SYNC,
    "hold": EntryStatus.HELD,
    "conflict": EntryStatus.CONFLICT,
    "unmapped": EntryStatus.UNMAPPED,
    "stale": EntryStatus.STALE,
    "fail": EntryStatus.FAILED,
}
"""The status a planned action stands for (what a dry run reports, what a no-write settles)."""

WRITES: tuple[Action, ...] = ("create", "update")
"""The actions that write to the remote."""
