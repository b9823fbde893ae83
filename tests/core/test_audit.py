import hashlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from models.audit import GENESIS_HASH, AuditEntryCreate, AuditTrail, entry_hash
from models.db import make_engine
from models.fingerprint import canonical_json

ICT = timezone(timedelta(hours=7))
REPO = Path(__file__).resolve().parents[2]


def entry(n: int = 0, **changes: object) -> AuditEntryCreate:
    values: dict[str, object] = {
        "run_id": "20261127T140500Z-3f9a1c",
        "system": "nq71",
        "target_code": "1.5.17",
        "period": "2026-11",
        "unit_code": "VHXH",
        "action": "write",
        "request": {"gia_tri_thuc_hien": f"87,{n}", "ghi_chu": "Đạt"},
        "response": {"thanh_cong": True, "ngay_cap_nhat": "27/11/2026 14:05:00"},
        "source_file": "VHXH_2026-11.xlsx",
        "source_sha256": "ab" * 32,
    }
    values.update(changes)
    return AuditEntryCreate.model_validate(values)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    yield made
    made.dispose()


@pytest.fixture
def trail(engine: Engine) -> AuditTrail:
    return AuditTrail(engine)


def tamper(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def test_entries_get_gap_free_seqs_and_chain_to_each_other(trail: AuditTrail) -> None:
    """Appended entries are numbered 1, 2, … and each carries the previous entry's hash."""
    trail.append([entry(1), entry(2)])
    trail.append([entry(3)])
    rows = trail.history()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert len({r.hash for r in rows}) == 3
    assert rows[2].request["gia_tri_thuc_hien"] == "87,3"


def test_hash_is_sha256_of_prev_hash_and_canonical_content(trail: AuditTrail) -> None:
    """hash = sha256(prev_hash + canonical JSON of seq, at and the entry's fields)."""
    at = datetime(2026, 11, 27, 14, 5, 0, 123456, tzinfo=ICT)
    [first] = trail.append([entry(5, at=at, approver="Trần Thị B")])
    content = {
        "seq": 1,
        "at": "2026-11-27T07:05:00.123456+00:00",
        "run_id": "20261127T140500Z-3f9a1c",
        "system": "nq71",
        "target_code": "1.5.17",
        "period": "2026-11",
        "unit_code": "VHXH",
        "action": "write",
        "request": {"gia_tri_thuc_hien": "87,5", "ghi_chu": "Đạt"},
        "response": {"thanh_cong": True, "ngay_cap_nhat": "27/11/2026 14:05:00"},
        "source_file": "VHXH_2026-11.xlsx",
        "source_sha256": "ab" * 32,
        "approver": "Trần Thị B",
    }
    expected = hashlib.sha256((GENESIS_HASH + canonical_json(content)).encode()).hexdigest()
    assert first.hash == expected
    assert first.at == at and first.at.tzinfo == UTC


def test_secrets_are_dropped_at_any_depth(trail: AuditTrail) -> None:
    """Keys naming a secret (authorization, password, token, secret…) never reach the table."""
    request = {
        "headers": {"Authorization": "Bearer abc", "X-Ma-Dinh-Danh": "000.00.32.H19"},
        "body": [{"password": "p", "username": "dp.vhxh", "client_secret": "s"}],
        "access_token": "t",
        "value": Decimal("87.500"),
    }
    trail.append([entry(request=request, response={"data": {"accessToken": "x", "id": 7}})])
    [row] = trail.history()
    assert row.request == {
        "headers": {"X-Ma-Dinh-Danh": "000.00.32.H19"},
        "body": [{"username": "dp.vhxh"}],
        "value": 87.5,
    }
    assert row.response == {"data": {"id": 7}}
    assert trail.verify().ok


def test_intact_chain_verifies_with_count_and_head(trail: AuditTrail) -> None:
    """verify() on an untouched chain is OK and reports the count and the newest hash."""
    assert trail.verify().ok and trail.verify().count == 0
    trail.append([entry(n) for n in range(4)])
    result = trail.verify()
    assert (result.ok, result.count, result.last_seq) == (True, 4, 4)
    assert result.last_hash == trail.history()[-1].hash
    assert result.problem is None and result.seq is None


def test_changing_one_row_through_sql_names_that_row(trail: AuditTrail, engine: Engine) -> None:
    """Editing one entry's value in the table makes verify name that entry: content changed."""
    trail.append([entry(n) for n in range(5)])
    tamper(engine, "UPDATE ledger_audit SET source_file = :f WHERE seq = 3", f="VPUB.xlsx")
    result = trail.verify()
    assert (result.ok, result.seq, result.problem) == (False, 3, "content_changed")
    assert "#3" in result.message and "bị sửa" in result.message


def test_changing_the_json_request_is_caught(trail: AuditTrail, engine: Engine) -> None:
    """Editing what was sent (a JSON column) is caught as a content change of that entry."""
    trail.append([entry(n) for n in range(3)])
    sent = json.dumps({"gia_tri_thuc_hien": "99", "ghi_chu": "Đạt"})
    tamper(engine, "UPDATE ledger_audit SET request = :r WHERE seq = 2", r=sent)
    result = trail.verify()
    assert (result.seq, result.problem) == (2, "content_changed")


def test_rewriting_a_row_with_a_fresh_hash_breaks_the_next_link(
    trail: AuditTrail, engine: Engine
) -> None:
    """An entry rewritten with a matching new hash still breaks the link of the entry after it."""
    trail.append([entry(n) for n in range(4)])
    row = trail.history()[1]
    fields = row.model_dump(exclude={"seq", "at", "prev_hash", "hash"})
    fields["approver"] = "Người giả"
    forged = entry_hash(row.prev_hash, row.seq, row.at, fields)
    tamper(
        engine, "UPDATE ledger_audit SET approver = :a, hash = :h WHERE seq = 2",
        a="Người giả", h=forged,
    )
    result = trail.verify()
    assert (result.ok, result.seq, result.problem) == (False, 3, "link_broken")
    assert "#2" in result.message


def test_deleting_a_row_is_named_as_missing(trail: AuditTrail, engine: Engine) -> None:
    """A deleted entry in the middle is reported missing by its seq."""
    trail.append([entry(n) for n in range(4)])
    tamper(engine, "DELETE FROM ledger_audit WHERE seq = 2")
    result = trail.verify()
    assert (result.ok, result.seq, result.problem) == (False, 2, "entry_missing")
    assert "#2" in result.message


def test_a_bad_entry_refuses_the_whole_batch(trail: AuditTrail) -> None:
    """A batch with an entry that cannot be stored writes none of its entries."""
    trail.append([entry(0)])
    with pytest.raises(TypeError):
        trail.append([entry(1), entry(2, request={"x": object()})])
    with pytest.raises(ValueError):
        trail.append([entry(3), entry(4, at=datetime(2026, 11, 27, 14, 5))])
    assert [r.seq for r in trail.history()] == [1]
    trail.append([entry(5)])
    assert trail.verify().count == 2 and trail.verify().ok


def test_history_filters_by_period_and_target(trail: AuditTrail) -> None:
    """history() narrows to one period and/or one target, in seq order."""
    trail.append(
        [
            entry(1, period="2026-10"),
            entry(2, target_code="1.2.2"),
            entry(3),
            entry(4, period="2026-10", target_code="1.2.2"),
        ]
    )
    assert [r.seq for r in trail.history(period="2026-10")] == [1, 4]
    assert [r.seq for r in trail.history(target="1.2.2")] == [2, 4]
    assert [r.seq for r in trail.history(period="2026-11", target="1.5.17")] == [3]


def test_another_engine_reads_and_extends_the_same_chain(database_url: str) -> None:
    """A chain written through one engine is verified and extended through another."""
    first = make_engine(database_url)
    AuditTrail(first).append([entry(1)])
    first.dispose()
    second = make_engine(database_url)
    trail = AuditTrail(second)
    trail.append([entry(2)])
    assert trail.verify().count == 2 and trail.verify().ok
    second.dispose()


def test_concurrent_threads_keep_one_chain(
    trail: AuditTrail, at_once: Callable[..., list[BaseException]]
) -> None:
    """Threads appending at once leave one gap-free chain; each batch stays contiguous."""

    def worker(index: int) -> None:
        for round_ in range(8):
            trail.append(
                [entry(round_, run_id=f"t{index}-{round_}", action=a)
                 for a in ("intent", "write")]
            )

    assert at_once(6, worker) == []
    result = trail.verify()
    assert (result.ok, result.count) == (True, 96)
    rows = trail.history()
    assert [r.seq for r in rows] == list(range(1, 97))
    for intent, write in zip(rows[::2], rows[1::2], strict=True):
        assert (intent.run_id, intent.action, write.action) == (write.run_id, "intent", "write")


WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from models.audit import AuditEntryCreate, AuditTrail
    from models.db import make_engine

    url, name, go, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    trail = AuditTrail(make_engine(url))
    deadline = time.monotonic() + 300
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    for n in range(count):
        trail.append([AuditEntryCreate(run_id=name, system="theodoinq", target_code="1.5.17",
                                       period="2026-11", action="write", request={"n": n})])
    """
)


def test_concurrent_processes_keep_one_chain(
    trail: AuditTrail, database_url: str, tmp_path: Path
) -> None:
    """Two processes appending at once (two runs) leave one gap-free, verifiable chain."""
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, database_url, f"run-{i}", str(go), "30"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(2)
    ]
    go.touch()
    for worker in workers:
        _, stderr = worker.communicate(timeout=600)
        assert worker.returncode == 0, stderr
    result = trail.verify()
    assert (result.ok, result.count) == (True, 60)
    rows = trail.history()
    assert [r.seq for r in rows] == list(range(1, 61))
    for name in ("run-0", "run-1"):
        assert [r.request["n"] for r in rows if r.run_id == name] == list(range(30))
