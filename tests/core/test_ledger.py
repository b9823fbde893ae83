import hashlib
import threading
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, StatementError

from models.db import normalise_database_url
from models.ledger import (
    Ledger,
    RunCreate,
    RunStatus,
    SyncStateUpdate,
    canonical_json,
    fingerprint,
    record_fingerprint,
)
from models.ledger_tables import LEDGER_METADATA
from models.records import EvidenceFile, ProgressRecord, SourceRef, Status

LEDGER_TABLES = {
    "ledger_intent",
    "ledger_seen_attachments",
    "ledger_run",
    "ledger_report",
    "ledger_evidence",
    "ledger_upload",
    "ledger_attachment",
    "ledger_sync_state",
}
ICT = timezone(timedelta(hours=7))
PDF = EvidenceFile(path="minh-chung/ke-hoach.pdf", sha256="ab" * 32, size=1234)
PNG = EvidenceFile(path="minh-chung/anh.png", sha256="cd" * 32, size=99)


def make_record(**changes: object) -> ProgressRecord:
    values: dict[str, object] = {
        "unit_code": "VHXH",
        "target_code": "1.5.17",
        "period": "2026-11",
        "actual": 87.5,
        "progress_percent": 90.0,
        "status": Status.IN_PROGRESS,
        "note": "Đang triển khai",
        "reporter": "Nguyễn Văn A",
        "evidence": (PDF,),
        "document_number": "60/KH-UBND",
        "issue_date": "2026-11-20",
        "source": SourceRef(file="VHXH_2026-11.xlsx", sheet="Báo cáo", row=7),
    }
    values.update(changes)
    return ProgressRecord.model_validate(values)


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    """An open ledger on each backend."""
    with Ledger.open(database_url) as opened:
        yield opened


@pytest.fixture
def run_id(ledger: Ledger) -> str:
    """The id of a started run."""
    return ledger.start_run(RunCreate(systems=["theodoinq", "nq71"])).run_id


def test_tables_are_created_on_first_use_and_idempotently(database_url: str) -> None:
    """Opening the ledger twice creates the ledger's tables once and nothing else."""
    with Ledger.open(database_url) as first:
        assert first.get_run("none") is None
        first.create_tables()
    with Ledger.open(database_url) as second:
        assert second.get_run("none") is None
        names = set(inspect(second.engine).get_table_names())
    assert LEDGER_TABLES <= names == set(LEDGER_METADATA.tables)
    assert all(name.startswith("ledger_") for name in names)


def test_sqlite_file_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    """The default SQLite ledger is a file in WAL mode with a busy timeout and foreign keys on."""
    path = tmp_path / "nested" / "nqsync.db"
    with Ledger.open(f"sqlite:///{path}") as ledger, ledger.engine.connect() as connection:
        ledger.create_tables()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert path.exists()


def test_default_url_comes_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without a URL the ledger uses NQSYNC_DATABASE_URL, by default nqsync.db in the cwd."""
    from models.settings import Settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NQSYNC_DATABASE_URL", raising=False)
    with Ledger.open(settings=Settings(_env_file=None)) as ledger:
        ledger.create_tables()
    assert (tmp_path / "nqsync.db").exists()


def test_bare_postgresql_urls_use_psycopg() -> None:
    """postgresql:// and postgres:// URLs select the psycopg 3 driver; others are kept."""
    assert normalise_database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_database_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_database_url("sqlite:///x.db").drivername == "sqlite"


def test_run_lifecycle(ledger: Ledger) -> None:
    """A run is recorded as running, then finished with its status, summary and end time."""
    started_at = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    run = ledger.start_run(
        RunCreate(
            run_id="run-1",
            dry_run=True,
            systems=["nq71"],
            code_version="0.1.0+abc",
            source_files={"VHXH_2026-11.xlsx": "ef" * 32},
        ),
        at=started_at,
    )
    assert run.status is RunStatus.RUNNING and run.finished_at is None
    finished = ledger.finish_run(
        "run-1",
        RunStatus.PARTIAL,
        summary={"created": 2, "failed": 1},
        error="nq71: 503",
        at=started_at + timedelta(minutes=3),
    )
    again = ledger.get_run("run-1")
    assert again == finished
    assert again is not None
    assert again.status is RunStatus.PARTIAL
    assert again.dry_run is True
    assert again.systems == ["nq71"]
    assert again.source_files == {"VHXH_2026-11.xlsx": "ef" * 32}
    assert again.summary == {"created": 2, "failed": 1}
    assert again.started_at == started_at
    assert again.finished_at == started_at + timedelta(minutes=3)


def test_runs_get_unique_sortable_ids_and_list_newest_first(ledger: Ledger) -> None:
    """Generated run ids differ; recent_runs lists the latest first."""
    early = ledger.start_run(at=datetime(2026, 11, 1, tzinfo=UTC))
    late = ledger.start_run(at=datetime(2026, 11, 2, tzinfo=UTC))
    assert early.run_id != late.run_id
    assert early.run_id < late.run_id
    assert [r.run_id for r in ledger.recent_runs()] == [late.run_id, early.run_id]


def test_finishing_an_unknown_run_raises(ledger: Ledger) -> None:
    """finish_run on an id never started is an error, not a silent insert."""
    with pytest.raises(KeyError):
        ledger.finish_run("missing", RunStatus.FAILED)


def test_report_is_recorded_with_canonical_fields(ledger: Ledger, run_id: str) -> None:
    """A canonical report keeps every canonical field, its source, fingerprint and evidence."""
    record = make_record(evidence=(PDF, PNG))
    stored = ledger.record_report(run_id, record)
    fetched = ledger.get_report("VHXH", "1.5.17", "2026-11")
    assert fetched == stored
    assert fetched is not None
    assert (fetched.actual, fetched.progress_percent) == (87.5, 90.0)
    assert fetched.status is Status.IN_PROGRESS
    assert (fetched.note, fetched.reporter) == ("Đang triển khai", "Nguyễn Văn A")
    assert (fetched.document_number, fetched.issue_date) == ("60/KH-UBND", "2026-11-20")
    assert fetched.evidence_sha256 == [PDF.sha256, PNG.sha256]
    assert (fetched.source_file, fetched.source_sheet, fetched.source_row) == (
        "VHXH_2026-11.xlsx",
        "Báo cáo",
        7,
    )
    assert fetched.fingerprint == record_fingerprint(record)
    assert fetched.first_seen_run_id == fetched.last_seen_run_id == fetched.changed_run_id == run_id
    evidence = ledger.get_evidence(PNG.sha256.upper())
    assert evidence is not None and (evidence.path, evidence.size) == (PNG.path, PNG.size)


def test_report_seen_again_keeps_first_run_and_tracks_changes(ledger: Ledger, run_id: str) -> None:
    """Re-reading a report moves last_seen; only a content change moves changed_run_id."""
    ledger.record_report(run_id, make_record())
    second = ledger.start_run().run_id
    moved = make_record(source=SourceRef(file="other.xlsx", sheet="Báo cáo", row=12))
    same = ledger.record_report(second, moved)
    assert (same.first_seen_run_id, same.last_seen_run_id, same.changed_run_id) == (
        run_id,
        second,
        run_id,
    )
    assert same.source_row == 12
    third = ledger.start_run().run_id
    changed = ledger.record_report(third, make_record(actual=91.0, status=Status.COMPLETED))
    assert changed.changed_run_id == third
    assert changed.fingerprint != same.fingerprint
    assert changed.actual == 91.0
    assert changed.id == same.id
    assert len(ledger.list_reports(period="2026-11")) == 1
    assert ledger.list_reports(period="2026-10") == []


def test_reports_need_a_recorded_run(ledger: Ledger) -> None:
    """A report cannot name a run the ledger never started (foreign keys are enforced)."""
    with pytest.raises(IntegrityError):
        ledger.record_report("no-such-run", make_record())


def test_batch_of_reports_is_recorded(ledger: Ledger, run_id: str) -> None:
    """record_reports stores several reports in one call, keyed by unit, target and period."""
    records = [
        make_record(unit_code=unit, target_code=code)
        for unit in ("VHXH", "CAX")
        for code in ("1.5.17", "1.1.1")
    ]
    assert ledger.record_reports(run_id, records) == 4
    assert len({r.id for r in ledger.list_reports()}) == 4
    assert [(r.target_code, r.unit_code) for r in ledger.list_reports()] == [
        ("1.1.1", "CAX"),
        ("1.1.1", "VHXH"),
        ("1.5.17", "CAX"),
        ("1.5.17", "VHXH"),
    ]


def test_batch_of_reports_is_all_or_nothing(
    ledger: Ledger, run_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that fails part-way leaves no report of it behind."""
    import models.ledger as ledger_module

    calls = 0
    real = ledger_module.record_fingerprint

    def failing_second(record: ProgressRecord) -> str:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("boom")
        return real(record)

    monkeypatch.setattr(ledger_module, "record_fingerprint", failing_second)
    with pytest.raises(RuntimeError):
        ledger.record_reports(run_id, [make_record(), make_record(unit_code="CAX")])
    assert ledger.list_reports() == []
    assert ledger.get_evidence(PDF.sha256) is None


def test_upload_is_remembered_once_per_system_and_file(ledger: Ledger) -> None:
    """An upload goes from started to complete under one row per (system, sha256)."""
    assert ledger.find_upload("nq71", PDF.sha256) is None
    started = ledger.record_upload_started("nq71", PDF, "UP-1")
    assert not started.completed and started.remote_upload_id == "UP-1"
    done = ledger.record_upload("nq71", PDF, "TL-42")
    assert done.id == started.id
    assert done.completed and done.remote_file_id == "TL-42" and done.remote_upload_id == "UP-1"
    found = ledger.find_upload("nq71", PDF.sha256.upper())
    assert found == done
    assert ledger.find_upload("theodoinq", PDF.sha256) is None
    other = ledger.record_upload("theodoinq", PDF, "c0f1-uuid")
    assert other.id != done.id
    assert ledger.forget_upload("nq71", PDF.sha256) is True
    assert ledger.find_upload("nq71", PDF.sha256) is None
    assert ledger.forget_upload("nq71", PDF.sha256) is False
    assert ledger.find_upload("theodoinq", PDF.sha256) == other
    ledger.record_upload_started("theodoinq", PNG, "UP-9")
    assert [(u.sha256, u.completed) for u in ledger.list_uploads("theodoinq")] == [
        (PDF.sha256, True),
        (PNG.sha256, False),
    ]
    assert ledger.list_uploads("nq71") == []


def test_restarting_a_completed_upload_forgets_the_old_file(ledger: Ledger) -> None:
    """Starting a new upload of a file clears the remote file id recorded before."""
    ledger.record_upload("nq71", PDF, "TL-1")
    restarted = ledger.record_upload_started("nq71", PDF, "UP-2")
    assert restarted.remote_file_id is None and restarted.uploaded_at is None


def test_attachment_is_recorded_once_per_report_and_file(ledger: Ledger) -> None:
    """A file attached to a remote report is one row per (system, target, period, sha256)."""
    ledger.record_upload("nq71", PDF, "TL-42")
    ledger.record_upload("nq71", PNG, "TL-43")
    assert ledger.find_attachment("nq71", "1.5.17", "2026-11", PDF.sha256) is None
    first = ledger.record_attachment(
        "nq71", "1.5.17", "2026-11", PDF.sha256, remote_report="1234", remote_file_id="TL-42"
    )
    again = ledger.record_attachment(
        "nq71",
        "1.5.17",
        "2026-11",
        PDF.sha256,
        remote_report="1234",
        remote_file_id="TL-42",
        remote_attachment_id="77",
    )
    assert again.id == first.id and again.remote_attachment_id == "77"
    ledger.record_attachment(
        "nq71", "1.5.17", "2026-11", PNG.sha256, remote_report="1234", remote_file_id="TL-43"
    )
    ledger.record_attachment(
        "nq71", "1.5.17", "2026-12", PDF.sha256, remote_report="1300", remote_file_id="TL-42"
    )
    listed = ledger.list_attachments("nq71", "1.5.17", "2026-11")
    assert [a.sha256 for a in listed] == [PDF.sha256, PNG.sha256]
    assert ledger.find_attachment("theodoinq", "1.5.17", "2026-11", PDF.sha256) is None


def test_attachment_needs_a_known_file(ledger: Ledger) -> None:
    """An attachment must name an evidence file the ledger knows."""
    with pytest.raises(IntegrityError):
        ledger.record_attachment(
            "nq71", "1.5.17", "2026-11", "ee" * 32, remote_report="1", remote_file_id="TL-0"
        )


def test_sync_state_upsert_writes_only_the_fields_set(ledger: Ledger) -> None:
    """upsert_sync_state creates the state, then changes only the fields given; None clears."""
    assert ledger.get_sync_state("theodoinq", "1.5.17", "2026-11") is None
    created = ledger.upsert_sync_state(
        "theodoinq",
        "1.5.17",
        "2026-11",
        SyncStateUpdate(remote_id="16514", remote_row="1.5#17", last_error="timeout"),
    )
    assert (created.remote_id, created.remote_row, created.last_error) == (
        "16514",
        "1.5#17",
        "timeout",
    )
    changed = ledger.upsert_sync_state(
        "theodoinq", "1.5.17", "2026-11", SyncStateUpdate(last_error=None, last_outcome="held")
    )
    assert changed.id == created.id
    assert (changed.remote_id, changed.remote_row) == ("16514", "1.5#17")
    assert changed.last_error is None and changed.last_outcome == "held"
    assert ledger.get_sync_state("theodoinq", "1.5.17", "2026-11") == changed
    assert ledger.get_sync_state("nq71", "1.5.17", "2026-11") is None


def test_receipt_records_the_push_and_clears_the_error(ledger: Ledger, run_id: str) -> None:
    """A receipt sets the pushed fingerprint, time, run and remote version, and clears the error."""
    ledger.record_outcome("nq71", "1.5.17", "2026-11", outcome="failed", error="HTTP 503")
    at = datetime(2026, 11, 27, 14, 5, tzinfo=ICT)
    state = ledger.record_receipt(
        "nq71",
        "1.5.17",
        "2026-11",
        run_id=run_id,
        pushed_fingerprint="f" * 64,
        outcome="created",
        unit_code="VHXH",
        remote_id="1234",
        remote_row="CT07",
        remote_version="27/11/2026 14:05:00",
        remote_fingerprint="e" * 64,
        at=at,
    )
    assert state.last_pushed_fingerprint == "f" * 64
    assert state.last_pushed_at == at
    assert state.last_pushed_run_id == run_id
    assert (state.last_outcome, state.last_error) == ("created", None)
    assert (state.unit_code, state.remote_id, state.remote_row) == ("VHXH", "1234", "CT07")
    assert state.last_seen_remote_version == "27/11/2026 14:05:00"
    assert state.last_seen_remote_fingerprint == "e" * 64
    assert state.last_seen_remote_at == at


def test_receipt_without_remote_details_keeps_them(ledger: Ledger, run_id: str) -> None:
    """Remote identity and version left out of a receipt stay as they were."""
    ledger.record_remote_seen(
        "nq71",
        "1.5.17",
        "2026-11",
        remote_version="v1",
        remote_fingerprint="a" * 64,
        remote_id="1234",
    )
    state = ledger.record_receipt(
        "nq71", "1.5.17", "2026-11", run_id=run_id, pushed_fingerprint="b" * 64, outcome="updated"
    )
    assert (state.remote_id, state.last_seen_remote_version) == ("1234", "v1")
    assert state.last_seen_remote_fingerprint == "a" * 64


def test_outcome_keeps_the_last_push(ledger: Ledger, run_id: str) -> None:
    """A failed or held push records its outcome and error but not a new pushed fingerprint."""
    ledger.record_receipt(
        "nq71", "1.5.17", "2026-11", run_id=run_id, pushed_fingerprint="b" * 64, outcome="created"
    )
    state = ledger.record_outcome(
        "nq71", "1.5.17", "2026-11", outcome="conflict", error="sửa trên web"
    )
    assert state.last_pushed_fingerprint == "b" * 64
    assert (state.last_outcome, state.last_error) == ("conflict", "sửa trên web")


def test_sync_states_list_by_system_and_period(ledger: Ledger) -> None:
    """list_sync_states filters by system and period and orders by period then target."""
    for system, code, period in [
        ("nq71", "1.5.2", "2026-11"),
        ("nq71", "1.1.1", "2026-11"),
        ("nq71", "1.1.1", "2026-10"),
        ("theodoinq", "1.1.1", "2026-11"),
    ]:
        ledger.record_outcome(system, code, period, outcome="held")
    assert [(s.period, s.target_code) for s in ledger.list_sync_states("nq71")] == [
        ("2026-10", "1.1.1"),
        ("2026-11", "1.1.1"),
        ("2026-11", "1.5.2"),
    ]
    assert len(ledger.list_sync_states("nq71", period="2026-11")) == 2


def test_datetimes_round_trip_as_aware_utc(ledger: Ledger) -> None:
    """Times are stored as instants and come back in UTC, whatever zone they were given in."""
    at = datetime(2026, 11, 27, 21, 5, 30, 123456, tzinfo=ICT)
    run = ledger.start_run(at=at)
    fetched = ledger.get_run(run.run_id)
    assert fetched is not None
    assert fetched.started_at == at
    assert fetched.started_at.utcoffset() == timedelta(0)
    assert fetched.started_at.hour == 14


def test_naive_datetimes_are_refused(ledger: Ledger) -> None:
    """A naive datetime is refused rather than guessed at."""
    with pytest.raises(StatementError, match="timezone-aware"):
        ledger.start_run(at=datetime(2026, 11, 27, 14, 5))


def test_ledger_persists_across_connections(
    database_url: str,
) -> None:
    """What one ledger object wrote, another opened later reads."""
    with Ledger.open(database_url) as writer:
        writer.record_outcome("nq71", "1.2.3", "2026-11", outcome="held", error="thiếu minh chứng")
    with Ledger.open(database_url) as reader:
        state = reader.get_sync_state("nq71", "1.2.3", "2026-11")
    assert state is not None and state.last_error == "thiếu minh chứng"


def test_concurrent_writers_neither_fail_nor_duplicate(ledger: Ledger) -> None:
    """Threads writing the same and different keys at once all succeed, one row per key."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            for round_ in range(5):
                ledger.record_outcome("nq71", "1.5.1", "2026-11", outcome=f"w{index}-{round_}")
                ledger.record_outcome("nq71", f"1.5.{index + 2}", "2026-11", outcome="held")
                ledger.record_upload("nq71", PDF, f"TL-{index}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(ledger.list_sync_states("nq71")) == 9
    upload = ledger.find_upload("nq71", PDF.sha256)
    assert upload is not None and upload.remote_file_id in {f"TL-{i}" for i in range(8)}


def test_fingerprint_is_sha256_of_canonical_json() -> None:
    """The fingerprint is the sha256 of compact, key-sorted JSON."""
    assert canonical_json({"b": 1, "a": [True, None, "x"]}) == '{"a":[true,null,"x"],"b":1}'
    assert fingerprint({"a": 1}) == hashlib.sha256(b'{"a":1}').hexdigest()


def test_fingerprint_normalises_numbers_strings_and_order() -> None:
    """Equal data fingerprints equal: 87.5/87.50/Decimal, 2/2.0, NFC/NFD, key order, tuple/list."""
    nfd = unicodedata.normalize("NFD", "Hoàn thành")
    assert nfd != "Hoàn thành"
    assert (
        fingerprint({"v": 87.5})
        == fingerprint({"v": 87.50})
        == fingerprint({"v": Decimal("87.50")})
    )
    assert fingerprint({"v": 2}) == fingerprint({"v": 2.0})
    assert fingerprint({"s": nfd}) == fingerprint({"s": "Hoàn thành"})
    assert fingerprint({nfd: 1}) == fingerprint({"Hoàn thành": 1})
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint((1, 2)) == fingerprint([1, 2])
    assert fingerprint({2, 1}) == fingerprint([1, 2])


def test_fingerprint_tells_different_data_apart() -> None:
    """Different values, types and orders of a list give different fingerprints."""
    assert fingerprint({"v": 87.5}) != fingerprint({"v": 87.6})
    assert fingerprint({"v": "87.5"}) != fingerprint({"v": 87.5})
    assert fingerprint({"v": True}) != fingerprint({"v": 1})
    assert fingerprint([1, 2]) != fingerprint([2, 1])
    assert fingerprint({"v": None}) != fingerprint({})


def test_fingerprint_refuses_what_it_cannot_make_canonical() -> None:
    """NaN, infinity and unknown objects are errors, not silent hashes."""
    with pytest.raises(ValueError):
        fingerprint({"v": float("nan")})
    with pytest.raises(ValueError):
        fingerprint(float("inf"))
    with pytest.raises(TypeError):
        fingerprint(object())


def test_record_fingerprint_ignores_where_a_record_was_read() -> None:
    """Source location, evidence paths and evidence order do not change a record's fingerprint."""
    base = make_record(evidence=(PDF, PNG))
    moved = make_record(
        source=SourceRef(file="x.csv", sheet="csv", row=2),
        evidence=(PNG, PDF.model_copy(update={"path": "elsewhere.pdf", "sha256": "AB" * 32})),
    )
    assert record_fingerprint(base) == record_fingerprint(moved)
    assert record_fingerprint(base) != record_fingerprint(make_record(evidence=(PDF,)))
    assert record_fingerprint(base) != record_fingerprint(
        make_record(evidence=(PDF, PNG), note="x")
    )
    nfd_note = unicodedata.normalize("NFD", "Đang triển khai")
    assert record_fingerprint(make_record(note=nfd_note)) == record_fingerprint(make_record())


@given(
    actual=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=6)),
    note=st.text(max_size=20),
    issue_date=st.one_of(st.none(), st.just("2026-11-01")),
)
def test_record_fingerprint_equals_the_generic_fingerprint(
    actual: Decimal | None, note: str, issue_date: str | None
) -> None:
    """The direct record fingerprint is the canonical fingerprint of the same content."""
    record = make_record(evidence=(PDF, PNG)).model_copy(
        update={"actual": actual, "note": note, "issue_date": issue_date}
    )
    content = record.model_dump(mode="python", exclude={"source", "evidence"})
    content["evidence"] = sorted({e.sha256.lower() for e in record.evidence})
    assert record_fingerprint(record) == fingerprint(content)
