"""The sync ledger: nqsync's memory of runs, uploads, per-system sync state and intents.

`Ledger.open()` connects to `NQSYNC_DATABASE_URL` (SQLite `nqsync.db` in the working directory by
default) and, on first use, brings the tables up to date (`models.ledger.schema`). Each concern
is a small class of its own (`runs`, `sync_state`, `intents`, `uploads`, `seen_attachments`,
`batch`: a push stage's changes written together),
all on one engine; every method is one short transaction and returns detached `*Public`
models, so callers never hold a session.
"""

from typing import Self

from sqlalchemy import Connection

from models.db import make_engine
from models.ledger.batch import Batches
from models.ledger.intents import IntentDraft, Intents
from models.ledger.runs import Runs
from models.ledger.schema import migrate
from models.ledger.seen_attachments import RememberedAttachments
from models.ledger.sync_state import SyncStates
from models.ledger.uploads import Uploads
from models.ledger_tables import (
    IntentPublic,
    RunCreate,
    RunStatus,
    SeenAttachmentsBase,
    SeenAttachmentsPublic,
)
from models.settings import Settings, get_settings

__all__ = [
    "IntentDraft",
    "IntentPublic",
    "Ledger",
    "RunCreate",
    "RunStatus",
    "SeenAttachmentsBase",
    "SeenAttachmentsPublic",
]


class Ledger(Runs, SyncStates, Intents, Uploads, RememberedAttachments, Batches):
    """Every ledger concern on one engine; safe to share between threads."""

    @classmethod
    def open(cls, url: str | None = None, *, settings: Settings | None = None) -> Self:
        """A ledger on URL, else on the settings' `database_url`."""
        database_url = url or (settings or get_settings()).database_url
        return cls(make_engine(database_url), owns_engine=True)

    def _prepare(self, connection: Connection) -> None:
        migrate(connection)
