"""The one decision every adapter makes per (target_code, period): push, leave, hold or flag.

Three ways: the local record, what the remote holds now, and what the ledger says was last
pushed and seen. A remote that changed since our last receipt was changed by someone else:
that is a conflict, left alone, unless it already holds what we would send.
"""

from connectors.base import Action, RemoteReport
from models.catalogue import Target
from models.ledger_tables import SyncStatePublic
from models.records import ProgressRecord, Status

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
