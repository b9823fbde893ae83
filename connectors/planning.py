"""The one decision every adapter makes per (target_code, period): push, leave, hold or flag.

Three ways: the local record, what the remote holds now, and what the ledger says was last
pushed and seen. A remote that changed since our last receipt was changed by someone else:
that is a conflict, left alone, unless it already holds what we would send.
"""

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from connectors.base import PlannedChange, RecordOutcome, RemoteReport, RemoteSnapshot, SyncPlan
from connectors.filecheck import MAX_BYTES, check_file
from connectors.http.errors import RemoteError
from connectors.logs import redact_text
from models.catalogue import Target
from models.ledger import IntentPublic, Ledger
from models.ledger.batch import LedgerBatch
from models.ledger_tables import SyncStatePublic
from models.records import ProgressRecord, Status
from models.status import ACTION_STATUS, WRITES, Action, EntryStatus

EVIDENCE_MISSING = (
    "Báo cáo hoàn thành nhưng chưa có minh chứng: không gửi, chờ bổ sung minh chứng."
)


def is_completion(record: ProgressRecord, target: Target | None) -> bool:
    """A report of completion: status completed, or a value that meets the target."""
    if record.status is Status.COMPLETED:
        return True
    return target is not None and target.is_met_by(record.actual)


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
    batch: LedgerBatch,
    system: str,
    change: PlannedChange,
    run_id: str,
    intents: Sequence[IntentPublic] = (),
    state: SyncStatePublic | None = None,
) -> RecordOutcome:
    """The outcome of a change that needs no write, noted in BATCH.

    An in-sync key gets a receipt when the ledger (its STATE) has not seen the remote as it is
    now, so the next run can tell a person's later edit from our own write.
    """
    outcome = ACTION_STATUS[change.action]
    remote = change.remote
    resolve_intents(batch, system, change, intents, outcome.value)
    if outcome is not EntryStatus.IN_SYNC:
        batch.outcome(
            system, change.target_code, change.period,
            outcome=outcome.value, error=change.reason or None,
        )
    elif remote is not None and change.fingerprint and not _seen_as_is(state, remote):
        batch.receipt(
            system, change.target_code, change.period,
            run_id=run_id, pushed_fingerprint=change.fingerprint, outcome=outcome.value,
            remote_id=remote.remote_id, remote_version=remote.updated_at,
            remote_fingerprint=remote.fingerprint,
        )
    return RecordOutcome(
        target_code=change.target_code, period=change.period,
        outcome=outcome, reason=change.reason,
    )


def _seen_as_is(state: SyncStatePublic | None, remote: RemoteReport) -> bool:
    return state is not None and state.last_seen_remote_fingerprint == remote.fingerprint


def resolve_intents(
    batch: LedgerBatch,
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
        batch.remote_seen(
            system, change.target_code, change.period,
            remote_version=remote.updated_at, remote_fingerprint=remote.fingerprint,
        )
    batch.close_intents(system, change.target_code, change.period, outcome)


class PlanRules(Protocol):
    """What differs between systems when planning one record; `plan_records` does the rest."""

    system: str
    evidence_root: Path
    own_accounts: tuple[str, ...]
    """The accounts nqsync writes as (a row they last edited is not a person's edit)."""

    def refusal(
        self, record: ProgressRecord, snapshot: RemoteSnapshot, remote: RemoteReport | None
    ) -> tuple[Action, str] | None:
        """Why the system cannot take the record at all (unmapped, held period), or None."""
        ...

    def is_completion(self, record: ProgressRecord, remote: RemoteReport | None) -> bool:
        """Whether the record reports completion on this system (so needs evidence)."""
        ...

    def desired_fingerprint(
        self, record: ProgressRecord, snapshot: RemoteSnapshot, uploaded: Mapping[str, str]
    ) -> str:
        """The fingerprint of what the remote holds once it holds RECORD (UPLOADED: the remote
        ids of the evidence files already on the system, by sha256)."""
        ...


def plan_records(
    rules: PlanRules,
    ledger: Ledger,
    records: Sequence[ProgressRecord],
    snapshot: RemoteSnapshot,
) -> SyncPlan:
    """One change per record: create/update, leave, hold, conflict, unmapped or fail.

    The ledger is read once (sync states, open intents, uploads), the snapshot indexed once.
    """
    system = rules.system
    intents = ledger.open_intents(system)
    states = {(s.target_code, s.period): s for s in ledger.list_sync_states(system)}
    uploaded = {
        u.sha256: u.remote_file_id for u in ledger.list_uploads(system) if u.remote_file_id
    }
    remotes = {(r.target_code, r.period): r for r in snapshot.reports}
    plan = SyncPlan(system=system, snapshot=snapshot)
    for record in records:
        key = (record.target_code, record.period)
        change = _plan_one(rules, record, snapshot, remotes.get(key), states.get(key),
                           intents.get(key, []), uploaded)
        if change.action in WRITES:
            change.uploads = [e for e in record.evidence if e.sha256.lower() not in uploaded]
        plan.changes.append(change)
    return plan


def _plan_one(
    rules: PlanRules,
    record: ProgressRecord,
    snapshot: RemoteSnapshot,
    remote: RemoteReport | None,
    state: SyncStatePublic | None,
    intents: Sequence[IntentPublic],
    uploaded: Mapping[str, str],
) -> PlannedChange:
    key = {"target_code": record.target_code, "period": record.period, "record": record}
    refused = rules.refusal(record, snapshot, remote)
    if refused is not None:
        return PlannedChange(**key, action=refused[0], reason=refused[1], remote=remote)
    if not record.evidence and rules.is_completion(record, remote):
        return PlannedChange(**key, action="hold", reason=EVIDENCE_MISSING, remote=remote)
    for evidence in record.evidence:
        problem = check_file(
            rules.evidence_root / evidence.path, MAX_BYTES[rules.system],
            root=rules.evidence_root, system=rules.system,
        )
        if problem:
            return PlannedChange(**key, action="fail", reason=problem, remote=remote)
    wanted = rules.desired_fingerprint(record, snapshot, uploaded)
    action, reason = decide(wanted, remote, state, intents, rules.own_accounts)
    return PlannedChange(
        **key, action=action, reason=reason, remote=remote, fingerprint=wanted
    )
