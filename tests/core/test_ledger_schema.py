from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    inspect,
    text,
)

import models.ledger.schema as schema
from models.db import make_engine
from models.ledger import Ledger
from models.ledger.batch import LedgerBatch
from models.ledger_tables import LEDGER_METADATA
from models.records import EvidenceFile

AT = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
PDF = EvidenceFile(path="minh-chung/ke-hoach.pdf", sha256="ab" * 32, size=1234)
RETIRED = {"ledger_report", "ledger_attachment"}


def _retired_tables() -> list[Table]:
    """`ledger_report` and `ledger_attachment` as the schema before versioning defined them."""
    old = MetaData()
    Table("ledger_run", old, Column("run_id", String(64), primary_key=True))
    Table("ledger_evidence", old, Column("sha256", String(64), primary_key=True))
    report = Table(
        "ledger_report", old,
        Column("unit_code", String(32), nullable=False),
        Column("target_code", String(16), nullable=False),
        Column("period", String(7), nullable=False),
        Column("actual", Float),
        Column("progress_percent", Float),
        Column("status", String(16), nullable=False),
        Column("note", String, nullable=False),
        Column("reporter", String, nullable=False),
        Column("evidence_sha256", JSON, nullable=False),
        Column("document_number", String, nullable=False),
        Column("issue_date", String),
        Column("fingerprint", String(64), nullable=False),
        Column("source_file", String, nullable=False),
        Column("source_sheet", String, nullable=False),
        Column("source_row", Integer, nullable=False),
        Column("id", Integer, primary_key=True),
        Column("first_seen_run_id", String(64), ForeignKey("ledger_run.run_id"), nullable=False),
        Column("last_seen_run_id", String(64), ForeignKey("ledger_run.run_id"), nullable=False),
        Column("changed_run_id", String(64), ForeignKey("ledger_run.run_id"), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        UniqueConstraint("unit_code", "target_code", "period"),
    )
    attachment = Table(
        "ledger_attachment", old,
        Column("system", String(16), nullable=False),
        Column("target_code", String(16), nullable=False),
        Column("period", String(7), nullable=False),
        Column("sha256", String(64), ForeignKey("ledger_evidence.sha256"), nullable=False),
        Column("remote_report", String, nullable=False),
        Column("remote_file_id", String, nullable=False),
        Column("remote_attachment_id", String),
        Column("attached_at", DateTime(timezone=True), nullable=False),
        Column("id", Integer, primary_key=True),
        UniqueConstraint("system", "target_code", "period", "sha256"),
    )
    return [report, attachment]


def make_previous_schema(engine: Engine) -> None:
    """A ledger database as nqsync made it before `ledger_schema`, with a row in every table
    that matters: a run, its canonical report, an uploaded file attached, a sync state."""
    kept = [t for name, t in LEDGER_METADATA.tables.items() if name.startswith("ledger_")
            and name != schema.SchemaVersion.__tablename__]
    with engine.begin() as connection:
        LEDGER_METADATA.create_all(connection, tables=kept)
        report, attachment = _retired_tables()
        report.metadata.create_all(connection, tables=[report, attachment])
        statements = [
            "INSERT INTO ledger_run (run_id, started_at, dry_run, systems, code_version, "
            "source_files, status) VALUES ('r1', :at, false, '[]', 'x', '{}', 'succeeded')",
            "INSERT INTO ledger_evidence (sha256, path, size, first_seen_at, last_seen_at) "
            "VALUES (:sha, 'a.pdf', 1, :at, :at)",
            "INSERT INTO ledger_report (unit_code, target_code, period, status, note, reporter, "
            "evidence_sha256, document_number, fingerprint, source_file, source_sheet, "
            "source_row, first_seen_run_id, last_seen_run_id, changed_run_id, updated_at) "
            "VALUES ('VHXH', '1.5.17', '2026-11', 'in_progress', '', '', '[]', '', :sha, "
            "'VHXH.xlsx', 'Báo cáo', 4, 'r1', 'r1', 'r1', :at)",
            "INSERT INTO ledger_attachment (system, target_code, period, sha256, remote_report, "
            "remote_file_id, attached_at) VALUES ('nq71', '1.5.17', '2026-11', :sha, '7', "
            "'TL-1', :at)",
            "INSERT INTO ledger_sync_state (system, target_code, period, remote_id, "
            "last_outcome, updated_at) VALUES ('nq71', '1.5.17', '2026-11', '7', 'created', :at)",
        ]
        for statement in statements:
            connection.execute(text(statement), {"at": AT, "sha": PDF.sha256})


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database of each backend."""
    made = make_engine(database_url)
    yield made
    made.dispose()


def tables(engine: Engine) -> set[str]:
    """The names of the tables the database holds now."""
    return set(inspect(engine).get_table_names())


def version(engine: Engine) -> int | None:
    """The version `ledger_schema` records."""
    with engine.connect() as connection:
        found: int | None = connection.execute(text("SELECT version FROM ledger_schema")).scalar()
        return found


def test_a_database_of_the_previous_schema_is_migrated_keeping_its_data(
    database_url: str, engine: Engine
) -> None:
    """Opening a pre-versioning ledger drops the unread tables, keeps every other row and
    records the current version."""
    make_previous_schema(engine)
    assert tables(engine) >= RETIRED
    with Ledger.open(database_url) as ledger:
        state = ledger.get_sync_state("nq71", "1.5.17", "2026-11")
        upload = ledger.record_upload("nq71", PDF, "TL-1")
    assert state is not None and (state.remote_id, state.last_outcome) == ("7", "created")
    assert upload.remote_file_id == "TL-1"
    assert not RETIRED & tables(engine)
    assert {"ledger_schema", "ledger_run", "ledger_evidence"} <= tables(engine)
    assert version(engine) == schema.SCHEMA_VERSION == 1
    with engine.connect() as connection:
        assert connection.execute(text("SELECT run_id FROM ledger_run")).scalars().all() == ["r1"]
        rows = connection.execute(text("SELECT count(*) FROM ledger_schema")).scalar()
    assert rows == 1


def test_a_step_runs_once(database_url: str, engine: Engine) -> None:
    """A database at the current version is not migrated again: a table of the dropped name
    made afterwards stays."""
    with Ledger.open(database_url) as ledger:
        ledger.list_sync_states("nq71")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE ledger_report (id INTEGER PRIMARY KEY)"))
    with Ledger.open(database_url) as ledger:
        ledger.list_sync_states("nq71")
    assert "ledger_report" in tables(engine)
    assert version(engine) == schema.SCHEMA_VERSION


def test_a_new_database_gets_todays_tables_and_no_step(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On an empty database no step runs (one that would fail is never tried); it is stamped
    with the newest version."""
    broken = (*schema.STEPS, ("DROP TABLE ledger_no_such_table",))
    monkeypatch.setattr(schema, "STEPS", broken)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(broken))
    with Ledger.open(database_url) as ledger:
        assert ledger.list_uploads("nq71") == []
    assert version(engine) == len(broken)


def test_only_the_pending_steps_run_in_order(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database at version 1 runs the steps after it, in order, and records the last."""
    with Ledger.open(database_url) as ledger:
        ledger.list_uploads("nq71")
    steps = (
        *schema.STEPS,
        ("CREATE TABLE ledger_tmp (id INTEGER PRIMARY KEY)",),
        ("CREATE TABLE ledger_tmp2 (id INTEGER PRIMARY KEY)", "DROP TABLE ledger_tmp"),
    )
    monkeypatch.setattr(schema, "STEPS", steps)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(steps))
    with Ledger.open(database_url) as ledger:
        ledger.list_uploads("nq71")
    assert "ledger_tmp2" in tables(engine) and "ledger_tmp" not in tables(engine)
    assert version(engine) == 3


def test_a_newer_version_is_left_as_it_is(database_url: str, engine: Engine) -> None:
    """A database a newer nqsync stamped keeps its version number."""
    with Ledger.open(database_url) as ledger:
        ledger.list_uploads("nq71")
    with engine.begin() as connection:
        connection.execute(text("UPDATE ledger_schema SET version = 99"))
    with Ledger.open(database_url) as ledger:
        ledger.list_uploads("nq71")
    assert version(engine) == 99


def test_ledgers_opened_at_once_migrate_once(
    database_url: str, engine: Engine, at_once: Callable[..., list[BaseException]]
) -> None:
    """Several ledgers (own engines, own connections) opening an old database together all
    work; the tables are dropped and one version row is written."""
    make_previous_schema(engine)

    def worker(index: int) -> None:
        with Ledger.open(database_url) as ledger:
            batch = LedgerBatch()
            batch.outcome("nq71", f"1.1.{index}", "2026-11", outcome="held")
            ledger.commit(batch)

    assert at_once(4, worker) == []
    assert not RETIRED & tables(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ledger_schema")).scalar() == 1
        states = connection.execute(text("SELECT count(*) FROM ledger_sync_state")).scalar()
    assert states == 5
