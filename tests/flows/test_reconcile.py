import unicodedata
from typing import Any

import pytest

from connectors.base import (
    Action,
    PlannedChange,
    Receipt,
    RecordOutcome,
    RemoteEvidence,
    RemoteReport,
    RemoteSnapshot,
    SyncPlan,
)
from flows.reconcile import (
    COMPARED_FIELDS,
    NO_OUTCOME,
    code_key,
    diff_rows,
    local_item,
    outcome_item,
    reconcile_system,
    remote_item,
    summarise,
    to_entry,
)
from flows.report_model import Difference, Entry, EvidenceStatus
from models.records import EvidenceFile, ProgressRecord, SourceRef, Status
from models.status import EntryStatus

SHA_A = "a" * 64
SHA_B = "b" * 64
SHA_C = "c" * 64


def ev(path: str, sha: str) -> EvidenceFile:
    return EvidenceFile(path=path, sha256=sha, size=10)


def rec(
    code: str = "1.5.17",
    period: str = "2026-11",
    unit: str = "CAX",
    *,
    actual: float | None = 87.5,
    progress: float | None = 90,
    status: Status = Status.IN_PROGRESS,
    note: str = "Đã rà soát",
    evidence: tuple[EvidenceFile, ...] = (),
) -> ProgressRecord:
    return ProgressRecord(
        unit_code=unit, target_code=code, period=period, actual=actual,
        progress_percent=progress, status=status, note=note, evidence=evidence,
        source=SourceRef(file=f"{unit}.xlsx", sheet="Báo cáo", row=5),
    )


def remote(
    code: str = "1.5.17",
    period: str = "2026-11",
    *,
    rid: str = "r1",
    actual: float | None = 87.5,
    progress: float | None = 90,
    status: Status | None = Status.IN_PROGRESS,
    note: str = "Đã rà soát",
    **extra: Any,
) -> RemoteReport:
    return RemoteReport(
        target_code=code, period=period, remote_id=rid, actual=actual,
        progress_percent=progress, status=status, note=note, fingerprint="fp", **extra,
    )


def snap(system: str = "nq71", *reports: RemoteReport, **extra: Any) -> RemoteSnapshot:
    return RemoteSnapshot(system=system, periods=["2026-11"], reports=list(reports), **extra)


def plan_for(
    snapshot: RemoteSnapshot, *pairs: tuple[ProgressRecord, Action], reason: str = ""
) -> SyncPlan:
    return SyncPlan(
        system=snapshot.system,
        snapshot=snapshot,
        changes=[
            PlannedChange(
                target_code=r.target_code, period=r.period, action=a, reason=reason, record=r
            )
            for r, a in pairs
        ],
    )


def result(record: ProgressRecord, outcome: EntryStatus, **extra: Any) -> RecordOutcome:
    return RecordOutcome(
        target_code=record.target_code, period=record.period, outcome=outcome, **extra
    )


def only(entries: list[Entry]) -> Entry:
    assert len(entries) == 1
    return entries[0]


REAL_RUN = [
    (EntryStatus.CREATED, EntryStatus.CREATED),
    (EntryStatus.UPDATED, EntryStatus.UPDATED),
    (EntryStatus.IN_SYNC, EntryStatus.IN_SYNC),
    (EntryStatus.CONFLICT, EntryStatus.CONFLICT),
    (EntryStatus.HELD, EntryStatus.HELD),
    (EntryStatus.UNMAPPED, EntryStatus.UNMAPPED),
]


@pytest.mark.parametrize(("outcome", "status"), REAL_RUN)
def test_a_real_runs_outcome_maps_onto_the_entry_status(
    outcome: EntryStatus, status: EntryStatus
) -> None:
    """Each outcome but failed gives its status and reason, no error, nothing planned."""
    record = rec()
    before = snap("nq71", remote())
    report = reconcile_system(
        "nq71", [record], plan_for(before, (record, "update")),
        [result(record, outcome, reason="lý do")], snap("nq71", remote()),
    )
    entry = only(report.entries)
    assert (entry.status, entry.reason, entry.error, entry.planned) == (
        status, "lý do", None, None
    )
    assert (entry.unit_code, entry.target_code, entry.period) == ("CAX", "1.5.17", "2026-11")


def test_a_failed_outcome_carries_its_error() -> None:
    """Failed: the outcome's error, else its reason, is the entry's error."""
    first, second = rec("1.5.17"), rec("1.5.18")
    snapshot = snap("nq71")
    report = reconcile_system(
        "nq71", [first, second],
        plan_for(snapshot, (first, "update"), (second, "fail")),
        [
            result(first, EntryStatus.FAILED, reason="nq71: lỗi (E1)", error="nq71: lỗi (E1)"),
            result(second, EntryStatus.FAILED, reason="Tệp quá lớn."),
        ],
        snapshot,
    )
    assert [(e.status, e.reason, e.error) for e in report.entries] == [
        (EntryStatus.FAILED, "nq71: lỗi (E1)", "nq71: lỗi (E1)"),
        (EntryStatus.FAILED, "Tệp quá lớn.", "Tệp quá lớn."),
    ]


def test_a_real_run_without_an_outcome_for_a_record_reports_it_failed() -> None:
    """A selected record the adapter gave no outcome for is failed, not guessed from the plan."""
    record = rec()
    snapshot = snap("nq71")
    report = reconcile_system("nq71", [record], plan_for(snapshot, (record, "create")), [], None)
    entry = only(report.entries)
    assert (entry.status, entry.error, entry.planned) == (EntryStatus.FAILED, NO_OUTCOME, None)


DRY_RUN: list[tuple[Action, EntryStatus, str, str | None, str | None]] = [
    ("create", EntryStatus.CREATED, "lý do", "create", None),
    ("update", EntryStatus.UPDATED, "lý do", "update", None),
    ("none", EntryStatus.IN_SYNC, "lý do", None, None),
    ("hold", EntryStatus.HELD, "lý do", None, None),
    ("conflict", EntryStatus.CONFLICT, "lý do", None, None),
    ("unmapped", EntryStatus.UNMAPPED, "lý do", None, None),
    ("fail", EntryStatus.FAILED, "lý do", None, "lý do"),
]


@pytest.mark.parametrize(("action", "status", "reason", "planned", "error"), DRY_RUN)
def test_a_dry_run_takes_the_status_from_the_planned_action(
    action: Action, status: EntryStatus, reason: str, planned: str | None, error: str | None
) -> None:
    """No outcomes: the plan's action decides; writes are marked planned, the plan's reason kept."""
    record = rec()
    plan = plan_for(snap("nq71"), (record, action), reason="lý do")
    entry = only(reconcile_system("nq71", [record], plan, None, None).entries)
    assert (entry.status, entry.reason, entry.planned, entry.error) == (
        status, reason, planned, error
    )


def test_a_dry_run_lists_the_uploads_it_would_make() -> None:
    """A planned write names the evidence files that would go up first."""
    proof = EvidenceFile(path="CAX/bb.pdf", sha256="a" * 64, size=10)
    record = rec(evidence=(proof,))
    plan = plan_for(snap("nq71"), (record, "create"))
    plan.changes[0].uploads.append(proof)
    entry = only(reconcile_system("nq71", [record], plan, None, None).entries)
    assert entry.planned == "create" and entry.planned_uploads == ["CAX/bb.pdf"]


def test_a_real_run_compares_with_the_snapshot_after_the_push() -> None:
    """After a successful push the remote matches: no differences, the new remote id."""
    record = rec(actual=87.5, note="Mới")
    before = snap("nq71", remote(actual=80, note="Cũ"))
    after = snap("nq71", remote(rid="r9", actual=87.5, note="Mới"))
    report = reconcile_system(
        "nq71", [record], plan_for(before, (record, "update")),
        [result(record, EntryStatus.UPDATED)], after,
    )
    entry = only(report.entries)
    assert (entry.status, entry.differences, entry.remote_id) == (EntryStatus.UPDATED, {}, "r9")
    assert entry.remote == {
        "actual": 87.5, "progress_percent": 90, "status": "in_progress", "note": "Mới"
    }


def test_a_dry_run_compares_with_the_plans_snapshot() -> None:
    """Dry run: the differences are those the push would remove."""
    record = rec(actual=87.5, note="Mới")
    before = snap("nq71", remote(actual=80, note="Cũ"))
    entry = only(
        reconcile_system("nq71", [record], plan_for(before, (record, "update")), None, None).entries
    )
    assert entry.differences == {
        "actual": Difference(local=87.5, remote=80),
        "note": Difference(local="Mới", remote="Cũ"),
    }
    assert entry.local == {
        "actual": 87.5, "progress_percent": 90, "status": "in_progress", "note": "Mới"
    }


def test_the_remote_id_comes_from_the_receipt_when_the_after_snapshot_lacks_the_report() -> None:
    """A created report missing from the read-back still names its remote id."""
    record = rec()
    snapshot = snap("nq71")
    receipt = Receipt(remote_id="r42", remote_fingerprint="x", pushed_fingerprint="y")
    report = reconcile_system(
        "nq71", [record], plan_for(snapshot, (record, "create")),
        [result(record, EntryStatus.CREATED, receipt=receipt)], snapshot,
    )
    assert only(report.entries).remote_id == "r42"


def test_compared_fields_per_system() -> None:
    """theodoinq stores only the value and note; nq71 the four canonical fields."""
    assert dict(COMPARED_FIELDS) == {
        "theodoinq": ("actual", "note"),
        "nq71": ("actual", "progress_percent", "status", "note"),
    }


def test_theodoinq_ignores_progress_and_status_that_nq71_compares() -> None:
    """The same remote without progress or status differs on nq71 only."""
    record = rec(progress=40, status=Status.IN_PROGRESS)
    held = remote(progress=None, status=None)
    entries = {
        system: only(
            reconcile_system(
                system, [record], plan_for(snap(system, held), (record, "none")), None, None
            ).entries
        )
        for system in ("theodoinq", "nq71")
    }
    assert entries["theodoinq"].differences == {}
    assert entries["nq71"].differences == {
        "progress_percent": Difference(local=40, remote=None),
        "status": Difference(local="in_progress", remote=None),
    }
    assert entries["theodoinq"].remote == {
        "actual": 87.5, "progress_percent": None, "status": None, "note": "Đã rà soát"
    }


def test_numbers_compare_as_floats_and_notes_after_normalising() -> None:
    """90 == 90.0 and an NFD note with stray spaces equals its NFC form."""
    record = rec(actual=90, progress=50, note="Đã  hoàn thành\u00a0đợt 1")
    nfd = unicodedata.normalize("NFD", " Đã hoàn thành đợt 1 ")
    held = remote(actual=90.0, progress=50.0, note=nfd)
    entry = only(
        reconcile_system(
            "nq71", [record], plan_for(snap("nq71", held), (record, "none")), None, None
        ).entries
    )
    assert entry.differences == {}


def test_theodoinq_does_not_compare_the_value_of_a_target_without_a_goal() -> None:
    """1.3.2 carries its status in words on theodoinq: a local number there is no difference."""
    record = rec("1.3.2", actual=3, note="")
    held = remote("1.3.2", actual=None, progress=None, status=None, note="")
    entry = only(
        reconcile_system(
            "theodoinq", [record], plan_for(snap("theodoinq", held), (record, "none")), None, None
        ).entries
    )
    assert entry.differences == {}


def test_a_missing_remote_side_differs_on_every_field_with_a_local_value() -> None:
    """No remote report: remote None, differences against nothing, empty notes equal."""
    record = rec(note="")
    entry = only(
        reconcile_system(
            "nq71", [record], plan_for(snap("nq71"), (record, "create")), None, None
        ).entries
    )
    assert (entry.remote, entry.remote_id) == (None, None)
    assert entry.differences == {
        "actual": Difference(local=87.5, remote=None),
        "progress_percent": Difference(local=90, remote=None),
        "status": Difference(local="in_progress", remote=None),
    }


def test_an_empty_theodoinq_row_is_a_remote_side_with_no_values() -> None:
    """theodoinq's rows always exist: an empty one is shown, not None."""
    record = rec(note="")
    empty = remote(actual=None, progress=None, status=None, note="", has_data=False)
    entry = only(
        reconcile_system(
            "theodoinq", [record], plan_for(snap("theodoinq", empty), (record, "update")),
            None, None,
        ).entries
    )
    assert entry.remote == {"actual": None, "progress_percent": None, "status": None, "note": ""}
    assert entry.differences == {"actual": Difference(local=87.5, remote=None)}


def test_an_nq71_report_without_data_counts_as_absent() -> None:
    """On nq71 a report flagged without data is no remote side."""
    record = rec()
    empty = remote(has_data=False)
    entry = only(
        reconcile_system(
            "nq71", [record], plan_for(snap("nq71", empty), (record, "create")), None, None
        ).entries
    )
    assert (entry.remote, entry.remote_id) == (None, None)


def test_skipped_records_are_missing_remote_with_their_reason() -> None:
    """Two units and no lead: one missing_remote entry each, sorted by unit, no remote_only."""
    reason = "Nhiều đơn vị báo cáo (CAX, DTN) mà chưa có đơn vị chủ trì: không gửi."
    first, second = rec(unit="DTN", actual=1), rec(unit="CAX", actual=2)
    snapshot = snap("nq71", remote(actual=5))
    report = reconcile_system(
        "nq71", [], plan_for(snapshot), [], snapshot, [(first, reason), (second, reason)]
    )
    assert [(e.unit_code, e.status, e.reason) for e in report.entries] == [
        ("CAX", EntryStatus.MISSING_REMOTE, reason),
        ("DTN", EntryStatus.MISSING_REMOTE, reason),
    ]
    assert report.entries[0].differences == {"actual": Difference(local=2, remote=5)}
    assert report.entries[0].remote_id == "r1"


def test_a_held_entry_missing_on_the_remote_stays_held() -> None:
    """Held for missing evidence with nothing remote: held, not missing_remote."""
    record = rec(status=Status.COMPLETED)
    snapshot = snap("nq71")
    report = reconcile_system(
        "nq71", [record], plan_for(snapshot, (record, "hold")),
        [result(record, EntryStatus.HELD, reason="Thiếu minh chứng")], snapshot,
    )
    assert only(report.entries).status is EntryStatus.HELD


def test_remote_reports_without_a_local_record_are_remote_only() -> None:
    """A filled remote report nobody reported locally: remote_only, no unit, no local side."""
    record = rec("1.5.17")
    other = remote("1.5.8", rid="r8", actual=70, note="")
    empty = remote("1.5.9", rid="r9", has_data=False)
    snapshot = snap("theodoinq", remote("1.5.17"), other, empty)
    report = reconcile_system(
        "theodoinq", [record], plan_for(snapshot, (record, "none")), None, None
    )
    assert [(e.target_code, e.status) for e in report.entries] == [
        ("1.5.8", EntryStatus.REMOTE_ONLY),
        ("1.5.17", EntryStatus.IN_SYNC),
    ]
    entry = report.entries[0]
    assert (entry.unit_code, entry.local, entry.remote_id) == (None, None, "r8")
    assert entry.remote == {
        "actual": 70, "progress_percent": 90, "status": "in_progress", "note": ""
    }
    assert entry.differences == {"actual": Difference(local=None, remote=70)}


def test_evidence_missing_remotely_by_sha256() -> None:
    """A local file whose hash the remote does not hold is missing there."""
    record = rec(evidence=(ev("a.pdf", SHA_A), ev("b.pdf", SHA_B)))
    held = remote(evidence=[RemoteEvidence(remote_id="d1", sha256=SHA_A)])
    entry = only(
        reconcile_system(
            "nq71", [record], plan_for(snap("nq71", held), (record, "update")), None, None
        ).entries
    )
    assert entry.evidence == EvidenceStatus(local=["a.pdf", "b.pdf"], missing_remote=["b.pdf"])


def test_evidence_is_all_missing_without_a_remote_report() -> None:
    """Nothing remote: every local file is missing there."""
    record = rec(evidence=(ev("a.pdf", SHA_A),))
    entry = only(
        reconcile_system(
            "nq71", [record], plan_for(snap("nq71"), (record, "create")), None, None
        ).entries
    )
    assert entry.evidence.missing_remote == ["a.pdf"]


def test_unknown_remote_hashes_cover_as_many_local_files() -> None:
    """Two files of unknown hash may be our two: none claimed missing."""
    record = rec(evidence=(ev("a.pdf", SHA_A), ev("b.pdf", SHA_B)))
    held = remote(
        evidence=[RemoteEvidence(remote_id="f1"), RemoteEvidence(remote_id="f2")]
    )
    entry = only(
        reconcile_system(
            "theodoinq", [record], plan_for(snap("theodoinq", held), (record, "none")),
            None, None,
        ).entries
    )
    assert entry.evidence.missing_remote == []


def test_fewer_unknown_remote_files_than_unmatched_local_ones_are_claimed_missing() -> None:
    """One unknown file cannot be both of ours: both are listed, as neither can be told apart."""
    record = rec(evidence=(ev("a.pdf", SHA_A), ev("b.pdf", SHA_B), ev("c.pdf", SHA_C)))
    held = remote(
        evidence=[RemoteEvidence(remote_id="f1", sha256=SHA_A), RemoteEvidence(remote_id="f2")]
    )
    entry = only(
        reconcile_system(
            "theodoinq", [record], plan_for(snap("theodoinq", held), (record, "none")),
            None, None,
        ).entries
    )
    assert entry.evidence.missing_remote == ["b.pdf", "c.pdf"]


def test_duplicates_and_review_from_the_remote() -> None:
    """Duplicate reports by id, a file held twice by hash, the review and its comment."""
    record = rec(evidence=(ev("a.pdf", SHA_A),))
    held = remote(
        evidence=[
            RemoteEvidence(remote_id="d1", sha256=SHA_A, review="rejected", comment="Mờ"),
            RemoteEvidence(remote_id="d2", sha256=SHA_A, review="rejected", comment="Mờ"),
            RemoteEvidence(remote_id="d3", sha256=SHA_B),
        ],
        duplicates=["r7"],
        review="rejected",
        review_comment="Mờ",
    )
    entry = only(
        reconcile_system(
            "nq71", [record], plan_for(snap("nq71", held), (record, "none")), None, None
        ).entries
    )
    assert entry.evidence == EvidenceStatus(
        local=["a.pdf"],
        missing_remote=[],
        duplicates_remote=["báo cáo số r7", "tệp aaaaaaaaaaaa… ×2"],
        review="rejected",
        review_comment="Mờ",
    )
    assert entry.status is EntryStatus.DUPLICATE
    assert "báo cáo số r7" in entry.reason and "xóa tay" in entry.reason


def test_summary_counts_every_status_in_enum_order_with_zeros() -> None:
    """Each status is a key, in the enum's order, zeros included."""
    entries = [
        Entry(target_code="1.1.1", period="2026-11", status=EntryStatus.CREATED),
        Entry(target_code="1.1.2", period="2026-11", status=EntryStatus.CREATED),
        Entry(target_code="1.2.1", period="2026-11", status=EntryStatus.FAILED),
    ]
    summary = summarise(entries)
    assert list(summary) == [s.value for s in EntryStatus]
    assert summary == {
        "in_sync": 0, "created": 2, "updated": 0, "conflict": 0, "held": 0,
        "missing_remote": 0, "remote_only": 0, "unmapped": 0, "duplicate": 0, "stale": 0,
        "failed": 1,
    }


def test_the_reports_summary_matches_its_entries() -> None:
    """reconcile_system fills the summary from its entries."""
    record = rec("1.5.17")
    snapshot = snap("nq71", remote("1.5.8", rid="x"))
    report = reconcile_system(
        "nq71", [record], plan_for(snapshot, (record, "create")), None, None
    )
    assert report.summary == summarise(report.entries)
    assert (report.summary["created"], report.summary["remote_only"]) == (1, 1)


def test_entries_follow_the_plans_numeric_order_then_period_then_unit() -> None:
    """1.1.1 < 1.1.2 < 1.2.1 < 1.5.9 < 1.5.10 < 1.5.26, then period, then unit."""
    records = [
        rec("1.5.26"), rec("1.5.10"), rec("1.2.1"), rec("1.1.2", "2026-11"),
        rec("1.1.2", "2026-10"), rec("1.5.9"), rec("1.1.1"),
    ]
    skipped = [(rec("1.5.9", unit="AAA"), "r"), (rec("1.5.9", unit="ZZZ"), "r")]
    snapshot = snap("nq71")
    report = reconcile_system(
        "nq71", records, plan_for(snapshot, *((r, "create") for r in records)), None, None,
        skipped,
    )
    assert [(e.target_code, e.period, e.unit_code) for e in report.entries] == [
        ("1.1.1", "2026-11", "CAX"),
        ("1.1.2", "2026-10", "CAX"),
        ("1.1.2", "2026-11", "CAX"),
        ("1.2.1", "2026-11", "CAX"),
        ("1.5.9", "2026-11", "AAA"),
        ("1.5.9", "2026-11", "CAX"),
        ("1.5.9", "2026-11", "ZZZ"),
        ("1.5.10", "2026-11", "CAX"),
        ("1.5.26", "2026-11", "CAX"),
    ]


def test_code_key_orders_numerically_and_puts_odd_codes_last() -> None:
    """Numeric parts compare as numbers; a code that is not numeric sorts after all others."""
    codes = ["X.1", "1.5.10", "1.5.9", "1.1.1"]
    assert sorted(codes, key=code_key) == ["1.1.1", "1.5.9", "1.5.10", "X.1"]


def test_notes_list_unmapped_codes_and_held_periods_and_keep_quirks_apart() -> None:
    """Unmapped codes without a record (plan order), then periods; the snapshot's notes are
    technical notes, never among the office's notes."""
    record = rec("1.5.3")
    snapshot = snap(
        "nq71",
        notes=["Chỉ tiêu CT99 trên nq71 không khớp chỉ tiêu nào: Khác"],
        unmapped={
            "1.5.10": "không tìm thấy chỉ tiêu nq71 cùng tên",
            "1.5.3": "không tìm thấy chỉ tiêu nq71 cùng tên",
            "1.5.9": "nhiều chỉ tiêu nq71 trùng tên: CT09, CT10",
        },
        held_periods={"2026-11": "Kỳ báo cáo đã bị khóa trên theodoinq."},
    )
    report = reconcile_system(
        "nq71", [record], plan_for(snapshot, (record, "unmapped")), None, None
    )
    assert report.technical_notes == ["Chỉ tiêu CT99 trên nq71 không khớp chỉ tiêu nào: Khác"]
    assert report.notes == [
        "Chỉ tiêu 1.5.9 không ánh xạ được trên nq71: nhiều chỉ tiêu nq71 trùng tên: CT09, CT10",
        "Chỉ tiêu 1.5.10 không ánh xạ được trên nq71: không tìm thấy chỉ tiêu nq71 cùng tên",
        "Kỳ báo cáo 11/2026: Kỳ báo cáo đã bị khóa trên theodoinq.",
    ]


def test_the_report_serialises_to_the_issues_json_shape() -> None:
    """An entry dumps with the keys the JSON names."""
    record = rec()
    report = reconcile_system(
        "nq71", [record], plan_for(snap("nq71", remote()), (record, "none")), None, None
    )
    dumped = report.model_dump(mode="json")
    assert set(dumped) >= {"summary", "entries", "notes", "technical_notes"}
    assert set(dumped["entries"][0]) >= {
        "target_code", "period", "status", "local", "remote", "differences", "error", "evidence"
    }
    assert dumped["entries"][0]["status"] == "in_sync"


def test_the_snapshot_is_indexed_once_never_searched_per_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`RemoteSnapshot.get` (a linear scan) is never called: the remote side comes from an
    index built once."""

    def scan(self: RemoteSnapshot, target_code: str, period: str) -> RemoteReport | None:
        raise AssertionError("linear scan per record")

    monkeypatch.setattr(RemoteSnapshot, "get", scan)
    records = [rec(f"1.5.{i}") for i in range(1, 20)]
    snapshot = snap("nq71", *(remote(f"1.5.{i}", rid=f"r{i}") for i in range(1, 20)))
    report = reconcile_system(
        "nq71", records, plan_for(snapshot, *((r, "none") for r in records)), None, None
    )
    assert [e.remote_id for e in report.entries] == [f"r{i}" for i in range(1, 20)]


def test_the_first_of_two_remote_reports_of_a_key_is_the_remote_side() -> None:
    """Two reports for one key: the first is compared, as the snapshot's own lookup would."""
    record = rec(actual=80)
    snapshot = snap("nq71", remote(rid="first", actual=80), remote(rid="second", actual=10))
    entry = only(
        reconcile_system(
            "nq71", [record], plan_for(snapshot, (record, "none")), None, None
        ).entries
    )
    assert (entry.remote_id, entry.differences) == ("first", {})


def test_entries_do_not_share_their_containers() -> None:
    """Each entry owns its lists and dicts: changing one entry leaves the others as they were."""
    proof = ev("a.pdf", SHA_A)
    first, second = rec("1.5.1", evidence=(proof,)), rec("1.5.2", evidence=(proof,))
    snapshot = snap("nq71")
    report = reconcile_system(
        "nq71", [first, second],
        plan_for(snapshot, (first, "create"), (second, "create")), None, None,
    )
    one, two = report.entries
    one.evidence.local.append("b.pdf")
    assert one.local is not None
    one.local["note"] = "khác"
    assert two.evidence.local == ["a.pdf"]
    assert two.local is not None and two.local["note"] == "Đã rà soát"


def test_reconcile_system_and_the_plain_diff_agree() -> None:
    """The models' path gives, entry for entry, the plain rows turned into entries."""
    records = [rec("1.5.1", note="Mới"), rec("1.5.2", evidence=(ev("a.pdf", SHA_A),))]
    snapshot = snap("nq71", remote("1.5.1", note="Cũ"), remote("1.5.8", rid="r8"))
    plan = plan_for(snapshot, *((r, "update") for r in records))
    outcomes = [result(records[0], EntryStatus.UPDATED), result(records[1], EntryStatus.IN_SYNC)]
    report = reconcile_system("nq71", records, plan, outcomes, snapshot)
    rows = diff_rows(
        "nq71",
        [local_item(r) for r in records],
        [remote_item(r) for r in snapshot.reports],
        {},
        {(o.target_code, o.period): outcome_item(o) for o in outcomes},
    )
    assert report.entries == [to_entry(row) for row in rows]
    assert [e.status for e in report.entries] == [
        EntryStatus.UPDATED, EntryStatus.IN_SYNC, EntryStatus.REMOTE_ONLY
    ]
