"""The one decision every adapter makes per (target_code, period): push, leave, hold or flag.

Three ways: the local record, what the remote holds now, and what the ledger says was last
pushed and seen. A remote that changed since our last receipt was changed by someone else:
that is a conflict, left alone, unless it already holds what we would send.
"""

from collections.abc import Iterable, Mapping, Sequence

from connectors.base import Action, Outcome, PlannedChange, RecordOutcome, RemoteReport
from connectors.http.errors import RemoteError
from connectors.logs import redact_text
from models.catalogue import Target
from models.ledger import IntentPublic, Ledger
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


RESUMED = "Hoàn tất lần gửi trước còn dở dang."
RESTORED = "Hệ thống không còn dữ liệu đã gửi trước đây (không do người sửa): gửi lại."


def is_ours(remote: RemoteReport, intents: Iterable[IntentPublic]) -> bool:
    """Whether the remote shows a state one of our own (possibly unfinished) writes leads to."""
    return any(remote.fingerprint in intent.expected for intent in intents)


def edited_by_person(remote: RemoteReport, own_accounts: Iterable[str]) -> bool:
    """Whether the remote names a last editor other than nqsync's own account."""
    return bool(remote.updated_by) and remote.updated_by not in set(own_accounts)


def decide(
    desired_fingerprint: str,
    remote: RemoteReport | None,
    state: SyncStatePublic | None,
    intents: Sequence[IntentPublic] = (),
    own_accounts: Iterable[str] = (),
) -> tuple[Action, str]:
    """Create, update, leave (`none`) or flag a conflict, from the sides' fingerprints.

    A remote that shows a state our own open intent leads to is ours (a half-finished push is
    finished); one that was emptied with no person as its last editor lost our data and is
    written again; any other change since our last receipt is a person's: a conflict.
    """
    if remote is None:
        return "create", ""
    if remote.fingerprint == desired_fingerprint:
        return "none", ""
    if is_ours(remote, intents):
        return "update", RESUMED
    seen = state.last_seen_remote_fingerprint if state else None
    if seen is not None and remote.fingerprint != seen:
        if not remote.has_data and not edited_by_person(remote, own_accounts):
            return "create", RESTORED
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
    ledger: Ledger,
    system: str,
    change: PlannedChange,
    run_id: str,
    intents: Sequence[IntentPublic] = (),
) -> RecordOutcome:
    """The outcome of a change that needs no write, noted in the ledger.

    An in-sync key gets a receipt when the ledger has not seen the remote as it is now, so the
    next run can tell a person's later edit from our own write.
    """
    outcome = ACTION_OUTCOME[change.action]
    remote = change.remote
    resolve_intents(ledger, system, change, intents, outcome.value)
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


def resolve_intents(
    ledger: Ledger,
    system: str,
    change: PlannedChange,
    intents: Sequence[IntentPublic],
    outcome: str,
) -> None:
    """Settle a key's open INTENTS: a remote one of them leads to is recorded as seen (ours)."""
    if not intents:
        return
    remote = change.remote
    if remote is not None and is_ours(remote, intents):
        ledger.record_remote_seen(
            system, change.target_code, change.period,
            remote_version=remote.updated_at, remote_fingerprint=remote.fingerprint,
        )
    ledger.close_intents(system, change.target_code, change.period, outcome)
