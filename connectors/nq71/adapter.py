"""nq71 as a `TargetAdapter`: plan codes mapped to `CTnn`, reports never duplicated.

A report is looked up before it is created and again after any failure whose outcome is
unknown. Evidence goes up in resumable 1 MiB parts (resumed from `da_nhan`), is attached only
when the report does not already hold it, and a completed status is set only once the evidence
is attached. Duplicates already on the remote are reported, never added to.
"""

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
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
from connectors.filecheck import MAX_BYTES, check_file, sniff_type
from connectors.http.errors import RemoteError
from connectors.http.retry import write_once
from connectors.journal import Journal
from connectors.nq71.client import Nq71Client
from connectors.nq71.mapping import (
    STATUS_BY_CODE,
    creatable,
    desired_fingerprint,
    load_overrides,
    map_indicators,
    overall_review,
    parse_number,
    report_fields,
    report_fingerprint,
    to_period,
    vn_date,
)
from connectors.planning import (
    LocalFileError,
    failure_reason,
    is_completion,
    plan_records,
    settle_unpushed,
)
from connectors.shapes import ShapeRecorder
from models import catalogue
from models.ledger import IntentPublic, Ledger, SeenAttachmentsBase, SeenAttachmentsPublic
from models.ledger_tables import SyncStatePublic, utc_now
from models.records import EvidenceFile, ProgressRecord
from models.status import Action, EntryStatus

SYSTEM = "nq71"
PART_SIZE = 1024 * 1024
_REVIEWS: Mapping[int, Review] = {0: "pending", 1: "accepted", 2: "rejected"}
_KINDS = {"jpeg": "hinh_anh", "png": "hinh_anh", "pdf": "van_ban", "docx": "van_ban"}



RECORDS_AT_ONCE = 48
"""Records pushed side by side: enough to keep nq71's four places busy while each record works
between its own requests, few enough that the first requests leave at once (every record
checks its files and the ledger before its first request)."""


def indicators_of(snapshot: RemoteSnapshot) -> dict[str, str]:
    """Plan code → `CTnn` as mapped when the snapshot was fetched."""
    mapped: dict[str, str] = snapshot.context.get("indicators", {})
    return mapped


class Nq71Adapter:
    """Pushes canonical records to nq71 and reads back what it holds."""

    system = SYSTEM

    def __init__(
        self,
        client: Nq71Client,
        ledger: Ledger,
        evidence_root: Path,
        mapping_file: Path | None = None,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.evidence_root = evidence_root
        self.mapping_file = mapping_file
        self.now: Callable[[], datetime] = utc_now
        self.own_accounts: tuple[str, ...] = ()
        self.audit: Auditor | None = None
        self.shapes: ShapeRecorder | None = None

    async def fetch(self, periods: Sequence[str]) -> RemoteSnapshot:
        """Map the indicators, then read every report of PERIODS with its attachments."""
        snapshot = RemoteSnapshot(system=SYSTEM, periods=list(periods))
        remote = await self.client.indicators()
        indicators = map_indicators(
            catalogue.targets(), remote, load_overrides(self.mapping_file)
        )
        snapshot.context["indicators"] = dict(indicators.by_plan)
        snapshot.unmapped = dict(indicators.unmapped_plan)
        for code, title in sorted(indicators.unmapped_remote.items()):
            snapshot.notes.append(f"Chỉ tiêu {code} trên nq71 không khớp chỉ tiêu nào: {title}")
        listings = await asyncio.gather(
            *(self.client.reports(period=to_period(p)) for p in periods)
        )
        chosen: list[tuple[str, str, dict[str, Any], list[str]]] = []
        ours = {
            (s.target_code, s.period): s.remote_id for s in self.ledger.list_sync_states(SYSTEM)
        }
        for period, reports in zip(periods, listings, strict=True):
            by_indicator: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for report in reports:
                by_indicator[str(report["ma_chi_tieu"])].append(report)
            for indicator, found in by_indicator.items():
                plan_code = indicators.by_remote.get(indicator)
                if plan_code is None:
                    continue
                main = _canonical(ours.get((plan_code, period)), found)
                others = [str(r["id"]) for r in found if r is not main]
                chosen.append((plan_code, period, main, others))
        seen = self.ledger.seen_attachments(SYSTEM)
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(self._attachments(report, seen.get((code, period))))
                for code, period, report, _ in chosen
            ]
        fresh: list[SeenAttachmentsBase] = []
        for (code, period, report, others), task in zip(chosen, tasks, strict=True):
            attached, was_read = task.result()
            if was_read:
                fresh.append(_seen(code, period, report, attached))
            snapshot.reports.append(self._remote(code, period, report, others, attached))
        self.ledger.remember_attachments(fresh)
        return snapshot

    async def _attachments(
        self, report: Mapping[str, Any], seen: SeenAttachmentsPublic | None
    ) -> tuple[list[dict[str, Any]], bool]:
        """A report's attachments, and whether they were read now (not remembered)."""
        count = int(report.get("so_minh_chung") or 0)
        if not count:
            return [], False
        if seen is not None and still_valid(seen, report, self.now()):
            return list(seen.attachments), False
        return await self.client.attachments(int(report["id"])), True

    def _remote(
        self,
        code: str,
        period: str,
        report: Mapping[str, Any],
        duplicates: list[str],
        attached: list[dict[str, Any]],
    ) -> RemoteReport:
        evidence = [
            RemoteEvidence(
                remote_id=str(a.get("tai_lieu_id")),
                name=str(a.get("tieu_de") or ""),
                sha256=a.get("sha256"),
                review=_REVIEWS.get(int((a.get("tham_dinh") or {}).get("ket_qua") or 0), "pending"),
                comment=str((a.get("tham_dinh") or {}).get("y_kien") or ""),
            )
            for a in attached
        ]
        rejected = [e.comment for e in evidence if e.review == "rejected" and e.comment]
        status_code = int(report.get("tinh_trang") or 0)
        return RemoteReport(
            target_code=code,
            period=period,
            remote_id=str(report["id"]),
            actual=parse_number(report.get("gia_tri_thuc_hien")),
            progress_percent=parse_number(report.get("ty_le_hoan_thanh")),
            status=STATUS_BY_CODE.get(status_code),
            note=str(report.get("ghi_chu") or ""),
            evidence=evidence,
            review=overall_review(evidence),
            review_comment="; ".join(rejected),
            updated_at=report.get("ngay_cap_nhat"),
            duplicates=duplicates,
            fingerprint=report_fingerprint(report, [str(a.get("sha256")) for a in attached]),
        )

    def plan(self, records: Sequence[ProgressRecord], snapshot: RemoteSnapshot) -> SyncPlan:
        """Plan one change per record: create/update, leave, hold, conflict, unmapped or fail."""
        return plan_records(self, self.ledger, records, snapshot)

    def refusal(
        self, record: ProgressRecord, snapshot: RemoteSnapshot, remote: RemoteReport | None
    ) -> tuple[Action, str] | None:
        """A plan code with no `CTnn` mapped is unmapped, never guessed."""
        if record.target_code in indicators_of(snapshot):
            return None
        return "unmapped", snapshot.unmapped.get(record.target_code, "Chưa ánh xạ được chỉ tiêu.")

    def is_completion(self, record: ProgressRecord, remote: RemoteReport | None) -> bool:
        """The plan's rule (nq71 states no target of its own per report)."""
        return is_completion(record, catalogue.get(record.target_code))

    def desired_fingerprint(
        self, record: ProgressRecord, snapshot: RemoteSnapshot, uploaded: Mapping[str, str]
    ) -> str:
        """The report's fingerprint once it holds RECORD (evidence counts by its sha256)."""
        return desired_fingerprint(record, indicators_of(snapshot)[record.target_code])

    async def submit(self, snapshot: RemoteSnapshot, *, run_id: str) -> dict[str, str]:
        """nq71 has no act of submission: nothing to do."""
        return {}

    async def apply(self, plan: SyncPlan, *, run_id: str) -> list[RecordOutcome]:
        """Carry the plan out, record by record, at most four requests in flight."""
        indicators = indicators_of(plan.snapshot)
        self.audit = Auditor(self.ledger.engine, SYSTEM, run_id, plan.sources, plan.approver)
        journal = Journal(self.ledger, self.audit)
        intents = self.ledger.open_intents(SYSTEM)
        states = {(s.target_code, s.period): s for s in self.ledger.list_sync_states(SYSTEM)}
        gate = asyncio.Semaphore(RECORDS_AT_ONCE)

        async def one(change: PlannedChange) -> RecordOutcome:
            key = (change.target_code, change.period)
            async with gate:
                return await self._apply_one(
                    journal, change, indicators, run_id, intents.get(key, []), states.get(key)
                )

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(c)) for c in plan.changes]
        finally:
            journal.flush()
        return [task.result() for task in tasks]

    async def _apply_one(
        self,
        journal: Journal,
        change: PlannedChange,
        indicators: Mapping[str, str],
        run_id: str,
        intents: Sequence[IntentPublic],
        state: SyncStatePublic | None,
    ) -> RecordOutcome:
        try:
            if change.action not in ("create", "update"):
                return settle_unpushed(journal.batch, SYSTEM, change, run_id, intents, state)
            return await self._push(journal, change, indicators[change.target_code], run_id)
        except (RemoteError, LocalFileError) as error:
            reason = failure_reason(SYSTEM, error)
            journal.batch.outcome(
                SYSTEM, change.target_code, change.period, outcome="failed", error=reason
            )
            audit_change(
                journal.audit, "outcome", change,
                response={"status": "failed", "error": reason}, later=True,
            )
            return RecordOutcome(
                target_code=change.target_code, period=change.period,
                outcome=EntryStatus.FAILED, reason=reason, error=reason,
            )

    async def _push(
        self, journal: Journal, change: PlannedChange, indicator: str, run_id: str
    ) -> RecordOutcome:
        """Write one record: report, evidence, then values, each step after its intent."""
        record = change.record
        assert record is not None
        fields = report_fields(record, indicator)
        shas = [e.sha256 for e in record.evidence]
        pushed = change.fingerprint or desired_fingerprint(record, indicator)
        documents = [await self._ensure_document(e) for e in record.evidence]
        report_id = int(change.remote.remote_id) if change.remote is not None else None
        if report_id is None:
            report_id = await self._lookup(indicator, record.period)
        created = report_id is None
        if report_id is None:
            body = creatable(fields)
            intent = self._intend(run_id, change, pushed, body, [], shas)
            audit_change(self.audit, "intent", change, request={**body, "tai_lieu": documents})
            report_id = await self._create(indicator, record.period, body)
            current: dict[str, Any] = dict(body)
            attached: list[dict[str, Any]] = []
        else:
            current = await self._read(report_id, indicator, record.period) or dict(fields)
            attached = await self.client.attachments(report_id)
            held = [str(a.get("sha256")) for a in attached]
            intent = self._intend(run_id, change, pushed, current, held, shas)
            audit_change(self.audit, "intent", change, request={"id": report_id, **fields,
                                                   "tai_lieu": documents})
        held_shas = {str(a.get("sha256")) for a in attached}
        held_docs = {str(a.get("tai_lieu_id")) for a in attached}
        for evidence, document in zip(record.evidence, documents, strict=True):
            if evidence.sha256 in held_shas or document in held_docs:
                continue
            await self._attach(report_id, record, evidence, document)
            held_shas.add(evidence.sha256)
            journal.batch.intent_step(intent, report_fingerprint(current, sorted(held_shas)))
        if report_fingerprint(current, []) != report_fingerprint(fields, []):
            await self.client.update_report(report_id, fields)
        after = await self._read(report_id, indicator, record.period)
        final = await self.client.attachments(report_id)
        files = [str(a.get("sha256")) for a in final]
        remote_fp = report_fingerprint(after or {}, files)
        if after is not None:
            journal.batch.attachments([_seen(change.target_code, change.period, after, final)])
        journal.batch.intent_step(intent, remote_fp)
        outcome = EntryStatus.CREATED if created else EntryStatus.UPDATED
        version = (after or {}).get("ngay_cap_nhat")
        journal.batch.receipt(
            SYSTEM, change.target_code, change.period,
            run_id=run_id, pushed_fingerprint=pushed, outcome=outcome.value,
            unit_code=record.unit_code, remote_id=str(report_id), remote_row=indicator,
            remote_version=version, remote_fingerprint=remote_fp,
        )
        journal.batch.close_intents(SYSTEM, change.target_code, change.period, outcome.value)
        audit_change(journal.audit, "outcome", change, later=True, response={
            "status": outcome.value, "id": report_id, "ngay_cap_nhat": version,
            "tinh_trang": (after or {}).get("tinh_trang"), "minh_chung": files,
        })
        journal.noted()
        return RecordOutcome(
            target_code=change.target_code,
            period=change.period,
            outcome=outcome,
            receipt=Receipt(
                remote_id=str(report_id), remote_version=version,
                remote_fingerprint=remote_fp, pushed_fingerprint=pushed,
            ),
            uploaded=[e.path for e in change.uploads],
        )

    def _intend(
        self,
        run_id: str,
        change: PlannedChange,
        pushed: str,
        base: Mapping[str, Any],
        held: Sequence[str],
        shas: Sequence[str],
    ) -> int:
        """Record, before the first write, every state this push can leave the report in."""
        new = [sha for sha in shas if sha not in set(held)]
        expected = [report_fingerprint(base, [*held, *new[:k]]) for k in range(len(new) + 1)]
        return self.ledger.open_intent(
            run_id, SYSTEM, change.target_code, change.period,
            fingerprint=pushed,
            steps=[*(["create"] if not held and change.remote is None else []),
                   *(f"attach:{sha}" for sha in new), "update"],
            expected=[*expected, pushed],
        )

    async def _read(self, report_id: int, indicator: str, period: str) -> dict[str, Any] | None:
        found = await self.client.reports(period=to_period(period), indicator=indicator)
        return next((r for r in found if int(r["id"]) == report_id), None)

    async def _lookup(self, indicator: str, period: str) -> int | None:
        found = await self.client.reports(period=to_period(period), indicator=indicator)
        ids = [int(r["id"]) for r in found]
        return min(ids) if ids else None

    async def _create(self, indicator: str, period: str, body: Mapping[str, Any]) -> int:
        """Create the report of (indicator, period) exactly once, settling lost answers."""
        return await write_once(
            lambda: self.client.create_report(body),
            lambda: self._lookup(indicator, period),
            self.client.session.policy,
        )

    async def _attach(
        self, report_id: int, record: ProgressRecord, evidence: EvidenceFile, document: str
    ) -> None:
        """Attach a document once: after an unknown outcome, look before trying again."""
        fields = {
            "tai_lieu_id": document,
            "tieu_de": Path(evidence.path).name,
            "so_hieu_van_ban": record.document_number,
            "ngay_ban_hanh": vn_date(record.issue_date),
        }

        async def attach() -> bool:
            await self.client.attach(report_id, fields)
            return True

        async def attached() -> bool | None:
            present = await self.client.attachments(report_id)
            return True if any(a.get("tai_lieu_id") == document for a in present) else None

        try:
            await write_once(attach, attached, self.client.session.policy)
        except RemoteError as error:
            if error.code != "KHONG_TIM_THAY" or not _names(error, document):
                raise
            self.ledger.forget_upload(SYSTEM, evidence.sha256)
            fields["tai_lieu_id"] = document = await self._ensure_document(evidence)
            await write_once(attach, attached, self.client.session.policy)

    async def _ensure_document(self, evidence: EvidenceFile) -> str:
        """The document id of this content: uploaded before, resumed, or uploaded now."""
        known = self.ledger.find_upload(SYSTEM, evidence.sha256)
        if known and known.remote_file_id:
            return known.remote_file_id
        path = self.evidence_root / evidence.path
        problem = check_file(
            path, MAX_BYTES[SYSTEM], root=self.evidence_root, system=SYSTEM
        )
        if problem:
            raise LocalFileError(problem)
        upload_id, part_size, received = None, PART_SIZE, set[int]()
        if known and known.remote_upload_id:
            try:
                received, _ = await self.client.upload_status(known.remote_upload_id)
                upload_id = known.remote_upload_id
            except RemoteError as error:
                if error.code != "KHONG_TIM_THAY":
                    raise
        if upload_id is None:
            upload_id, part_size = await self.client.start_upload(
                {
                    "ten_tep": path.name,
                    "kich_thuoc": path.stat().st_size,
                    "sha256": evidence.sha256,
                    "loai_tai_lieu": _KINDS.get(sniff_type(path) or "", "khac"),
                }
            )
            self.ledger.record_upload_started(SYSTEM, evidence, upload_id)
        size = path.stat().st_size
        parts = max(1, -(-size // part_size))
        with path.open("rb") as stream:
            for number in range(parts):
                if number in received:
                    continue
                stream.seek(number * part_size)
                await self.client.put_part(upload_id, number, stream.read(part_size))
        async def finished() -> str | None:
            _, done = await self.client.upload_status(upload_id)
            return await self.client.finish_upload(upload_id) if done else None

        try:
            document = await write_once(
                lambda: self.client.finish_upload(upload_id), finished, self.client.session.policy
            )
        except RemoteError as error:
            if error.code == "SAI_MA_BAM":
                self.ledger.forget_upload(SYSTEM, evidence.sha256)
            raise
        self.ledger.record_upload(SYSTEM, evidence, document)
        if self.audit is not None:
            self.audit.record(
                "write", GRANT, "",
                request={"upload": path.name, "sha256": evidence.sha256, "size": evidence.size},
                response={"tai_lieu_id": document},
                later=True,
            )
        return document


REVIEW_REFRESH = timedelta(hours=12)
"""Attachments still waiting for a review are read again after this long: a review changes
neither the report's version nor its count of attachments."""


def still_valid(seen: SeenAttachmentsPublic, report: Mapping[str, Any], now: datetime) -> bool:
    """Whether remembered attachments still stand for REPORT: same report, same version, as
    many attachments, and none waiting for a review for longer than `REVIEW_REFRESH`."""
    if (seen.remote_id, seen.version, seen.count) != (
        str(report.get("id")), report.get("ngay_cap_nhat"), int(report.get("so_minh_chung") or 0)
    ):
        return False
    pending = any(
        int((a.get("tham_dinh") or {}).get("ket_qua") or 0) == 0 for a in seen.attachments
    )
    return not pending or now - seen.seen_at < REVIEW_REFRESH


def _seen(
    code: str, period: str, report: Mapping[str, Any], attached: list[dict[str, Any]]
) -> SeenAttachmentsBase:
    return SeenAttachmentsBase(
        system=SYSTEM, target_code=code, period=period, remote_id=str(report.get("id")),
        version=report.get("ngay_cap_nhat"), count=len(attached), attachments=attached,
    )


def _canonical(ours: str | None, found: list[dict[str, Any]]) -> dict[str, Any]:
    """The report the ledger knows as ours (id OURS), else the oldest of FOUND."""
    mine = [r for r in found if ours is not None and str(r["id"]) == ours]
    return mine[0] if mine else min(found, key=lambda r: int(r["id"]))


def _names(error: RemoteError, document: str) -> bool:
    """Whether a not-found error is about that document (the remote lost it)."""
    return document in error.message
