"""What a push stage notes after its writes, kept in memory and committed together.

Receipts, outcomes, closed intents, attachments read and the audit trail's outcome entries go
to one `Journal` per stage: one ledger transaction and one audit append every `FLUSH_EVERY`
changes and when the stage ends, instead of a few transactions per record on the event loop.
Nothing that must precede a write goes here: intents and their audit entries are committed
before the write they announce, so a journal lost to a crash leaves only open intents, which
the next run settles first (`connectors.planning`).
"""

from typing import ClassVar

from connectors.audit import Auditor
from models.ledger import Ledger
from models.ledger.batch import LedgerBatch


class Journal:
    """One stage's ledger changes (`batch`) and audit outcomes (`audit`), committed by `flush`."""

    FLUSH_EVERY: ClassVar[int] = 256
    """How many ledger changes may wait before `noted` commits them."""

    def __init__(self, ledger: Ledger, audit: Auditor) -> None:
        self.ledger = ledger
        self.audit = audit
        self.batch = LedgerBatch()

    def noted(self) -> None:
        """After a record is settled: commit once enough changes wait."""
        if len(self.batch) >= self.FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Commit the waiting ledger changes, then append the waiting audit entries."""
        self.ledger.commit(self.batch)
        self.audit.flush()
