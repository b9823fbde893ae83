"""The ledger's schema version and the steps that bring an older database up to it.

Table `ledger_schema` holds one row: the version the database is at. `migrate` runs, in the
schema transaction of `models.db`, the steps after that version in order, then creates the
tables still missing (in their current shape), then records `SCHEMA_VERSION` (a newer version
is left as it is). A database without the version row is at version 0 (made before
versioning) if it has the ledger's runs table, and new otherwise: a new one gets today's
tables and no step. A step is a list of SQL statements written for the schema of the version
before it; add one at the end of `STEPS`, never change one that has shipped.
"""

from sqlalchemy import Connection, inspect, select, text
from sqlmodel import Field

from models.ledger_tables import LEDGER_METADATA, LedgerModel, Run

STEPS: tuple[tuple[str, ...], ...] = (
    (
        "DROP TABLE IF EXISTS ledger_attachment",
        "DROP TABLE IF EXISTS ledger_report",
    ),
)
"""Step N (1-based) takes a database from version N-1 to N. 1: the attachment and
canonical-report tables, written but never read, are dropped."""
SCHEMA_VERSION = len(STEPS)


class SchemaVersion(LedgerModel, table=True):
    """Table `ledger_schema`: the one row saying which version of the tables the database has."""

    __tablename__ = "ledger_schema"

    id: int = Field(default=1, primary_key=True)
    version: int


def migrate(connection: Connection) -> int:
    """Bring the ledger's tables on CONNECTION to `SCHEMA_VERSION`; the version found."""
    table = LEDGER_METADATA.tables[SchemaVersion.__tablename__]
    inspector = inspect(connection)
    stored: int | None = None
    if inspector.has_table(table.name):
        stored = connection.execute(select(table.c.version)).scalar()
    if stored is None:
        found = 0 if inspector.has_table(Run.__tablename__) else SCHEMA_VERSION
    else:
        found = stored
    for step in STEPS[found:]:
        for statement in step:
            connection.execute(text(statement))
    LEDGER_METADATA.create_all(connection)
    if stored is None:
        connection.execute(table.insert().values(id=1, version=SCHEMA_VERSION))
    elif stored < SCHEMA_VERSION:
        connection.execute(table.update().values(version=SCHEMA_VERSION))
    return found
