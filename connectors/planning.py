"""The one decision every adapter makes per (target_code, period): push, leave, hold or flag.

Three ways: the local record, what the remote holds now, and what the ledger says was last
pushed and seen. A remote that changed since our last receipt was changed by someone else:
that is a conflict, left alone, unless it already holds what we would send.
"""

from collections.abc import Mapping

from connectors.base import Action, Outcome, PlannedChange, RecordOutcome, RemoteReport
from connectors.http.errors import RemoteError
from connectors.logging import redact_text
from models.catalogue import Target
from models.ledger import Ledger
from models.ledger_tables import SyncStatePublic
from models.records import ProgressRecord, Status

ACTION_OUTCOME: Mapping[str, Outcome] = {
    "none": Outcome.IN_SYNC,
    "hold": Outcome.HELD,
    "conflict": Outcome.CONFLICT,
    "unmapped": Outcome.UNMAPPED,
    "fail": Outcome.FAILED,
}
"""The outcome of a planned action that needs no write."""

EVIDENCE_MISSING = (
    "Báo cáo hoàn thành nhưng chưa có minh chứng: không gửi, chờ bổ sung minh chứng."
)


def is_completion(record: ProgressRecord, target: Target | None) -> bool:
    """A report of completion: status completed, or a value that meets the target."""
    if record.status is Status.COMPLETED:
        return True
    return target is not None and target.is_met_by(record.actual)


def held_for_evidence(record: ProgressRecord, target: Target | None) -> bool:
    """The plan's rule: completion is not reported without evidence."""
    return is_completion(record, target) and not record.evidence


def decide(
    desired_fingerprint: str,
    remote: RemoteReport | None,
    state: SyncStatePublic | None,
) -> tuple[Action, str]:
    """Create, update, leave (`none`) or flag a conflict, from the three sides' fingerprints."""
    if remote is None:
        return "create", ""
    if remote.fingerprint == desired_fingerprint:
        return "none", ""
    seen = state.last_seen_remote_fingerprint if state else None
    if seen is not None and remote.fingerprint != seen:
        who = f" ({remote.updated_by})" if remote.updated_by else ""
        return "conflict", f"Dữ liệu trên hệ thống đã bị sửa sau lần gửi trước{who}: không ghi đè."
    if state is not None and state.last_pushed_fingerprint == desired_fingerprint and seen:
        return "none", ""
    return "update", ""


class LocalFileError(Exception):
    """An evidence file that cannot be sent; its text is the reason, in Vietnamese."""


def failure_reason(system: str, error: BaseException) -> str:
    """A failure as the report says it: the remote's message and code, secrets masked."""
    if isinstance(error, RemoteError):
        text = f"{system}: {error.message}" + (f" ({error.code})" if error.code else "")
    else:
        text = str(error)
    return redact_text(text)


def settle_unpushed(
    ledger: Ledger, system: str, change: PlannedChange, run_id: str
) -> RecordOutcome:
    """The outcome of a change that needs no write, noted in the ledger.

    An in-sync key gets a receipt when the ledger has not seen the remote as it is now, so the
    next run can tell a person's later edit from our own write.
    """
    outcome = ACTION_OUTCOME[change.action]
    remote = change.remote
    if outcome is not Outcome.IN_SYNC:
        ledger.record_outcome(
            system, change.target_code, change.period,
            outcome=outcome.value, error=change.reason or None,
        )
    elif remote is not None and change.fingerprint:
        state = ledger.get_sync_state(system, change.target_code, change.period)
        if state is None or state.last_seen_remote_fingerprint != remote.fingerprint:
            ledger.record_receipt(
                system, change.target_code, change.period,
                run_id=run_id, pushed_fingerprint=change.fingerprint, outcome=outcome.value,
                remote_id=remote.remote_id, remote_version=remote.updated_at,
                remote_fingerprint=remote.fingerprint,
            )
    return RecordOutcome(
        target_code=change.target_code, period=change.period,
        outcome=outcome, reason=change.reason,
    )
