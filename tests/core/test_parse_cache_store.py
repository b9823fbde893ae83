"""The ledger's parse-cache table on SQLite and PostgreSQL: one SELECT per load, one bulk
upsert per save, entries of one code salt at a time."""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, inspect, select

from models.ledger import Ledger
from models.parse_cache import ParseCacheStore, ParseEntry, StoredParse

MOMENT = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
DATA = '{"outcome": {"records": [{"actual": "87.5"}]}, "tên": "Biên bản"}'


def entry(path: str, data: str = DATA, file: str = "CAX/CAX_2026-11.xlsx") -> StoredParse:
    return StoredParse(path=path, root="/nguon", file=file, data=data)


def test_saved_entries_are_loaded_by_a_later_store_under_their_salt(database_url: str) -> None:
    """What one run saves the next run loads, exactly, and only under the same salt."""
    saved = [entry("/nguon/CAX/a.xlsx"), entry("/nguon/VHXH/b.xlsx", file="VHXH/b.xlsx")]
    with ParseCacheStore.open(database_url) as store:
        assert store.save("s1", saved) == 2
    with ParseCacheStore.open(database_url) as store:
        assert store.load("s1") == {e.path: e for e in saved}
        assert store.load("s2") == {}


def test_a_path_saved_again_is_replaced_and_the_last_entry_of_a_batch_wins(
    database_url: str,
) -> None:
    """The upsert replaces salt, root, file and data of a path; within a batch the last counts."""
    with ParseCacheStore.open(database_url) as store:
        store.save("s1", [entry("/nguon/a.xlsx")])
        written = store.save(
            "s2", [entry("/nguon/a.xlsx", data="{}"), entry("/nguon/a.xlsx", data='{"b": 1}')]
        )
        assert written == 1
        assert store.load("s1") == {}
        assert store.load("s2") == {"/nguon/a.xlsx": entry("/nguon/a.xlsx", data='{"b": 1}')}


def test_a_large_batch_is_one_transaction_and_one_select_loads_it(database_url: str) -> None:
    """1234 entries are written whole; a load is one SELECT whatever the number of entries."""
    entries = [entry(f"/nguon/{i}.xlsx", data=f'{{"i": {i}}}') for i in range(1234)]
    statements: list[str] = []
    with ParseCacheStore.open(database_url) as store:
        assert store.save("s", entries) == 1234

        @event.listens_for(store.engine, "before_cursor_execute")
        def record(_c: object, _x: object, sql: str, *_: object) -> None:
            verb = sql.lstrip().split()[0].upper()
            if verb in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                statements.append(verb)

        loaded = store.load("s")
    assert loaded == {e.path: e for e in entries}
    assert statements == ["SELECT"]


def test_saving_nothing_writes_nothing(database_url: str) -> None:
    """An empty batch is no transaction and no row."""
    with ParseCacheStore.open(database_url) as store:
        assert store.save("s", []) == 0
        assert store.load("s") == {}


def test_the_table_lives_in_the_ledger_database_with_the_clock_time(tmp_path: Path) -> None:
    """The store shares the ledger's engine: `ledger_parse_cache` beside `ledger_run`, seen_at
    from the injected clock."""
    with Ledger.open(f"sqlite:///{tmp_path / 'nqsync.db'}") as ledger:
        ledger.list_sync_states("nq71")
        store = ParseCacheStore(ledger.engine, clock=lambda: MOMENT)
        store.save("s", [entry("/nguon/a.xlsx")])
        tables = set(inspect(ledger.engine).get_table_names())
        with ledger.engine.connect() as connection:
            row = connection.execute(select(ParseEntry.salt, ParseEntry.seen_at)).one()
    assert {"ledger_run", "ledger_parse_cache"} <= tables
    assert row.salt == "s"
    assert row.seen_at.replace(tzinfo=UTC) == MOMENT
