"""The promises of `TargetAdapter`, checked on every adapter against its mock."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.base import TargetAdapter
from mock_servers.nq71 import Nq71MockConfig
from mock_servers.nq71 import create_app as create_nq71
from mock_servers.theodoinq import TheodoinqMockConfig
from mock_servers.theodoinq import create_app as create_theodoinq
from models.ledger import Ledger
from models.records import Status
from models.status import EntryStatus
from tests.integration import test_nq71_adapter, test_theodoinq_adapter
from tests.integration.adapter_support import evidence, pdf, record

PERIOD = "2026-11"


@dataclass
class Subject:
    adapter: TargetAdapter
    ledger: Ledger
    writes: Callable[[], Awaitable[int]]
    fresh: Callable[[], TargetAdapter]


def _counter(mock: httpx.AsyncClient, keys: tuple[str, ...]) -> Callable[[], Awaitable[int]]:
    async def writes() -> int:
        counts: dict[str, Any] = (await mock.get("/_admin/state")).json()["counts"]
        return sum(int(counts[k]) for k in keys)

    return writes


@pytest.fixture(params=["theodoinq", "nq71"])
async def subject(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Subject]:
    if request.param == "theodoinq":
        app = create_theodoinq(TheodoinqMockConfig(rate=1000, burst=1000))
        base, keys = "http://theodoinq.test", ("saves", "uploads", "submits")
        transport = httpx.ASGITransport(app=app)
        builder: Any = test_theodoinq_adapter.build
    else:
        app = create_nq71(Nq71MockConfig(seed=3))
        base, keys = "http://nq71.test", ("posts", "puts", "attachments", "parts")
        transport = httpx.ASGITransport(app=app)
        builder = test_nq71_adapter.build
    adapter = builder(base, transport, tmp_path)
    async with httpx.AsyncClient(transport=transport, base_url=base) as mock:
        yield Subject(
            adapter, adapter.ledger, _counter(mock, keys),
            lambda: builder(base, transport, tmp_path),
        )
    adapter.ledger.close()


def records(root: Path) -> list[Any]:
    proof = evidence(root, "qd.pdf", pdf("quyết định"))
    return [
        record("1.1.1", actual=45, progress=75),
        record("1.5.5", actual=100, progress=100, status=Status.COMPLETED, files=(proof,)),
        record("1.4.3", actual=100, progress=100, status=Status.COMPLETED),
        record("1.5.26", status=Status.NOT_STARTED),
    ]


async def test_fetch_covers_the_periods_asked(subject: Subject) -> None:
    """A snapshot is of the adapter's system and the periods asked for."""
    snapshot = await subject.adapter.fetch([PERIOD])
    assert snapshot.system == subject.adapter.system
    assert snapshot.periods == [PERIOD]
    assert all(r.period == PERIOD for r in snapshot.reports)


async def test_planning_writes_nothing(subject: Subject, tmp_path: Path) -> None:
    """fetch and plan (a dry run) make no write to the remote."""
    before = await subject.writes()
    plan = subject.adapter.plan(records(tmp_path), await subject.adapter.fetch([PERIOD]))
    assert plan.count("create") + plan.count("update") == 3
    assert plan.count("hold") == 1
    assert await subject.writes() == before


async def test_one_outcome_per_key_in_plan_order(subject: Subject, tmp_path: Path) -> None:
    """apply answers once per planned (target, period), in order, with a known outcome."""
    plan = subject.adapter.plan(records(tmp_path), await subject.adapter.fetch([PERIOD]))
    outcomes = await subject.adapter.apply(plan, run_id="conformance")
    assert [(o.target_code, o.period) for o in outcomes] == [
        (c.target_code, c.period) for c in plan.changes
    ]
    by_code = {o.target_code: o.outcome for o in outcomes}
    assert by_code["1.4.3"] is EntryStatus.HELD
    assert {by_code[c] for c in ("1.1.1", "1.5.5", "1.5.26")} <= {
        EntryStatus.CREATED, EntryStatus.UPDATED
    }


async def test_writes_leave_receipts_and_a_rerun_writes_nothing(
    subject: Subject, tmp_path: Path
) -> None:
    """After a write the ledger holds a receipt; the same records again cause no write."""
    adapter = subject.adapter
    await adapter.apply(adapter.plan(records(tmp_path), await adapter.fetch([PERIOD])),
                        run_id="one")
    state = subject.ledger.get_sync_state(adapter.system, "1.1.1", PERIOD)
    assert state is not None and state.last_pushed_fingerprint
    assert state.last_seen_remote_fingerprint and state.last_seen_remote_version
    assert state.remote_id
    before = await subject.writes()
    again = await adapter.apply(
        adapter.plan(records(tmp_path), await adapter.fetch([PERIOD])), run_id="two"
    )
    assert {o.outcome for o in again} == {EntryStatus.IN_SYNC, EntryStatus.HELD}
    assert await subject.writes() == before


async def test_a_plan_survives_serialisation_and_a_fresh_adapter(
    subject: Subject, tmp_path: Path
) -> None:
    """A plan made by one adapter, sent through JSON, is applied by a new adapter."""
    from connectors.base import SyncPlan

    plan = subject.adapter.plan(records(tmp_path), await subject.adapter.fetch([PERIOD]))
    revived = SyncPlan.model_validate_json(plan.model_dump_json())
    outcomes = await subject.fresh().apply(revived, run_id="revived")
    assert {o.target_code: o.outcome for o in outcomes}["1.1.1"] is EntryStatus.CREATED
