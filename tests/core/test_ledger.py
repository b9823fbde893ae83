import hashlib
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from models.db import normalise_database_url
from models.fingerprint import canonical_json, fingerprint
from models.ledger import IntentDraft, Ledger, RunCreate, RunStatus, SeenAttachmentsBase
from models.ledger.batch import LedgerBatch
from models.ledger_tables import LEDGER_METADATA, Evidence, Run, SyncStatePublic
from models.records import EvidenceFile

LEDGER_TABLES = {
    "ledger_schema",
    "ledger_intent",
    "ledger_seen_attachments",
    "ledger_run",
    "ledger_evidence",
    "ledger_upload",
    "ledger_sync_state",
}
ICT = timezone(timedelta(hours=7))
PDF = EvidenceFile(path="minh-chung/ke-hoach.pdf", sha256="ab" * 32, size=1234)
PNG = EvidenceFile(path="minh-chung/anh.png", sha256="cd" * 32, size=99)


def noted(
    ledger: Ledger, change: str, system: str, code: str, period: str, **fields: Any
) -> SyncStatePublic:
    """Note one sync-state change (CHANGE names a `LedgerBatch` method) for the key, commit it
    as a push stage's journal does, and read the key's state back."""
    batch = LedgerBatch()
    getattr(batch, change)(system, code, period, **fields)
    ledger.commit(batch)
    state = ledger.get_sync_state(system, code, period)
    assert state is not None
    return state


def stored_run(ledger: Ledger, run_id: str) -> Run | None:
    """The run's row as the database holds it, read in a fresh session."""
    with Session(ledger.engine) as session:
        return session.get(Run, run_id)


def stored_evidence(ledger: Ledger, sha256: str) -> Evidence | None:
    """The evidence row of that sha256, read in a fresh session."""
    with Session(ledger.engine) as session:
        return session.get(Evidence, sha256)


def test_tables_are_created_on_first_use_and_idempotently(database_url: str) -> None:
    """Opening the ledger twice creates the ledger's tables once and nothing else."""
    with Ledger.open(database_url) as first:
        assert first.list_sync_states("nq71") == []
    with Ledger.open(database_url) as second:
        assert second.list_sync_states("nq71") == []
        names = set(inspect(second.engine).get_table_names())
    assert LEDGER_TABLES <= names == set(LEDGER_METADATA.tables)
    assert all(name.startswith("ledger_") for name in names)
    assert not {"ledger_report", "ledger_attachment"} & names


def test_sqlite_file_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    """The default SQLite ledger is a file in WAL mode with a busy timeout and foreign keys on."""
    path = tmp_path / "nested" / "nqsync.db"
    with Ledger.open(f"sqlite:///{path}") as ledger, ledger.engine.connect() as connection:
        ledger.list_sync_states("nq71")
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
        ledger.list_sync_states("nq71")
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
    running = stored_run(ledger, "run-1")
    assert running is not None and running.status == RunStatus.RUNNING
    finished = ledger.finish_run(
        "run-1",
        RunStatus.PARTIAL,
        summary={"created": 2, "failed": 1},
        error="nq71: 503",
        at=started_at + timedelta(minutes=3),
    )
    assert finished.status is RunStatus.PARTIAL
    again = stored_run(ledger, "run-1")
    assert again is not None
    assert again.status == RunStatus.PARTIAL
    assert again.dry_run is True
    assert again.systems == ["nq71"]
    assert again.code_version == "0.1.0+abc"
    assert again.source_files == {"VHXH_2026-11.xlsx": "ef" * 32}
    assert (again.summary, again.error) == ({"created": 2, "failed": 1}, "nq71: 503")
    assert again.started_at == started_at
    assert again.finished_at == started_at + timedelta(minutes=3)


def test_runs_get_unique_sortable_ids(ledger: Ledger) -> None:
    """Generated run ids differ and sort by start time; both runs are stored."""
    early = ledger.start_run(at=datetime(2026, 11, 1, tzinfo=UTC))
    late = ledger.start_run(at=datetime(2026, 11, 2, tzinfo=UTC))
    assert early.run_id != late.run_id
    assert early.run_id < late.run_id
    assert stored_run(ledger, early.run_id) is not None
    assert stored_run(ledger, late.run_id) is not None


def test_finishing_an_unknown_run_raises(ledger: Ledger) -> None:
    """finish_run on an id never started is an error, not a silent insert."""
    with pytest.raises(KeyError):
        ledger.finish_run("missing", RunStatus.FAILED)
    assert stored_run(ledger, "missing") is None


def test_upload_is_remembered_once_per_system_and_file(ledger: Ledger) -> None:
    """An upload goes from started to complete under one row per (system, sha256)."""
    assert ledger.find_upload("nq71", PDF.sha256) is None
    started = ledger.record_upload_started("nq71", PDF, "UP-1")
    assert started.remote_file_id is None and started.remote_upload_id == "UP-1"
    done = ledger.record_upload("nq71", PDF, "TL-42")
    assert done.id == started.id
    assert (done.remote_file_id, done.remote_upload_id) == ("TL-42", "UP-1")
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
    assert [(u.sha256, u.remote_file_id) for u in ledger.list_uploads("theodoinq")] == [
        (PDF.sha256, "c0f1-uuid"),
        (PNG.sha256, None),
    ]
    assert ledger.list_uploads("nq71") == []


def test_restarting_a_completed_upload_forgets_the_old_file(ledger: Ledger) -> None:
    """Starting a new upload of a file clears the remote file id recorded before."""
    ledger.record_upload("nq71", PDF, "TL-1")
    restarted = ledger.record_upload_started("nq71", PDF, "UP-2")
    assert restarted.remote_file_id is None and restarted.uploaded_at is None


def test_an_upload_records_its_file_keeping_the_first_sighting(ledger: Ledger) -> None:
    """The uploaded file's evidence row takes the latest path and size; first_seen_at stays."""
    first, later = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC)
    ledger.record_upload_started("nq71", PDF.model_copy(update={"sha256": "AB" * 32}), "UP-1",
                                 at=first)
    moved = PDF.model_copy(update={"path": "khac/ke-hoach.pdf"})
    ledger.record_upload("theodoinq", moved, "c0f1-uuid", at=later)
    row = stored_evidence(ledger, PDF.sha256)
    assert row is not None
    assert (row.path, row.size) == ("khac/ke-hoach.pdf", PDF.size)
    assert (row.first_seen_at, row.last_seen_at) == (first, later)


def test_receipt_records_the_push_and_clears_the_error(ledger: Ledger, run_id: str) -> None:
    """A receipt sets the pushed fingerprint, time, run and remote version, and clears the error."""
    noted(ledger, "outcome", "nq71", "1.5.17", "2026-11", outcome="failed", error="HTTP 503")
    at = datetime(2026, 11, 27, 14, 5, tzinfo=ICT)
    state = noted(ledger, "receipt",
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
    assert ledger.get_sync_state("nq71", "1.5.17", "2026-11") == state
    assert ledger.get_sync_state("theodoinq", "1.5.17", "2026-11") is None


def test_receipt_without_remote_details_keeps_them(ledger: Ledger, run_id: str) -> None:
    """Remote identity and version left out of a receipt stay as they were."""
    noted(ledger, "receipt",
        "nq71", "1.5.17", "2026-11", run_id=run_id, pushed_fingerprint="a" * 64,
        outcome="created", remote_id="1234", remote_row="CT07",
    )
    seen_at = datetime(2026, 11, 28, tzinfo=UTC)
    seen = noted(ledger, "remote_seen",
        "nq71", "1.5.17", "2026-11", remote_version="v1", remote_fingerprint="c" * 64, at=seen_at
    )
    assert (seen.last_seen_remote_version, seen.last_seen_remote_at) == ("v1", seen_at)
    assert seen.last_pushed_fingerprint == "a" * 64
    state = noted(ledger, "receipt",
        "nq71", "1.5.17", "2026-11", run_id=run_id, pushed_fingerprint="b" * 64, outcome="updated"
    )
    assert state.id == seen.id
    assert (state.remote_id, state.remote_row, state.last_seen_remote_version) == (
        "1234", "CT07", "v1"
    )
    assert (state.last_seen_remote_fingerprint, state.last_seen_remote_at) == ("c" * 64, seen_at)


def test_outcome_keeps_the_last_push_and_none_clears_the_error(
    ledger: Ledger, run_id: str
) -> None:
    """A failed or held push records its outcome and error but not a new pushed fingerprint."""
    noted(ledger, "receipt",
        "nq71", "1.5.17", "2026-11", run_id=run_id, pushed_fingerprint="b" * 64, outcome="created"
    )
    state = noted(ledger, "outcome",
        "nq71", "1.5.17", "2026-11", outcome="conflict", error="sửa trên web"
    )
    assert state.last_pushed_fingerprint == "b" * 64
    assert (state.last_outcome, state.last_error) == ("conflict", "sửa trên web")
    held = noted(ledger, "outcome", "nq71", "1.5.17", "2026-11", outcome="held")
    assert (held.id, held.last_outcome, held.last_error) == (state.id, "held", None)


def test_sync_states_list_by_system_in_period_and_target_order(ledger: Ledger) -> None:
    """list_sync_states gives one system's states ordered by period then target."""
    for system, code, period in [
        ("nq71", "1.5.2", "2026-11"),
        ("nq71", "1.1.1", "2026-11"),
        ("nq71", "1.1.1", "2026-10"),
        ("theodoinq", "1.1.1", "2026-11"),
    ]:
        noted(ledger, "outcome", system, code, period, outcome="held")
    assert [(s.period, s.target_code) for s in ledger.list_sync_states("nq71")] == [
        ("2026-10", "1.1.1"),
        ("2026-11", "1.1.1"),
        ("2026-11", "1.5.2"),
    ]
    assert [s.system for s in ledger.list_sync_states("theodoinq")] == ["theodoinq"]


def test_intents_open_advance_and_close_per_key(ledger: Ledger, run_id: str) -> None:
    """Open intents are listed by key, oldest first, with the steps reached; closing settles
    only that key's, and only once."""
    first = ledger.open_intent(
        run_id, "nq71", "1.5.17", "2026-11", fingerprint="f" * 64,
        steps=["create", "update"], expected=["a" * 64, "a" * 64, "f" * 64],
    )
    second = ledger.open_intent(
        run_id, "nq71", "1.5.17", "2026-11", fingerprint="e" * 64, steps=["update"],
        expected=["e" * 64],
    )
    other = ledger.open_intent(
        run_id, "nq71", "1.1.1", "2026-11", fingerprint="d" * 64, steps=["update"],
        expected=["d" * 64],
    )
    ledger.open_intent(
        run_id, "theodoinq", "1.5.17", "2026-11", fingerprint="c" * 64, steps=["update"],
        expected=["c" * 64],
    )
    steps = LedgerBatch()
    for reached in ("a" * 64, "a" * 64, "f" * 64):
        steps.intent_step(first, reached)
    ledger.commit(steps)
    found = ledger.open_intents("nq71")
    assert set(found) == {("1.5.17", "2026-11"), ("1.1.1", "2026-11")}
    key = found[("1.5.17", "2026-11")]
    assert [i.id for i in key] == [first, second]
    assert key[0].expected == ["a" * 64, "f" * 64]
    assert key[0].reached == ["a" * 64, "f" * 64]
    assert (key[0].steps, key[0].run_id, key[0].closed_at) == (["create", "update"], run_id, None)
    for still_open in (2, 0):
        closing = LedgerBatch()
        closing.close_intents("nq71", "1.5.17", "2026-11", "updated")
        assert ledger.commit(closing) == still_open
    assert [i.id for i in ledger.open_intents("nq71")[("1.1.1", "2026-11")]] == [other]
    assert set(ledger.open_intents("nq71")) == {("1.1.1", "2026-11")}
    assert set(ledger.open_intents("theodoinq")) == {("1.5.17", "2026-11")}


def test_the_intents_of_one_write_are_opened_in_one_transaction(
    ledger: Ledger, run_id: str
) -> None:
    """A group of intents (one theodoinq save's rows) is opened in one transaction, their ids
    in the drafts' order, each draft as given; an empty group writes nothing."""
    drafts = [
        IntentDraft(code, "2026-11", digit * 64, ["save"], [digit * 64, digit * 64])
        for code, digit in (("1.1.1", "a"), ("1.5.17", "b"), ("2.1", "c"))
    ]
    begun: list[int] = []
    event.listen(ledger.engine, "begin", lambda connection: begun.append(1))
    ids = ledger.open_intent_group(run_id, "theodoinq", drafts)
    assert len(begun) == 1
    assert ledger.open_intent_group(run_id, "theodoinq", []) == []
    assert len(begun) == 1
    found = ledger.open_intents("theodoinq")
    assert [found[(d.target_code, "2026-11")][0].id for d in drafts] == ids == sorted(ids)
    opened = found[("1.5.17", "2026-11")][0]
    assert (opened.fingerprint, opened.steps, opened.expected, opened.reached) == (
        "b" * 64, ["save"], ["b" * 64], []
    )
    assert (opened.run_id, opened.closed_at) == (run_id, None)


def seen_entry(period: str, version: str, count: int, system: str = "nq71") -> SeenAttachmentsBase:
    """What a fetch read of one report's attachments."""
    attachments: list[dict[str, Any]] = [{"tai_lieu_id": f"TL-{n}"} for n in range(count)]
    return SeenAttachmentsBase(
        system=system, target_code="1.5.17", period=period, remote_id="1234",
        version=version, count=count, attachments=attachments,
    )


def test_remembered_attachments_are_replaced_per_report(ledger: Ledger) -> None:
    """What was read is recalled per (target, period) of one system; a later read replaces it."""
    at = datetime(2026, 11, 27, tzinfo=UTC)
    ledger.remember_attachments([])
    assert ledger.seen_attachments("nq71") == {}
    ledger.remember_attachments(
        [seen_entry("2026-10", "v1", 1), seen_entry("2026-11", "v1", 1),
         seen_entry("2026-11", "v1", 3, system="theodoinq")], at=at,
    )
    ledger.remember_attachments([seen_entry("2026-11", "v2", 2)], at=at + timedelta(days=1))
    seen = ledger.seen_attachments("nq71")
    assert set(seen) == {("1.5.17", "2026-10"), ("1.5.17", "2026-11")}
    latest = seen[("1.5.17", "2026-11")]
    assert (latest.version, latest.count, latest.seen_at) == ("v2", 2, at + timedelta(days=1))
    assert latest.attachments == [{"tai_lieu_id": "TL-0"}, {"tai_lieu_id": "TL-1"}]
    assert seen[("1.5.17", "2026-10")].version == "v1"
    assert ledger.seen_attachments("theodoinq")[("1.5.17", "2026-11")].count == 3


def test_datetimes_round_trip_as_aware_utc(ledger: Ledger) -> None:
    """Times are stored as instants and come back in UTC, whatever zone they were given in."""
    at = datetime(2026, 11, 27, 21, 5, 30, 123456, tzinfo=ICT)
    run = ledger.start_run(at=at)
    fetched = stored_run(ledger, run.run_id)
    assert fetched is not None
    assert fetched.started_at == at
    assert fetched.started_at.utcoffset() == timedelta(0)
    assert fetched.started_at.hour == 14


def test_naive_datetimes_are_refused(ledger: Ledger) -> None:
    """A naive datetime is refused rather than guessed at."""
    with pytest.raises(StatementError, match="timezone-aware"):
        ledger.start_run(at=datetime(2026, 11, 27, 14, 5))


def test_ledger_persists_across_connections(database_url: str) -> None:
    """What one ledger object wrote, another opened later reads."""
    with Ledger.open(database_url) as writer:
        noted(
            writer, "outcome", "nq71", "1.2.3", "2026-11", outcome="held", error="thiếu minh chứng"
        )
    with Ledger.open(database_url) as reader:
        state = reader.get_sync_state("nq71", "1.2.3", "2026-11")
    assert state is not None and state.last_error == "thiếu minh chứng"


def test_concurrent_writers_neither_fail_nor_duplicate(
    ledger: Ledger, at_once: Callable[..., list[BaseException]]
) -> None:
    """Threads writing the same and different keys at once all succeed, one row per key."""

    def worker(index: int) -> None:
        for round_ in range(5):
            noted(ledger, "outcome", "nq71", "1.5.1", "2026-11", outcome=f"w{index}-{round_}")
            noted(ledger, "outcome", "nq71", f"1.5.{index + 2}", "2026-11", outcome="held")
            ledger.record_upload("nq71", PDF, f"TL-{index}")

    assert at_once(8, worker) == []
    assert len(ledger.list_sync_states("nq71")) == 9
    upload = ledger.find_upload("nq71", PDF.sha256)
    assert upload is not None and upload.remote_file_id in {f"TL-{i}" for i in range(8)}
    with Session(ledger.engine) as session:
        assert len(session.exec(select(Evidence)).all()) == 1


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
