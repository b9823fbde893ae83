"""A push stage's journal: ledger changes and audit outcomes wait, then are committed together."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from connectors.audit import Auditor
from connectors.base import PlannedChange
from connectors.journal import Journal
from models.audit import AuditTrail
from models.ledger import Ledger


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger on a fresh SQLite file."""
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as opened:
        yield opened


def test_outcomes_wait_for_the_flush_and_intents_do_not(ledger: Ledger) -> None:
    """An intent's audit entry is written at once; outcomes, receipts and closings only when
    the journal is flushed, in one ledger transaction and one audit append."""
    audit = Auditor(ledger.engine, "nq71", "run-1", {})
    journal = Journal(ledger, audit)
    intent = ledger.open_intent("run-1", "nq71", "1.1", "2026-11", fingerprint="f" * 64,
                                steps=["update"], expected=["f" * 64])
    audit.record("intent", "1.1", "2026-11", request={"gia_tri": 1})
    journal.batch.receipt("nq71", "1.1", "2026-11", run_id="run-1", pushed_fingerprint="f" * 64,
                          outcome="updated")
    journal.batch.close_intents("nq71", "1.1", "2026-11", "updated")
    audit.record("outcome", "1.1", "2026-11", response={"status": "updated"}, later=True)
    journal.noted()
    trail = AuditTrail(ledger.engine)
    assert [e.action for e in trail.history()] == ["intent"]
    assert ledger.get_sync_state("nq71", "1.1", "2026-11") is None
    assert [i.id for i in ledger.open_intents("nq71")[("1.1", "2026-11")]] == [intent]
    begun: list[int] = []
    event.listen(ledger.engine, "begin", lambda connection: begun.append(1))
    journal.flush()
    assert len(begun) == 2
    assert [e.action for e in trail.history()] == ["intent", "outcome"]
    assert trail.verify().ok
    state = ledger.get_sync_state("nq71", "1.1", "2026-11")
    assert state is not None and state.last_outcome == "updated"
    assert ledger.open_intents("nq71") == {}


def test_a_full_journal_is_committed_when_a_record_is_noted(ledger: Ledger) -> None:
    """Once `FLUSH_EVERY` changes wait, noting a settled record commits them."""
    journal = Journal(ledger, Auditor(ledger.engine, "nq71", "run-1", {}))
    for i in range(Journal.FLUSH_EVERY - 1):
        journal.batch.outcome("nq71", f"1.{i}", "2026-11", outcome="held")
    journal.noted()
    assert ledger.list_sync_states("nq71") == []
    journal.batch.outcome("nq71", "2.1", "2026-11", outcome="held")
    journal.noted()
    assert len(ledger.list_sync_states("nq71")) == Journal.FLUSH_EVERY
    assert len(journal.batch) == 0


def test_the_intents_of_one_write_are_appended_together_at_once(ledger: Ledger) -> None:
    """`record_changes` appends an entry per change with its request, at once (nothing waits
    for the flush) and in one transaction; the chain still verifies."""
    audit = Auditor(ledger.engine, "theodoinq", "run-1", {})
    changes = [
        PlannedChange(target_code=code, period="2026-11", action="update")
        for code in ("1.1", "1.2", "2.3")
    ]
    audit.record("write", "*", "2026-11", request={"upload": "a.pdf"})
    begun: list[int] = []
    event.listen(ledger.engine, "begin", lambda connection: begun.append(1))
    audit.record_changes("intent", [(c, {"grantId": 7, "row": c.target_code}) for c in changes])
    assert len(begun) == 1
    entries = AuditTrail(ledger.engine).history()[1:]
    assert [(e.action, e.target_code, e.request) for e in entries] == [
        ("intent", code, {"grantId": 7, "row": code}) for code in ("1.1", "1.2", "2.3")
    ]
    assert {(e.system, e.run_id, e.period) for e in entries} == {("theodoinq", "run-1", "2026-11")}
    assert AuditTrail(ledger.engine).verify().ok
