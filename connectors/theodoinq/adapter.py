"""theodoinq as a `TargetAdapter`: monthly 57-NQ/TW grants, whole-report read-modify-write.

Rows are found by tree position. A save sends every row back exactly as read except the rows
this run owns and changes; files go up first, each looked up by sha256 before any (re-)upload.
A row a person changed since our last receipt is a conflict and is left alone. The grant is
submitted only when the run asks for it.
"""

import asyncio
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from connectors.audit import GRANT, Auditor, audit_change
from connectors.base import (
    PlannedChange,
    Receipt,
    RecordOutcome,
    RemoteEvidence,
    RemoteReport,
    RemoteSnapshot,
    Review,
    SyncPlan,
)
from connectors.filecheck import MAX_BYTES, check_file
from connectors.http.errors import RemoteError
from connectors.http.retry import write_once
from connectors.journal import Journal
from connectors.planning import (
    LocalFileError,
    failure_reason,
    is_completion,
    plan_records,
    settle_unpushed,
)
from connectors.shapes import ShapeRecorder
from connectors.theodoinq.client import TheodoinqClient
from connectors.theodoinq.mapping import (
    content_text,
    desired_row,
    grant_period,
    is_handled,
    meets_target,
    parse_value,
    row_fingerprint,
    row_has_data,
    rows_by_code,
)
from models import catalogue
from models.ledger import IntentDraft, Ledger
from models.ledger.batch import LedgerBatch
from models.records import EvidenceFile, ProgressRecord
from models.status import Action, EntryStatus

SYSTEM = "theodoinq"
_REVIEWS: Mapping[str, Review] = {"DAT": "accepted", "KHONG_DAT": "rejected"}
_LOCKED = {"LOCKED": "Kỳ báo cáo đã bị khóa trên theodoinq.", "SUBMITTED": "Kỳ báo cáo đã nộp."}



class TheodoinqAdapter:
    """Pushes canonical records to theodoinq and reads back what it holds."""

    system = SYSTEM

    def __init__(self, client: TheodoinqClient, ledger: Ledger, evidence_root: Path) -> None:
        self.client = client
        self.ledger = ledger
        self.evidence_root = evidence_root
        self._verified: set[str] = set()
        self._files: dict[str, asyncio.Future[str]] = {}
        self.own_accounts: tuple[str, ...] = (client.username,)
        self.audit: Auditor | None = None
        self.journal: Journal | None = None
        self.shapes: ShapeRecorder | None = None

    async def fetch(self, periods: Sequence[str]) -> RemoteSnapshot:
        """Read the monthly grants of PERIODS and their whole reports."""
        snapshot = RemoteSnapshot(system=SYSTEM, periods=list(periods))
        years = sorted({int(p[:4]) for p in periods})
        grants = [g for year in years for g in await self.client.grants(year)]
        for grant in grants:
            if not is_handled(grant):
                snapshot.notes.append(
                    f"Không xử lý kỳ báo cáo {grant.get('periodType')} của "
                    f"{grant.get('resolution')} ({grant.get('fromDate')}–{grant.get('toDate')}, "
                    f"mã {grant.get('grantId')})."
                )
        monthly = {grant_period(g): g for g in grants if is_handled(g)}
        wanted = []
        for period in periods:
            found = monthly.get(period)
            if found is None:
                snapshot.held_periods[period] = "Không có kỳ báo cáo tháng này trên theodoinq."
                continue
            snapshot.context.setdefault("grants", {})[period] = found
            status = str(found.get("grantStatus"))
            if status in _LOCKED:
                snapshot.held_periods[period] = _LOCKED[status]
            wanted.append((period, found))
        reports = await asyncio.gather(
            *(self.client.report(int(grant["grantId"])) for _, grant in wanted)
        )
        names = self._file_names()
        for (period, grant), rows in zip(wanted, reports, strict=True):
            for code, row in sorted(rows_by_code(rows).items()):
                snapshot.reports.append(self._remote(code, period, grant, row, names))
        return snapshot

    def _file_names(self) -> dict[str, str]:
        """Remote file id → sha256, for the files the ledger knows we uploaded."""
        return {
            upload.remote_file_id: upload.sha256
            for upload in self.ledger.list_uploads(SYSTEM)
            if upload.remote_file_id
        }

    def _remote(
        self,
        code: str,
        period: str,
        grant: Mapping[str, Any],
        row: Mapping[str, Any],
        shas: Mapping[str, str],
    ) -> RemoteReport:
        review = _REVIEWS.get(str(row.get("evalStatus")))
        files = [str(f) for f in row.get("fileIds") or []]
        value = str(row.get("idxValue") or "")
        return RemoteReport(
            target_code=code,
            period=period,
            remote_id=f"{grant['grantId']}/{row.get('idxId')}",
            actual=parse_value(value),
            note=content_text(row.get("idxContent")),
            evidence=[
                RemoteEvidence(
                    remote_id=f, sha256=shas.get(f), review=review or "pending",
                    comment=str(row.get("evalComment") or ""),
                )
                for f in files
            ],
            review=review,
            review_comment=str(row.get("evalComment") or ""),
            updated_at=row.get("updateTime"),
            updated_by=row.get("updateUser"),
            fingerprint=row_fingerprint(row),
            has_data=row_has_data(row),
            target=str(row.get("idxTarget") or ""),
        )

    def plan(self, records: Sequence[ProgressRecord], snapshot: RemoteSnapshot) -> SyncPlan:
        """Plan one change per record: create/update, leave, hold, conflict, unmapped or fail."""
        return plan_records(self, self.ledger, records, snapshot)

    def refusal(
        self, record: ProgressRecord, snapshot: RemoteSnapshot, remote: RemoteReport | None
    ) -> tuple[Action, str] | None:
        """A period without an open monthly grant is held; a row not found is unmapped."""
        if record.period in snapshot.held_periods:
            return "hold", snapshot.held_periods[record.period]
        if remote is None:
            return "unmapped", "Không tìm thấy dòng chỉ tiêu trên theodoinq."
        return None

    def is_completion(self, record: ProgressRecord, remote: RemoteReport | None) -> bool:
        """The plan's rule, or a value that meets the row's own target (`idxTarget`)."""
        target = catalogue.get(record.target_code)
        return is_completion(record, target) or (
            remote is not None and meets_target(record.actual, remote.target)
        )

    def desired_fingerprint(
        self, record: ProgressRecord, snapshot: RemoteSnapshot, uploaded: Mapping[str, str]
    ) -> str:
        """The row's fingerprint once it holds RECORD, with the files' known remote ids."""
        ids = [uploaded.get(e.sha256.lower(), f"sha256:{e.sha256}") for e in record.evidence]
        return row_fingerprint(desired_row(record, ids))

    async def apply(self, plan: SyncPlan, *, run_id: str) -> list[RecordOutcome]:
        """Carry the plan out, grant by grant (never submits: see `submit`)."""
        self.audit = Auditor(self.ledger.engine, SYSTEM, run_id, plan.sources, plan.approver)
        journal = self.journal = Journal(self.ledger, self.audit)
        try:
            outcomes = await self._apply(journal, plan, run_id)
        finally:
            journal.flush()
        return [outcomes[(c.target_code, c.period)] for c in plan.changes]

    async def _apply(
        self, journal: Journal, plan: SyncPlan, run_id: str
    ) -> dict[tuple[str, str], RecordOutcome]:
        outcomes: dict[tuple[str, str], RecordOutcome] = {}
        pushes: dict[str, list[PlannedChange]] = {}
        intents = self.ledger.open_intents(SYSTEM)
        states = {(s.target_code, s.period): s for s in self.ledger.list_sync_states(SYSTEM)}
        for change in plan.changes:
            key = (change.target_code, change.period)
            if change.action in ("create", "update"):
                pushes.setdefault(change.period, []).append(change)
                continue
            outcomes[key] = settle_unpushed(
                journal.batch, SYSTEM, change, run_id, intents.get(key, []), states.get(key)
            )
        grants: dict[str, dict[str, Any]] = plan.snapshot.context.get("grants", {})
        for period, changes in pushes.items():
            grant_id = int(grants[period]["grantId"])
            try:
                results = await self._push_grant(grant_id, period, changes, run_id)
            except RemoteError as error:
                results = [self._failed(c, failure_reason(SYSTEM, error)) for c in changes]
            for result in results:
                outcomes[(result.target_code, result.period)] = result
            journal.noted()
        return outcomes

    async def _push_grant(
        self, grant_id: int, period: str, changes: list[PlannedChange], run_id: str
    ) -> list[RecordOutcome]:
        results: dict[str, RecordOutcome] = {}
        file_ids: dict[str, list[str]] = {}

        async def files_of(change: PlannedChange) -> None:
            assert change.record is not None
            try:
                file_ids[change.target_code] = [
                    await self._file_id(e) for e in change.record.evidence
                ]
            except (LocalFileError, RemoteError) as error:
                results[change.target_code] = self._failed(change, failure_reason(SYSTEM, error))

        async with asyncio.TaskGroup() as group:
            for change in changes:
                group.create_task(files_of(change))
        pending = [c for c in changes if c.target_code not in results]
        if not pending:
            return list(results.values())
        rows = await self.client.report(grant_id)
        by_code = rows_by_code(rows)
        writes: dict[str, tuple[PlannedChange, dict[str, Any], str]] = {}
        for change in pending:
            row = by_code.get(change.target_code)
            assert change.record is not None and change.remote is not None
            if row is None:
                results[change.target_code] = self._failed(change, "Dòng chỉ tiêu đã biến mất.")
                continue
            desired = desired_row(change.record, file_ids[change.target_code])
            fresh = row_fingerprint(row)
            if fresh == row_fingerprint(desired):
                results[change.target_code] = RecordOutcome(
                    target_code=change.target_code, period=period, outcome=EntryStatus.IN_SYNC
                )
                self._batch.close_intents(SYSTEM, change.target_code, period, "in_sync")
                continue
            if fresh != change.remote.fingerprint:
                reason = "Dòng vừa bị sửa trên theodoinq trong lúc đồng bộ: không ghi đè."
                results[change.target_code] = RecordOutcome(
                    target_code=change.target_code, period=period,
                    outcome=EntryStatus.CONFLICT, reason=reason,
                )
                self._batch.outcome(
                    SYSTEM, change.target_code, period, outcome="conflict", error=reason
                )
                self._batch.close_intents(SYSTEM, change.target_code, period, "conflict")
                continue
            writes[change.target_code] = (change, desired, row_fingerprint(desired))
        if writes:
            results.update(await self._save(grant_id, period, rows, writes, run_id))
        return list(results.values())

    async def _save(
        self,
        grant_id: int,
        period: str,
        rows: list[dict[str, Any]],
        writes: dict[str, tuple[PlannedChange, dict[str, Any], str]],
        run_id: str,
    ) -> dict[str, RecordOutcome]:
        results: dict[str, RecordOutcome] = {}
        by_code = rows_by_code(rows)
        drafts = [
            IntentDraft(code, period, pushed, ["save"], [pushed])
            for code, (_, _, pushed) in writes.items()
        ]
        intents = dict(zip(writes, self.ledger.open_intent_group(run_id, SYSTEM, drafts),
                           strict=True))
        if self.audit is not None:
            self.audit.record_changes("intent", [
                (change, {"grantId": grant_id, **desired}) for change, desired, _ in writes.values()
            ])
        while writes:
            body = [dict(row) for row in rows]
            index = {id(row): i for i, row in enumerate(rows)}
            for code, (_, desired, _) in writes.items():
                body[index[id(by_code[code])]].update(desired)
            try:
                await self.client.save(grant_id, body)
                break
            except RemoteError as error:
                culprit = _named_row(error, {c: by_code[c] for c in writes})
                if error.code in ("INVALID_VALUE", "EVIDENCE_REQUIRED") and culprit:
                    change = writes.pop(culprit)[0]
                    results[culprit] = self._failed(change, failure_reason(SYSTEM, error))
                    self._batch.close_intents(SYSTEM, culprit, period, "failed")
                    continue
                outcome = EntryStatus.HELD if error.code == "GRANT_LOCKED" else EntryStatus.FAILED
                for code, (change, _, _) in writes.items():
                    results[code] = self._failed(change, failure_reason(SYSTEM, error), outcome)
                    if not error.outcome_unknown:
                        self._batch.close_intents(SYSTEM, code, period, outcome.value)
                return results
        if not writes:
            return results
        after = rows_by_code(await self.client.report(grant_id))
        for code, (change, _, pushed) in writes.items():
            row = after.get(code, {})
            assert change.remote is not None
            outcome = EntryStatus.UPDATED if change.remote.has_data else EntryStatus.CREATED
            remote_id = f"{grant_id}/{row.get('idxId')}"
            self._batch.receipt(
                SYSTEM, code, period,
                run_id=run_id,
                pushed_fingerprint=pushed,
                outcome=outcome.value,
                unit_code=change.record.unit_code if change.record else None,
                remote_id=remote_id,
                remote_version=row.get("updateTime"),
                remote_fingerprint=row_fingerprint(row),
            )
            self._batch.intent_step(intents[code], row_fingerprint(row))
            self._batch.close_intents(SYSTEM, code, period, outcome.value)
            audit_change(self.audit, "outcome", change, later=True, response={
                "status": outcome.value, "idxId": row.get("idxId"),
                "updateTime": row.get("updateTime"), "updateUser": row.get("updateUser"),
                "idxValue": row.get("idxValue"), "fileIds": row.get("fileIds"),
            })
            results[code] = RecordOutcome(
                target_code=code, period=period, outcome=outcome,
                receipt=_receipt(remote_id, row, pushed),
            )
        return results

    @property
    def _batch(self) -> LedgerBatch:
        """The ledger changes of the push under way (`apply`)."""
        assert self.journal is not None
        return self.journal.batch

    async def _file_id(self, evidence: EvidenceFile) -> str:
        """The remote file id of this content; one upload per content however many ask."""
        task = self._files.get(evidence.sha256)
        if task is None:
            task = asyncio.ensure_future(self._ensure_file(evidence))
            self._files[evidence.sha256] = task
        return await asyncio.shield(task)

    async def _ensure_file(self, evidence: EvidenceFile) -> str:
        """The remote file id of this content: the ledger's, the remote's, or a new upload."""
        sha256 = evidence.sha256
        known = self.ledger.find_upload(SYSTEM, sha256)
        if known and known.remote_file_id:
            if await self._still_there(known.remote_file_id):
                return known.remote_file_id
            self.ledger.forget_upload(SYSTEM, sha256)
        path = self.evidence_root / evidence.path
        found = await self.client.files_by_sha256(sha256)
        if found:
            file_id = str(found[0]["fileId"])
            self.ledger.record_upload(SYSTEM, evidence, file_id)
            return file_id
        problem = check_file(
            path, MAX_BYTES[SYSTEM], root=self.evidence_root, system=SYSTEM
        )
        if problem:
            raise LocalFileError(problem)

        async def upload() -> str:
            return str((await self.client.upload(path))["fileId"])

        async def uploaded() -> str | None:
            again = await self.client.files_by_sha256(sha256)
            return str(again[0]["fileId"]) if again else None

        file_id = await write_once(upload, uploaded, self.client.session.policy)
        self.ledger.record_upload(SYSTEM, evidence, file_id)
        if self.audit is not None:
            self.audit.record(
                "write", GRANT, "",
                request={"upload": path.name, "sha256": sha256, "size": evidence.size},
                response={"fileId": file_id},
                later=True,
            )
        return file_id

    async def _still_there(self, file_id: str) -> bool:
        """Whether the remote still knows a file id the ledger cached (it may have lost it)."""
        if file_id in self._verified:
            return True
        try:
            await self.client.file(file_id)
        except RemoteError as error:
            if error.code == "NOT_FOUND" or error.status == 404:
                return False
            raise
        self._verified.add(file_id)
        return True

    async def submit(self, snapshot: RemoteSnapshot, *, run_id: str) -> dict[str, str]:
        """Submit each open monthly report of the snapshot once; what happened, per period.

        A submit whose answer was lost is settled by reading the grant's status before any new
        try; a grant already submitted or locked is noted, never an error.
        """
        self.audit = Auditor(self.ledger.engine, SYSTEM, run_id, {})
        done: dict[str, str] = {}
        for period in snapshot.periods:
            grant = snapshot.context.get("grants", {}).get(period)
            if grant is None or period in snapshot.held_periods:
                done[period] = snapshot.held_periods.get(period, "Không có kỳ báo cáo tháng này.")
                continue
            try:
                done[period] = await self._submit_grant(int(grant["grantId"]), period)
            except RemoteError as error:
                done[period] = "Nộp không thành công: " + failure_reason(SYSTEM, error)
            self.audit.record(
                "write", GRANT, period,
                request={"submit": True, "grantId": grant["grantId"]},
                response={"result": done[period]},
            )
        return done

    async def _submit_grant(self, grant_id: int, period: str) -> str:
        async def status() -> str | None:
            years = {int(period[:4])}
            for grant in [g for y in years for g in await self.client.grants(y)]:
                if int(grant.get("grantId") or 0) == grant_id:
                    return str(grant.get("grantStatus"))
            return None

        async def submitted() -> str | None:
            return "SUBMITTED" if await status() in ("SUBMITTED", "LOCKED") else None

        async def send() -> str:
            rows = await self.client.report(grant_id)
            await self.client.save(grant_id, rows, submit=True, retry=False)
            return "SUBMITTED"

        try:
            await write_once(send, submitted, self.client.session.policy)
        except RemoteError as error:
            if error.code != "GRANT_LOCKED":
                raise
            return _LOCKED.get(await status() or "", _LOCKED["LOCKED"])
        return "Đã nộp báo cáo kỳ này."

    def _failed(
        self, change: PlannedChange, reason: str, outcome: EntryStatus = EntryStatus.FAILED
    ) -> RecordOutcome:
        self._batch.outcome(
            SYSTEM, change.target_code, change.period, outcome=outcome.value, error=reason
        )
        audit_change(
            self.audit, "outcome", change,
            response={"status": outcome.value, "error": reason}, later=True,
        )
        return RecordOutcome(
            target_code=change.target_code, period=change.period, outcome=outcome,
            reason=reason, error=reason if outcome is EntryStatus.FAILED else None,
        )


def _named_row(error: RemoteError, rows: Mapping[str, Mapping[str, Any]]) -> str | None:
    numbers = set(re.findall(r"\d+", error.message))
    return next((code for code, row in rows.items() if str(row.get("idxId")) in numbers), None)



def _receipt(remote_id: str | None, row: Mapping[str, Any], pushed: str) -> Receipt:
    return Receipt(
        remote_id=remote_id or "",
        remote_version=row.get("updateTime"),
        remote_fingerprint=row_fingerprint(row),
        pushed_fingerprint=pushed,
    )
