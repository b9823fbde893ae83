"""Bulk upserts (`models.bulk.upsert_many`): COPY through a staging table on PostgreSQL, a
chunked executemany otherwise, the same rows either way."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text

from models.bulk import COPY_AT_LEAST, upsert_many
from models.db import make_engine
from models.ledger import Ledger, RunCreate
from models.ledger.batch import LedgerBatch
from models.ledger_tables import LEDGER_METADATA

AT = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
HANOI = timezone(timedelta(hours=7))
ODD_TEXT = "Nâng cấp\tcổng \\ dịch vụ\ncông\r\"trực tuyến\" 'xã' \\N"
SEEN = LEDGER_METADATA.tables["ledger_seen_attachments"]
NAMES = ("remote_id", "version", "count", "attachments", "seen_at")
KEYS = ("system", "target_code", "period")
PRIVILEGE_CHECK = "has_database_privilege"


@pytest.fixture
def engine(ledger: Ledger, run_id: str) -> Engine:
    """The engine of a ledger whose tables are made (a run started), on each backend."""
    return ledger.engine


def statements(engine: Engine) -> list[tuple[str, bool]]:
    """A list of (SQL, executemany) of every statement but BEGIN sent through ENGINE from now
    on."""
    sent: list[tuple[str, bool]] = []

    def note(_conn: Any, _cursor: Any, sql: str, _params: Any, _ctx: Any, many: bool) -> None:
        if not sql.startswith("BEGIN"):
            sent.append((sql, many))

    event.listen(engine, "before_cursor_execute", note)
    return sent


def seen_row(i: int, version: str, *, at: datetime = AT) -> dict[str, Any]:
    """A remembered-attachments row whose text, JSON and time carry what COPY must escape."""
    return {
        "system": "nq71", "target_code": f"1.{i}", "period": "2026-11",
        "remote_id": f"{ODD_TEXT} {i}", "version": None if i % 7 == 0 else version,
        "count": i, "attachments": [{"ten": ODD_TEXT, "i": i, "so": [1.5, None, True]}],
        "seen_at": at,
    }


def table_rows(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """The remembered-attachments rows by target code."""
    with engine.connect() as connection:
        found = connection.execute(select(SEEN.c.target_code, *(SEEN.c[n] for n in NAMES)))
        return {row[0]: tuple(row[1:]) for row in found}


def expected(row: dict[str, Any]) -> tuple[Any, ...]:
    """What ROW should read back as."""
    return tuple(row[name] for name in NAMES)


def test_many_rows_are_inserted_then_replaced_with_every_value_intact(engine: Engine) -> None:
    """Rows with tabs, newlines, backslashes, quotes, Vietnamese text, nulls, nested JSON and a
    +07:00 time: inserted, then upserted on the same keys, read back exactly (times in UTC)."""
    count = COPY_AT_LEAST * 2
    first = [seen_row(i, "v1", at=AT.astimezone(HANOI)) for i in range(count)]
    with engine.begin() as connection:
        assert upsert_many(connection, SEEN, ("system", "target_code", "period"), NAMES,
                           first) == count
    assert table_rows(engine) == {row["target_code"]: expected(row) for row in first}
    assert all(row[-1].tzinfo is UTC for row in table_rows(engine).values())
    second = [seen_row(i, "v2", at=AT + timedelta(days=1)) for i in range(count)]
    with engine.begin() as connection:
        assert upsert_many(connection, SEEN, ("system", "target_code", "period"), NAMES,
                           second) == count
    assert table_rows(engine) == {row["target_code"]: expected(row) for row in second}


def test_postgresql_copies_many_rows_and_executes_few_row_by_row(engine: Engine) -> None:
    """On PostgreSQL `COPY_AT_LEAST` rows go through a staging table and one INSERT … SELECT;
    fewer, and every batch on SQLite, go as an executemany, which counts its rows on both."""
    sent = statements(engine)
    keys = ("system", "target_code", "period")
    with engine.begin() as connection:
        few = [seen_row(i, "v1") for i in range(3)]
        assert upsert_many(connection, SEEN, keys, NAMES, few) == 3
    assert [many for _, many in sent] == [True]
    sent.clear()
    with engine.begin() as connection:
        upsert_many(connection, SEEN, keys, NAMES,
                    [seen_row(i, "v1") for i in range(COPY_AT_LEAST)])
    sent[:] = [(sql, many) for sql, many in sent if PRIVILEGE_CHECK not in sql]
    if engine.dialect.name == "postgresql":
        assert [sql.split()[0] for sql, _ in sent] == ["CREATE", "INSERT", "DROP"]
        assert "SELECT" in sent[1][0] and not any(many for _, many in sent)
    else:
        assert [many for _, many in sent] == [True]
    assert len(table_rows(engine)) == COPY_AT_LEAST


def test_a_key_given_twice_leaves_its_later_row(engine: Engine) -> None:
    """Among many rows, a key given twice is written in order, the later row kept (one
    statement could not update a row twice, so such a batch is not copied)."""
    rows = [seen_row(i, "v1") for i in range(COPY_AT_LEAST)]
    rows.append(seen_row(5, "later"))
    with engine.begin() as connection:
        upsert_many(connection, SEEN, ("system", "target_code", "period"), NAMES, rows)
    found = table_rows(engine)
    assert len(found) == COPY_AT_LEAST
    assert found["1.5"][1] == "later"


def test_receipts_in_bulk_keep_what_a_later_receipt_leaves_out(
    ledger: Ledger, run_id: str
) -> None:
    """Two rounds of many receipts on the same keys in one commit: the second keeps the
    remote id and version the first wrote where it gives none, and sets its own outcome."""
    count = COPY_AT_LEAST + 10
    batch = LedgerBatch()
    for i in range(count):
        batch.receipt("nq71", f"1.{i}", "2026-11", run_id=run_id, outcome="created",
                      pushed_fingerprint="a" * 64, remote_id=str(i), remote_version="v1",
                      unit_code="VHXH", at=AT)
    for i in range(count):
        batch.receipt("nq71", f"1.{i}", "2026-11", run_id=run_id, outcome="updated",
                      pushed_fingerprint="b" * 64, at=AT + timedelta(hours=1))
    ledger.commit(batch)
    states = ledger.list_sync_states("nq71")
    assert len(states) == count
    for state in states:
        index = state.target_code.split(".")[1]
        assert (state.remote_id, state.last_seen_remote_version, state.unit_code) == (
            index, "v1", "VHXH"
        )
        assert (state.last_outcome, state.last_pushed_fingerprint) == ("updated", "b" * 64)
        assert (state.last_pushed_at, state.last_seen_remote_at) == (AT + timedelta(hours=1), AT)


def test_a_refused_row_among_many_writes_none_of_them(engine: Engine) -> None:
    """A naive datetime in the last of many rows refuses the lot; the next upsert works."""
    rows = [seen_row(i, "v1") for i in range(COPY_AT_LEAST)]
    rows[-1]["seen_at"] = datetime(2026, 11, 30)
    keys = ("system", "target_code", "period")
    with pytest.raises(Exception, match="timezone-aware"), engine.begin() as connection:
        upsert_many(connection, SEEN, keys, NAMES, rows)
    assert table_rows(engine) == {}
    rows[-1]["seen_at"] = AT
    with engine.begin() as connection:
        upsert_many(connection, SEEN, keys, NAMES, rows)
    assert len(table_rows(engine)) == COPY_AT_LEAST


def test_a_role_that_may_not_create_temporary_tables_upserts_row_by_row(
    postgres_url: str,
) -> None:
    """On PostgreSQL, a role without the TEMP privilege gets the executemany for many rows: the
    same rows read back, no staging table made."""
    role = f"nqsync_{uuid.uuid4().hex[:8]}"
    database = postgres_url.rsplit("/", 1)[1]
    admin = make_engine(postgres_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'REVOKE TEMPORARY ON DATABASE "{database}" FROM PUBLIC'))
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}"))
    admin.dispose()
    rows = [seen_row(i, "v1") for i in range(COPY_AT_LEAST * 2)]
    with Ledger.open(postgres_url.replace("//postgres@", f"//{role}@")) as ledger:
        ledger.start_run(RunCreate(systems=["nq71"]))
        sent = statements(ledger.engine)
        with ledger.engine.begin() as connection:
            assert upsert_many(connection, SEEN, KEYS, NAMES, rows) == len(rows)
        upserted = [many for sql, many in sent if PRIVILEGE_CHECK not in sql]
        assert table_rows(ledger.engine) == {row["target_code"]: expected(row) for row in rows}
    assert upserted == [True] and not any(sql.startswith("CREATE") for sql, _ in sent)
