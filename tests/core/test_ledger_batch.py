"""A push stage's ledger changes gathered in a `LedgerBatch` and written by one `Ledger.commit`."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from models.ledger import Ledger, SeenAttachmentsBase
from models.ledger.batch import LedgerBatch

AT = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)


def transactions(ledger: Ledger) -> list[int]:
    """A list that counts the transactions begun on the ledger's engine from now on."""
    begun: list[int] = []
    event.listen(ledger.engine, "begin", lambda connection: begun.append(1))
    return begun


def test_a_stage_of_changes_is_one_transaction_and_empties_the_batch(
    ledger: Ledger, run_id: str
) -> None:
    """Receipts, outcomes, closed intents, steps and attachments of many records: one
    transaction, every change written, the batch left empty."""
    intents = [
        ledger.open_intent(run_id, "nq71", f"1.{i}", "2026-11", fingerprint="f" * 64,
                           steps=["update"], expected=["f" * 64])
        for i in range(3)
    ]
    batch = LedgerBatch()
    for i in range(600):
        batch.receipt("nq71", f"1.{i}", "2026-11", run_id=run_id, pushed_fingerprint="f" * 64,
                      outcome="created", remote_id=str(i), remote_version="v1", at=AT)
    batch.outcome("nq71", "2.1", "2026-11", outcome="held", error="chờ minh chứng", at=AT)
    for i, intent in enumerate(intents):
        batch.intent_step(intent, "e" * 64)
        batch.close_intents("nq71", f"1.{i}", "2026-11", "created")
    batch.attachments([SeenAttachmentsBase(system="nq71", target_code="1.0", period="2026-11",
                                           remote_id="0", version="v1", count=1,
                                           attachments=[{"sha256": "a" * 64}])], at=AT)
    begun = transactions(ledger)
    ledger.commit(batch)
    assert len(begun) == 1
    assert len(batch) == 0
    states = {s.target_code: s for s in ledger.list_sync_states("nq71")}
    assert len(states) == 601
    assert (states["1.599"].remote_id, states["1.599"].last_seen_remote_at) == ("599", AT)
    assert (states["2.1"].last_outcome, states["2.1"].last_error) == ("held", "chờ minh chứng")
    assert states["2.1"].last_pushed_fingerprint is None
    assert ledger.open_intents("nq71") == {}
    assert ledger.seen_attachments("nq71")[("1.0", "2026-11")].attachments == [
        {"sha256": "a" * 64}
    ]
    before = len(begun)
    assert ledger.commit(batch) == 0
    assert len(begun) == before


def test_changes_to_one_row_keep_their_order(ledger: Ledger, run_id: str) -> None:
    """A receipt then an outcome on one key leaves the outcome over the receipt; an outcome
    then a receipt leaves the receipt with the error cleared; remote details not given stay."""
    batch = LedgerBatch()
    batch.receipt("nq71", "1.1", "2026-11", run_id=run_id, pushed_fingerprint="a" * 64,
                  outcome="created", remote_id="7", remote_row="CT01", remote_version="v1")
    batch.outcome("nq71", "1.1", "2026-11", outcome="conflict", error="sửa trên web")
    batch.outcome("nq71", "1.2", "2026-11", outcome="failed", error="HTTP 503")
    batch.receipt("nq71", "1.2", "2026-11", run_id=run_id, pushed_fingerprint="b" * 64,
                  outcome="updated")
    batch.receipt("nq71", "1.1", "2026-11", run_id=run_id, pushed_fingerprint="c" * 64,
                  outcome="updated")
    ledger.commit(batch)
    first = ledger.get_sync_state("nq71", "1.1", "2026-11")
    second = ledger.get_sync_state("nq71", "1.2", "2026-11")
    assert first is not None and second is not None
    assert (first.last_outcome, first.last_error, first.last_pushed_fingerprint) == (
        "updated", None, "c" * 64
    )
    assert (first.remote_id, first.remote_row, first.last_seen_remote_version) == (
        "7", "CT01", "v1"
    )
    assert (second.last_outcome, second.last_error) == ("updated", None)


def test_steps_of_one_intent_are_all_kept_once(ledger: Ledger, run_id: str) -> None:
    """Several steps of one intent in one batch are each reached once, in order."""
    intent = ledger.open_intent(run_id, "nq71", "1.1", "2026-11", fingerprint="f" * 64,
                                steps=["attach:x", "update"], expected=["a" * 64, "f" * 64])
    batch = LedgerBatch()
    for fingerprint in ("a" * 64, "a" * 64, "f" * 64):
        batch.intent_step(intent, fingerprint)
    ledger.commit(batch)
    assert ledger.open_intents("nq71")[("1.1", "2026-11")][0].reached == ["a" * 64, "f" * 64]


def test_a_refused_change_writes_nothing_of_the_batch(ledger: Ledger, run_id: str) -> None:
    """A naive datetime anywhere refuses the whole commit: no change of the batch is kept."""
    batch = LedgerBatch()
    batch.receipt("nq71", "1.1", "2026-11", run_id=run_id, pushed_fingerprint="a" * 64,
                  outcome="created")
    batch.outcome("nq71", "1.2", "2026-11", outcome="held",
                  at=datetime(2026, 11, 30) - timedelta(hours=1))
    with pytest.raises(Exception, match="timezone-aware"):
        ledger.commit(batch)
    assert ledger.list_sync_states("nq71") == []
