"""Bulk upserts of many rows: a chunked executemany, or on PostgreSQL a COPY into a staging
table and one `INSERT … SELECT … ON CONFLICT DO UPDATE`.

psycopg sends an executemany as one pipelined statement per row, and building each row's
parameters costs more client time than the database spends on it; COPY streams the rows in
PostgreSQL's text format instead, with the same values the executemany would bind (each
column's SQLAlchemy bind processing applies) and the same outcome, provided no key appears twice
(one statement cannot update a row twice), so rows with a repeated key, and small batches, take
the executemany. So does a role that may not create temporary tables (an administrator revoked
the TEMP privilege PUBLIC has by default).
"""

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Dialect, MetaData, Table, select
from sqlalchemy.dialects import postgresql

from models.db import execute_many, upsert

COPY_AT_LEAST = 64
"""Rows from which an upsert on PostgreSQL goes through COPY."""
_MAY_STAGE = "nqsync.may_create_temporary_tables"


def upsert_many(
    connection: Connection,
    table: Table,
    keys: Iterable[str],
    updated: Iterable[str] | Callable[[Any], Mapping[str, Any]],
    rows: Sequence[Mapping[str, Any]],
) -> int:
    """Upsert ROWS (mappings with the same columns) into TABLE on KEYS, within CONNECTION's
    transaction; UPDATED as for `models.db.upsert`. How many rows were inserted or updated."""
    keys = tuple(keys)
    dialect = connection.dialect.name
    if (
        dialect == "postgresql" and len(rows) >= COPY_AT_LEAST and _keys_unique(rows, keys)
        and _may_stage(connection)
    ):
        return _copy_upsert(connection, table, keys, updated, rows)
    return execute_many(connection, upsert(dialect, table, keys, updated), rows)


def _may_stage(connection: Connection) -> bool:
    """Whether the session's role may create temporary tables; asked once per database
    connection (kept in its `info`, which follows it through the pool)."""
    known = connection.info.get(_MAY_STAGE)
    if known is None:
        known = bool(connection.exec_driver_sql(
            "SELECT has_database_privilege(current_database(), 'TEMPORARY')"
        ).scalar())
        connection.info[_MAY_STAGE] = known
    return bool(known)


def _keys_unique(rows: Sequence[Mapping[str, Any]], keys: tuple[str, ...]) -> bool:
    return len({tuple(row[key] for key in keys) for row in rows}) == len(rows)


def _copy_upsert(
    connection: Connection,
    table: Table,
    keys: tuple[str, ...],
    updated: Iterable[str] | Callable[[Any], Mapping[str, Any]],
    rows: Sequence[Mapping[str, Any]],
) -> int:
    names = tuple(name for name in rows[0] if name in table.c)
    stage = _stage(table, names)
    preparer = connection.dialect.identifier_preparer
    staged = preparer.format_table(stage)
    listed = ", ".join(preparer.quote(name) for name in names)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS "
        f"SELECT {listed} FROM {preparer.format_table(table)} WITH NO DATA"
    )
    processors = [
        (name, _processor(table.c[name], connection.dialect)) for name in names
    ]
    cursor: Any = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {staged} ({listed}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([
                    row[name] if process is None else process(row[name])
                    for name, process in processors
                ])
    finally:
        cursor.close()
    statement = (
        _from_stage(table, keys, names, tuple(updated)) if not callable(updated)
        else _from_stage_set(table, keys, names, updated)
    )
    count: int = connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount
    connection.exec_driver_sql(f"DROP TABLE {staged}")
    return count


def _processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value of COLUMN before handing it to the driver."""
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(
        dialect
    )
    return processor


@functools.lru_cache(maxsize=64)
def _stage(table: Table, names: tuple[str, ...]) -> Table:
    """The staging table of NAMES of TABLE: temporary, dropped once its rows are upserted."""
    return Table(
        f"nqsync_stage_{table.name}", MetaData(),
        *(Column(name, table.c[name].type) for name in names),
    )


@functools.lru_cache(maxsize=64)
def _from_stage(
    table: Table, keys: tuple[str, ...], names: tuple[str, ...], updated: tuple[str, ...]
) -> Any:
    return _from_stage_set(table, keys, names, lambda new: {name: new[name] for name in updated})


def _from_stage_set(
    table: Table,
    keys: tuple[str, ...],
    names: tuple[str, ...],
    updated: Callable[[Any], Mapping[str, Any]],
) -> Any:
    inserted = postgresql.insert(table).from_select(names, select(*_stage(table, names).c))
    return inserted.on_conflict_do_update(
        index_elements=[table.c[key] for key in keys], set_=dict(updated(inserted.excluded))
    )
