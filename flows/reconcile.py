"""The reconciliation diff of one run on one system (DESIGN.md, "Reconciliation diff").

Pure: it is given the commune figures the run selected, the adapter's plan, the outcomes of
applying it (None on a dry run), what the remote holds afterwards, and the records a local rule
kept back; it returns one entry per (unit, target, period) on either side.

Evidence a remote holds without a known sha256 (theodoinq files uploaded outside the connector)
cannot be matched to a local file, but each may be any one of them: local files are claimed
missing remotely only when the local files left unmatched by hash outnumber the remote files of
unknown hash, and then all those unmatched are listed, as none can be told apart.

On theodoinq a target without a numeric goal carries the status in words as its value, so its
`actual` is neither sent nor compared there.
"""

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectors.base import (
    Outcome,
    PlannedChange,
    RecordOutcome,
    RemoteReport,
    RemoteSnapshot,
    SyncPlan,
)
from flows.report_model import Difference, Entry, EntryStatus, EvidenceStatus, SystemReport
from models import catalogue
from models.records import EvidenceFile, ProgressRecord

COMPARED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "theodoinq": ("actual", "note"),
    "nq71": ("actual", "progress_percent", "status", "note"),
}
"""The canonical fields each system stores, hence compares."""

CANONICAL_FIELDS: tuple[str, ...] = ("actual", "progress_percent", "status", "note")
DRY_RUN_REASON = "Chạy thử: chưa ghi lên hệ thống."
NO_OUTCOME = "Không có kết quả đồng bộ cho chỉ tiêu này."

_NUMBERS = frozenset({"actual", "progress_percent"})
_OUTCOME_STATUS: Mapping[Outcome, EntryStatus] = {
    Outcome.CREATED: EntryStatus.CREATED,
    Outcome.UPDATED: EntryStatus.UPDATED,
    Outcome.IN_SYNC: EntryStatus.IN_SYNC,
    Outcome.CONFLICT: EntryStatus.CONFLICT,
    Outcome.HELD: EntryStatus.HELD,
    Outcome.UNMAPPED: EntryStatus.UNMAPPED,
    Outcome.FAILED: EntryStatus.FAILED,
}
_ACTION_STATUS: Mapping[str, EntryStatus] = {
    "create": EntryStatus.CREATED,
    "update": EntryStatus.UPDATED,
    "none": EntryStatus.IN_SYNC,
    "hold": EntryStatus.HELD,
    "conflict": EntryStatus.CONFLICT,
    "unmapped": EntryStatus.UNMAPPED,
    "fail": EntryStatus.FAILED,
}

Key = tuple[str, str]


def code_key(code: str) -> tuple[tuple[int, ...], str]:
    """Sort key of a plan code in the plan's numeric order (1.5.9 < 1.5.10); odd codes last."""
    parts = code.split(".")
    if all(part.isdigit() for part in parts):
        return tuple(int(part) for part in parts), ""
    return (1_000_000,), code


def period_label(period: str) -> str:
    """`YYYY-MM` as Vietnamese staff write a month: `MM/YYYY`."""
    year, _, month = period.partition("-")
    return f"{month}/{year}" if month else period


def summarise(entries: Sequence[Entry]) -> dict[str, int]:
    """Count of entries per status: every status as a key, zeros included, in enum order."""
    counts = Counter(entry.status for entry in entries)
    return {status.value: counts.get(status, 0) for status in EntryStatus}


def reconcile_system(
    system: str,
    selected: Sequence[ProgressRecord],
    plan: SyncPlan,
    outcomes: Sequence[RecordOutcome] | None,
    after: RemoteSnapshot | None,
    skipped: Sequence[tuple[ProgressRecord, str]] = (),
) -> SystemReport:
    """The diff of one system: one entry per (unit, target, period) on either side, with notes."""
    snapshot = after if after is not None else plan.snapshot
    changes = {(c.target_code, c.period): c for c in plan.changes}
    results = None if outcomes is None else {(o.target_code, o.period): o for o in outcomes}
    entries = [
        _selected_entry(system, record, snapshot, changes.get(_key(record)), results)
        for record in selected
    ]
    entries += [_skipped_entry(system, record, reason, snapshot) for record, reason in skipped]
    local_keys = {_key(record) for record in selected} | {_key(r) for r, _ in skipped}
    entries += [
        _remote_only_entry(system, report)
        for report in snapshot.reports
        if report.has_data and (report.target_code, report.period) not in local_keys
    ]
    entries.sort(key=_entry_order)
    return SystemReport(
        summary=summarise(entries),
        entries=entries,
        notes=_notes(snapshot, {record.target_code for record in selected}),
    )


def _key(record: ProgressRecord) -> Key:
    return record.target_code, record.period


def _entry_order(entry: Entry) -> tuple[tuple[tuple[int, ...], str], str, str]:
    return code_key(entry.target_code), entry.period, entry.unit_code or ""


def _selected_entry(
    system: str,
    record: ProgressRecord,
    snapshot: RemoteSnapshot,
    change: PlannedChange | None,
    results: Mapping[Key, RecordOutcome] | None,
) -> Entry:
    entry = _compared(system, record, _remote_of(system, snapshot, _key(record)))
    outcome = None if results is None else results.get(_key(record))
    if outcome is not None:
        return _with_outcome(entry, outcome)
    if change is not None and results is None:
        return _with_change(entry, change)
    return entry.model_copy(
        update={"status": EntryStatus.FAILED, "reason": NO_OUTCOME, "error": NO_OUTCOME}
    )


def _with_outcome(entry: Entry, outcome: RecordOutcome) -> Entry:
    status = _OUTCOME_STATUS[outcome.outcome]
    update: dict[str, Any] = {"status": status, "reason": outcome.reason}
    if status is EntryStatus.FAILED:
        update["error"] = outcome.error or outcome.reason or NO_OUTCOME
    if entry.remote_id is None and outcome.receipt is not None and outcome.receipt.remote_id:
        update["remote_id"] = outcome.receipt.remote_id
    return entry.model_copy(update=update)


def _with_change(entry: Entry, change: PlannedChange) -> Entry:
    status = _ACTION_STATUS[change.action]
    update: dict[str, Any] = {"status": status, "reason": change.reason}
    if change.action in ("create", "update"):
        update.update(
            planned=change.action,
            planned_uploads=[e.path for e in change.uploads],
            reason=DRY_RUN_REASON,
        )
    if status is EntryStatus.FAILED:
        update["error"] = change.reason or NO_OUTCOME
    return entry.model_copy(update=update)


def _skipped_entry(
    system: str, record: ProgressRecord, reason: str, snapshot: RemoteSnapshot
) -> Entry:
    entry = _compared(system, record, _remote_of(system, snapshot, _key(record)))
    return entry.model_copy(update={"status": EntryStatus.MISSING_REMOTE, "reason": reason})


def _remote_only_entry(system: str, report: RemoteReport) -> Entry:
    remote = _remote_values(report)
    return Entry(
        target_code=report.target_code,
        period=report.period,
        status=EntryStatus.REMOTE_ONLY,
        remote=remote,
        differences=_differences(system, report.target_code, None, remote),
        evidence=_evidence((), report),
        remote_id=report.remote_id,
    )


def _remote_of(system: str, snapshot: RemoteSnapshot, key: Key) -> RemoteReport | None:
    """The remote report of a key; on systems other than theodoinq, an empty one is none."""
    report = snapshot.get(*key)
    if report is None or (system != "theodoinq" and not report.has_data):
        return None
    return report


def _compared(system: str, record: ProgressRecord, report: RemoteReport | None) -> Entry:
    """An entry for a local record, its values set against the remote's; status to be set."""
    local = _local_values(record)
    remote = None if report is None else _remote_values(report)
    return Entry(
        unit_code=record.unit_code,
        target_code=record.target_code,
        period=record.period,
        status=EntryStatus.IN_SYNC,
        local=local,
        remote=remote,
        differences=_differences(system, record.target_code, local, remote),
        evidence=_evidence(record.evidence, report),
        remote_id=None if report is None else report.remote_id,
    )


def _local_values(record: ProgressRecord) -> dict[str, Any]:
    return {
        "actual": record.actual,
        "progress_percent": record.progress_percent,
        "status": record.status.value,
        "note": record.note,
    }


def _remote_values(report: RemoteReport) -> dict[str, Any]:
    return {
        "actual": report.actual,
        "progress_percent": report.progress_percent,
        "status": report.status.value if report.status is not None else None,
        "note": report.note,
    }


def compared_fields(system: str, target_code: str) -> tuple[str, ...]:
    """The fields compared on SYSTEM for a target (theodoinq: no `actual` without a goal)."""
    fields = COMPARED_FIELDS.get(system, CANONICAL_FIELDS)
    target = catalogue.get(target_code)
    if system == "theodoinq" and target is not None and target.target_operator is None:
        return tuple(name for name in fields if name != "actual")
    return fields


def _differences(
    system: str,
    target_code: str,
    local: Mapping[str, Any] | None,
    remote: Mapping[str, Any] | None,
) -> dict[str, Difference]:
    """The compared fields whose values differ; a missing side counts as all None."""
    out: dict[str, Difference] = {}
    for name in compared_fields(system, target_code):
        mine = None if local is None else local.get(name)
        theirs = None if remote is None else remote.get(name)
        if not same_value(name, mine, theirs):
            out[name] = Difference(local=mine, remote=theirs)
    return out


def same_value(name: str, local: Any, remote: Any) -> bool:
    """Whether two values of a field are the same: numbers as floats, notes as normalised text."""
    if name == "note":
        return _text(local) == _text(remote)
    if name in _NUMBERS and local is not None and remote is not None:
        try:
            return float(local) == float(remote)
        except (TypeError, ValueError):
            return bool(local == remote)
    return bool(local == remote)


def _text(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())


def _evidence(local: Iterable[EvidenceFile], report: RemoteReport | None) -> EvidenceStatus:
    """Local evidence paths, those the remote lacks, what it holds twice, and its review."""
    files = list(local)
    status = EvidenceStatus(local=[f.path for f in files])
    if report is None:
        status.missing_remote = list(status.local)
        return status
    status.missing_remote = _missing_remote(files, report)
    status.duplicates_remote = _duplicates(report)
    status.review = report.review
    status.review_comment = report.review_comment
    return status


def _missing_remote(files: Sequence[EvidenceFile], report: RemoteReport) -> list[str]:
    known = {e.sha256 for e in report.evidence if e.sha256 is not None}
    unknown = sum(1 for e in report.evidence if e.sha256 is None)
    unmatched = [f for f in files if f.sha256 not in known]
    if len({f.sha256 for f in unmatched}) <= unknown:
        return []
    return [f.path for f in unmatched]


def _duplicates(report: RemoteReport) -> list[str]:
    counts = Counter(e.sha256 for e in report.evidence if e.sha256 is not None)
    twice = [f"{sha[:12]}… ×{n}" for sha, n in sorted(counts.items()) if n > 1]
    return [*report.duplicates, *twice]


def _notes(snapshot: RemoteSnapshot, selected_codes: set[str]) -> list[str]:
    """The snapshot's notes, every unmapped plan code not already an entry, every held period."""
    notes = list(snapshot.notes)
    for code in sorted(snapshot.unmapped, key=code_key):
        if code not in selected_codes:
            notes.append(
                f"Chỉ tiêu {code} không ánh xạ được trên {snapshot.system}: "
                f"{snapshot.unmapped[code]}"
            )
    for period in sorted(snapshot.held_periods):
        notes.append(f"Kỳ báo cáo {period_label(period)}: {snapshot.held_periods[period]}")
    return notes
