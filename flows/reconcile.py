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

A dry run's planned write keeps the plan's own reason: what it would do is its status and
`planned`, which the renderings word in the future tense. The snapshot's notes are remote
quirks (technical notes); unmapped plan codes and held periods are notes the office reads.

The diff itself (`diff_rows`) runs over plain data (`LocalItem`, `RemoteItem`, `ChangeItem`,
`OutcomeItem` in, `Row` out: slotted dataclasses and tuples), linear in the number of entries
but for the final sort: the remote side is indexed by key once. Pydantic appears only at the
edges: `reconcile_system` turns the adapters' models into items and the rows into the `Entry`
objects the report holds (`to_entry`, built with `model_construct`: the values are already
checked). At a nation's scale the rows can be turned into entries one at a time and written
out as they go, never all held as models.
"""

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from connectors.base import (
    PlannedChange,
    RecordOutcome,
    RemoteReport,
    RemoteSnapshot,
    Review,
    SyncPlan,
)
from flows.report_model import Difference, Entry, EvidenceStatus, SystemReport
from models import catalogue
from models.records import ProgressRecord
from models.status import ACTION_STATUS, Action, EntryStatus

COMPARED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "theodoinq": ("actual", "note"),
    "nq71": ("actual", "progress_percent", "status", "note"),
}
"""The canonical fields each system stores, hence compares."""

CANONICAL_FIELDS: tuple[str, ...] = ("actual", "progress_percent", "status", "note")
NO_OUTCOME = "Không có kết quả đồng bộ cho chỉ tiêu này."
DUPLICATE_REASON = (
    "Hệ thống giữ bản trùng lặp ({items}); nqsync không được phép xóa: "
    "cơ quan thường trực xóa tay các bản thừa."
)

_NUMBERS = frozenset({"actual", "progress_percent"})
_POSITION = {name: i for i, name in enumerate(CANONICAL_FIELDS)}

_PLANNED: Mapping[str, Literal["create", "update"]] = {"create": "create", "update": "update"}
_WRITTEN = frozenset({EntryStatus.IN_SYNC, EntryStatus.CREATED, EntryStatus.UPDATED})

Key = tuple[str, str]
Values = tuple[Any, Any, str | None, str]
"""A side's canonical fields, in `CANONICAL_FIELDS` order (status as its value)."""


@dataclass(slots=True, frozen=True)
class LocalItem:
    """A local record as the diff needs it; `evidence` holds (path, sha256) pairs."""

    unit_code: str
    target_code: str
    period: str
    values: Values
    evidence: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True, frozen=True)
class RemoteItem:
    """A remote report as the diff needs it; `evidence` holds each file's sha256 (or None)."""

    target_code: str
    period: str
    remote_id: str
    values: Values
    evidence: tuple[str | None, ...] = ()
    duplicates: tuple[str, ...] = ()
    review: Review | None = None
    review_comment: str = ""
    has_data: bool = True


@dataclass(slots=True, frozen=True)
class ChangeItem:
    """A planned change: its action, reason and the paths of the files it would upload."""

    action: Action
    reason: str = ""
    uploads: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class OutcomeItem:
    """What applying the plan did for a key, and the remote id its receipt names."""

    outcome: EntryStatus
    reason: str = ""
    error: str | None = None
    receipt_remote_id: str | None = None


@dataclass(slots=True)
class Row:
    """One entry of the diff as plain data (`to_entry` makes the report's `Entry` of it)."""

    unit_code: str | None
    target_code: str
    period: str
    status: EntryStatus
    reason: str
    local: Values | None
    remote: Values | None
    differences: tuple[tuple[str, Any, Any], ...]
    evidence_local: tuple[str, ...]
    missing_remote: tuple[str, ...]
    duplicates_remote: tuple[str, ...]
    review: Review | None
    review_comment: str
    remote_id: str | None
    error: str | None = None
    planned: Literal["create", "update"] | None = None
    planned_uploads: tuple[str, ...] = ()


class _HasStatus(Protocol):
    @property
    def status(self) -> EntryStatus: ...


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


def summarise(entries: Iterable[_HasStatus]) -> dict[str, int]:
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
    results = None
    if outcomes is not None:
        results = {(o.target_code, o.period): outcome_item(o) for o in outcomes}
    rows = diff_rows(
        system,
        [local_item(record) for record in selected],
        [remote_item(report) for report in snapshot.reports],
        {(c.target_code, c.period): change_item(c) for c in plan.changes},
        results,
        [(local_item(record), reason) for record, reason in skipped],
    )
    return SystemReport.model_construct(
        summary=summarise(rows),
        entries=[to_entry(row) for row in rows],
        notes=system_notes(snapshot, {record.target_code for record in selected}),
        technical_notes=list(snapshot.notes),
        error=None,
    )


def local_item(record: ProgressRecord) -> LocalItem:
    """A record as the diff's plain data."""
    return LocalItem(
        record.unit_code,
        record.target_code,
        record.period,
        (record.actual, record.progress_percent, record.status.value, record.note),
        tuple((e.path, e.sha256) for e in record.evidence),
    )


def remote_item(report: RemoteReport) -> RemoteItem:
    """A remote report as the diff's plain data."""
    status = report.status.value if report.status is not None else None
    return RemoteItem(
        report.target_code,
        report.period,
        report.remote_id,
        (report.actual, report.progress_percent, status, report.note),
        tuple(e.sha256 for e in report.evidence),
        tuple(report.duplicates),
        report.review,
        report.review_comment,
        report.has_data,
    )


def change_item(change: PlannedChange) -> ChangeItem:
    """A planned change as the diff's plain data."""
    return ChangeItem(change.action, change.reason, tuple(e.path for e in change.uploads))


def outcome_item(outcome: RecordOutcome) -> OutcomeItem:
    """An outcome as the diff's plain data."""
    receipt = outcome.receipt
    remote_id = receipt.remote_id if receipt is not None and receipt.remote_id else None
    return OutcomeItem(outcome.outcome, outcome.reason, outcome.error, remote_id)


def diff_rows(
    system: str,
    selected: Iterable[LocalItem],
    remotes: Iterable[RemoteItem],
    changes: Mapping[Key, ChangeItem],
    results: Mapping[Key, OutcomeItem] | None,
    skipped: Iterable[tuple[LocalItem, str]] = (),
) -> list[Row]:
    """The diff's rows, sorted by plan code, period and unit: one per selected and skipped
    record, then one per remote report with data that no local record has (`remote_only`).

    CHANGES decide a dry run's statuses (RESULTS None); RESULTS a real run's. Each remote
    report is looked up in an index built once; the first report of a key is its remote side.
    """
    remote_list = list(remotes)
    index: dict[str, dict[str, RemoteItem]] = {}
    for item in remote_list:
        index.setdefault(item.period, {}).setdefault(item.target_code, item)
    local_codes: dict[str, set[str]] = {}
    compare = _Comparer(system)
    rows: list[Row] = []
    append = rows.append
    for local in selected:
        local_codes.setdefault(local.period, set()).add(local.target_code)
        key = (local.target_code, local.period)
        row = compare.local_row(local, _remote_of(system, index, local))
        outcome = None if results is None else results.get(key)
        if outcome is not None:
            _apply_outcome(row, outcome)
        elif results is None and (change := changes.get(key)) is not None:
            _apply_change(row, change)
        else:
            row.status, row.reason, row.error = EntryStatus.FAILED, NO_OUTCOME, NO_OUTCOME
        append(_flag_duplicates(row))
    for local, reason in skipped:
        local_codes.setdefault(local.period, set()).add(local.target_code)
        row = compare.local_row(local, _remote_of(system, index, local))
        row.status, row.reason = EntryStatus.MISSING_REMOTE, reason
        append(row)
    nothing: set[str] = set()
    for item in remote_list:
        if item.has_data and item.target_code not in local_codes.get(item.period, nothing):
            append(compare.remote_only_row(item))
    _sort(rows)
    return rows


def _remote_of(
    system: str, index: Mapping[str, Mapping[str, RemoteItem]], local: LocalItem
) -> RemoteItem | None:
    """The remote report of a key; on systems other than theodoinq, an empty one is none."""
    found = index.get(local.period)
    item = None if found is None else found.get(local.target_code)
    if item is None or (system != "theodoinq" and not item.has_data):
        return None
    return item


def _apply_outcome(row: Row, outcome: OutcomeItem) -> None:
    row.status = outcome.outcome
    row.reason = outcome.reason
    if row.status is EntryStatus.FAILED:
        row.error = outcome.error or outcome.reason or NO_OUTCOME
    if row.remote_id is None and outcome.receipt_remote_id:
        row.remote_id = outcome.receipt_remote_id


def _apply_change(row: Row, change: ChangeItem) -> None:
    row.status = ACTION_STATUS[change.action]
    row.reason = change.reason
    planned = _PLANNED.get(change.action)
    if planned is not None:
        row.planned, row.planned_uploads = planned, change.uploads
    if row.status is EntryStatus.FAILED:
        row.error = change.reason or NO_OUTCOME


def _flag_duplicates(row: Row) -> Row:
    """A row whose remote holds a report or file twice is `duplicate`, never in sync."""
    extra = row.duplicates_remote
    if extra and row.status in _WRITTEN:
        row.status = EntryStatus.DUPLICATE
        row.reason = DUPLICATE_REASON.format(items=", ".join(extra))
    return row


class _Comparer:
    """Builds the rows of one system, remembering each target's compared fields."""

    def __init__(self, system: str) -> None:
        self.system = system
        self._fields: dict[str, tuple[tuple[str, int], ...]] = {}

    def fields(self, target_code: str) -> tuple[tuple[str, int], ...]:
        found = self._fields.get(target_code)
        if found is None:
            names = compared_fields(self.system, target_code)
            found = self._fields[target_code] = tuple((n, _POSITION[n]) for n in names)
        return found

    def differences(
        self, target_code: str, local: Values | None, remote: Values | None
    ) -> tuple[tuple[str, Any, Any], ...]:
        """The compared fields whose values differ; a missing side counts as all None."""
        out: list[tuple[str, Any, Any]] = []
        for name, at in self.fields(target_code):
            mine = None if local is None else local[at]
            theirs = None if remote is None else remote[at]
            if mine is theirs or (mine == theirs and type(mine) is type(theirs)):
                continue
            if not same_value(name, mine, theirs):
                out.append((name, mine, theirs))
        return tuple(out) if out else ()

    def local_row(self, local: LocalItem, remote: RemoteItem | None) -> Row:
        """A row for a local record, its values set against the remote's; in sync so far."""
        paths = tuple(path for path, _ in local.evidence) if local.evidence else ()
        if remote is None:
            return Row(
                local.unit_code, local.target_code, local.period, EntryStatus.IN_SYNC, "",
                local.values, None, self.differences(local.target_code, local.values, None),
                paths, paths, (), None, "", None,
            )
        return Row(
            local.unit_code, local.target_code, local.period, EntryStatus.IN_SYNC, "",
            local.values, remote.values,
            self.differences(local.target_code, local.values, remote.values),
            paths, _missing_remote(local.evidence, remote.evidence), _duplicates(remote),
            remote.review, remote.review_comment, remote.remote_id,
        )

    def remote_only_row(self, remote: RemoteItem) -> Row:
        """A row for a remote report no local record has."""
        return Row(
            None, remote.target_code, remote.period, EntryStatus.REMOTE_ONLY, "",
            None, remote.values, self.differences(remote.target_code, None, remote.values),
            (), (), _duplicates(remote), remote.review, remote.review_comment, remote.remote_id,
        )


def compared_fields(system: str, target_code: str) -> tuple[str, ...]:
    """The fields compared on SYSTEM for a target (theodoinq: no `actual` without a goal)."""
    fields = COMPARED_FIELDS.get(system, CANONICAL_FIELDS)
    target = catalogue.get(target_code)
    if system == "theodoinq" and target is not None and target.target_operator is None:
        return tuple(name for name in fields if name != "actual")
    return fields


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


def _missing_remote(
    files: tuple[tuple[str, str], ...], remote: tuple[str | None, ...]
) -> tuple[str, ...]:
    """Local paths whose hash the remote lacks, unless files of unknown hash may be them."""
    if not files:
        return ()
    known = {sha for sha in remote if sha is not None}
    unknown = sum(1 for sha in remote if sha is None)
    unmatched = [(path, sha) for path, sha in files if sha not in known]
    if len({sha for _, sha in unmatched}) <= unknown:
        return ()
    return tuple(path for path, _ in unmatched)


def _duplicates(remote: RemoteItem) -> tuple[str, ...]:
    """What the remote holds twice: extra reports by id, then files by hash."""
    known = [sha for sha in remote.evidence if sha is not None]
    if len(set(known)) == len(known) and not remote.duplicates:
        return ()
    counts = Counter(known)
    twice = [f"tệp {sha[:12]}… ×{n}" for sha, n in sorted(counts.items()) if n > 1]
    return (*(f"báo cáo số {extra}" for extra in remote.duplicates), *twice)


def _sort(rows: list[Row]) -> None:
    """Sort ROWS in place by plan code (numeric order), period, then unit; stable.

    Three stable sorts on plain keys (least significant first) instead of one sort on tuples:
    the same order, without building a key tuple per row.
    """
    ranks = _code_ranks({row.target_code for row in rows})
    rows.sort(key=lambda row: row.unit_code or "")
    rows.sort(key=lambda row: row.period)
    rows.sort(key=lambda row: ranks[row.target_code])


def _code_ranks(codes: Iterable[str]) -> dict[str, int]:
    """Each code's position in `code_key` order; codes with equal keys share a position."""
    ranks: dict[str, int] = {}
    previous: tuple[tuple[int, ...], str] | None = None
    position = -1
    for key, code in sorted((code_key(code), code) for code in codes):
        if key != previous:
            position, previous = position + 1, key
        ranks[code] = position
    return ranks


def to_entry(row: Row) -> Entry:
    """The report's `Entry` for a row (fresh containers: entries may be changed later)."""
    return Entry.model_construct(
        unit_code=row.unit_code,
        target_code=row.target_code,
        period=row.period,
        status=row.status,
        reason=row.reason,
        local=None if row.local is None else dict(zip(CANONICAL_FIELDS, row.local, strict=True)),
        remote=None if row.remote is None else dict(zip(CANONICAL_FIELDS, row.remote, strict=True)),
        differences={
            name: Difference.model_construct(local=mine, remote=theirs)
            for name, mine, theirs in row.differences
        },
        error=row.error,
        evidence=EvidenceStatus.model_construct(
            local=list(row.evidence_local),
            missing_remote=list(row.missing_remote),
            duplicates_remote=list(row.duplicates_remote),
            review=row.review,
            review_comment=row.review_comment,
        ),
        remote_id=row.remote_id,
        planned=row.planned,
        planned_uploads=list(row.planned_uploads),
        ledger=None,
    )


def system_notes(snapshot: RemoteSnapshot, selected_codes: set[str]) -> list[str]:
    """Every unmapped plan code not already an entry, every held period."""
    notes: list[str] = []
    for code in sorted(snapshot.unmapped, key=code_key):
        if code not in selected_codes:
            notes.append(
                f"Chỉ tiêu {code} không ánh xạ được trên {snapshot.system}: "
                f"{snapshot.unmapped[code]}"
            )
    for period in sorted(snapshot.held_periods):
        notes.append(f"Kỳ báo cáo {period_label(period)}: {snapshot.held_periods[period]}")
    return notes
