import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.http.client import make_client
from connectors.http.pacing import InFlightLimit
from connectors.nq71.adapter import Nq71Adapter
from connectors.nq71.client import Nq71Client
from connectors.nq71.mapping import report_fields
from mock_servers.common.server import serving
from mock_servers.nq71 import Nq71MockConfig, create_app
from models.ledger import Ledger
from models.records import ProgressRecord, Status
from models.status import EntryStatus
from tests.integration.adapter_support import FAST, admin, evidence, pdf, record

PERIOD = "2026-11"


def build(
    base_url: str,
    transport: httpx.AsyncBaseTransport | None,
    root: Path,
    *,
    timeout: float = 30.0,
    mapping: Path | None = None,
) -> Nq71Adapter:
    http = make_client(base_url, timeout=timeout, transport=transport)
    client = Nq71Client(
        http, "nqsync-dev-client", SecretStr("nqsync-dev-secret"), "26491", "000.00.32.H19",
        pacer=InFlightLimit(4), policy=FAST,
    )
    ledger = Ledger.open(f"sqlite:///{root / 'ledger.db'}")
    return Nq71Adapter(client, ledger, root, mapping)


async def run(adapter: Nq71Adapter, records: list[ProgressRecord]) -> dict[str, EntryStatus]:
    plan = adapter.plan(records, await adapter.fetch([PERIOD]))
    return {o.target_code: o.outcome for o in await adapter.apply(plan, run_id="test-run")}


@dataclass
class Rig:
    adapter: Nq71Adapter
    mock: httpx.AsyncClient
    root: Path

    async def state(self) -> dict[str, Any]:
        data: dict[str, Any] = await admin(self.mock, "GET", "state")
        return data

    async def reports(self, code: str) -> list[dict[str, Any]]:
        state = await self.state()
        ct = next(i["ma_chi_tieu"] for i in state["indicators"] if i["plan_code"] == code)
        return [r for r in state["reports"] if r["ma_chi_tieu"] == ct]


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    app = create_app(Nq71MockConfig(seed=7))
    transport = httpx.ASGITransport(app=app)
    adapter = build("http://nq71.test", transport, tmp_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://nq71.test") as mock:
        yield Rig(adapter, mock, tmp_path)
    adapter.ledger.close()


def sample(root: Path) -> list[ProgressRecord]:
    proof = evidence(root, "vneid.pdf", pdf("VNeID"))
    return [
        record("1.5.17", actual=87.5, progress=97, note="Đạt 87,5%"),
        record("1.5.24", actual=100, progress=100, status=Status.COMPLETED, files=(proof,)),
        record("1.2.2", actual=100, progress=100, status=Status.COMPLETED),
    ]


async def test_first_push_creates_attaches_then_completes(rig: Rig) -> None:
    """Reports are created once, evidence attached, and completion set after the evidence."""
    outcomes = await run(rig.adapter, sample(rig.root))
    assert outcomes == {"1.5.17": EntryStatus.CREATED, "1.5.24": EntryStatus.CREATED,
                        "1.2.2": EntryStatus.HELD}
    [vneid] = await rig.reports("1.5.17")
    assert (vneid["gia_tri_thuc_hien"], vneid["ty_le_hoan_thanh"]) == ("87,5", "97")
    assert vneid["tinh_trang"] == 2 and vneid["ky_bao_cao"] == "11/2026"
    [done] = await rig.reports("1.5.24")
    assert done["tinh_trang"] == 3 and done["so_minh_chung"] == 1
    assert await rig.reports("1.2.2") == []
    counts = (await rig.state())["counts"]
    assert counts["posts"] == 2 and counts["attachments"] == 1
    assert counts["throttled"] == 0 and counts["peak_in_flight"] <= 4


async def test_second_run_with_nothing_changed_writes_nothing(rig: Rig) -> None:
    """A rerun writes nothing: no POST, PUT, part or attachment."""
    await run(rig.adapter, sample(rig.root))
    before = (await rig.state())["counts"]
    outcomes = await run(rig.adapter, sample(rig.root))
    assert outcomes == {"1.5.17": EntryStatus.IN_SYNC, "1.5.24": EntryStatus.IN_SYNC,
                        "1.2.2": EntryStatus.HELD}
    after = (await rig.state())["counts"]
    for kind in ("posts", "puts", "attachments", "parts"):
        assert after[kind] == before[kind], kind


async def test_a_change_is_an_update_of_the_same_report(rig: Rig) -> None:
    """A changed value updates the one report in place."""
    await run(rig.adapter, sample(rig.root))
    changed = sample(rig.root)
    changed[0] = record("1.5.17", actual=89, progress=99, status=Status.IN_PROGRESS)
    assert (await run(rig.adapter, changed))["1.5.17"] == EntryStatus.UPDATED
    [vneid] = await rig.reports("1.5.17")
    assert vneid["gia_tri_thuc_hien"] == "89"


async def test_a_persons_edit_is_a_conflict_and_is_not_overwritten(rig: Rig) -> None:
    """A report edited on the web since our push is a conflict, left as the person left it."""
    await run(rig.adapter, sample(rig.root))
    [vneid] = await rig.reports("1.5.17")
    await admin(rig.mock, "POST", "human-edit", json={"id": vneid["id"],
                                                      "gia_tri_thuc_hien": "92"})
    changed = sample(rig.root)
    changed[0] = record("1.5.17", actual=88, progress=98)
    assert (await run(rig.adapter, changed))["1.5.17"] == EntryStatus.CONFLICT
    [after] = await rig.reports("1.5.17")
    assert after["gia_tri_thuc_hien"] == "92"


async def test_duplicates_on_the_remote_are_reported_never_added_to(rig: Rig) -> None:
    """Two reports already there for one key: one is updated, none is created."""
    target = record("1.5.17", actual=80, progress=90)
    snapshot = await rig.adapter.fetch([PERIOD])
    indicator = snapshot.context["indicators"]["1.5.17"]
    fields = report_fields(target, indicator)
    for _ in range(2):
        await rig.adapter.client.create_report(fields)
    snapshot = await rig.adapter.fetch([PERIOD])
    remote = snapshot.get("1.5.17", PERIOD)
    assert remote is not None and len(remote.duplicates) == 1
    changed = record("1.5.17", actual=85, progress=95)
    plan = rig.adapter.plan([changed], snapshot)
    [outcome] = await rig.adapter.apply(plan, run_id="r")
    assert outcome.outcome is EntryStatus.UPDATED
    reports = await rig.reports("1.5.17")
    assert len(reports) == 2
    assert sorted(r["gia_tri_thuc_hien"] for r in reports) == ["80", "85"]


async def test_token_expiring_mid_run_refreshes_once(rig: Rig) -> None:
    """An expired token on a write fetches one new token and the run completes."""
    await admin(rig.mock, "POST", "faults", json={"rules": [
        {"method": "POST", "path": "bao-cao$", "fault": "expire_token", "times": 1}]})
    outcomes = await run(rig.adapter, sample(rig.root))
    assert outcomes["1.5.17"] == EntryStatus.CREATED
    assert (await rig.state())["counts"]["tokens"] == 2


async def test_throttle_storm_is_survived_without_duplicates(rig: Rig) -> None:
    """Half the calls throttled (900800) still end in one report per key."""
    await admin(rig.mock, "POST", "faults", json={"seed": 5, "rules": [
        {"path": "^/nq71/", "fault": "http_429", "rate": 0.5}]})
    outcomes = await run(rig.adapter, sample(rig.root))
    assert outcomes["1.5.17"] == EntryStatus.CREATED and outcomes["1.5.24"] == EntryStatus.CREATED
    assert len(await rig.reports("1.5.17")) == 1 and len(await rig.reports("1.5.24")) == 1


async def test_interrupted_upload_resumes_from_what_the_server_holds(rig: Rig) -> None:
    """A failed finish leaves parts on the server; the next run sends none of them again."""
    big = evidence(rig.root, "anh.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 10_000)
    records = [record("1.5.24", actual=100, status=Status.COMPLETED, files=(big,))]
    await admin(rig.mock, "POST", "faults", json={"rules": [
        {"method": "POST", "path": "hoan-tat$", "fault": "http_503", "times": 20}]})
    first = await run(rig.adapter, records)
    assert first["1.5.24"] == EntryStatus.FAILED
    parts = (await rig.state())["counts"]["parts"]
    assert parts == 3
    assert await rig.reports("1.5.24") == []
    await admin(rig.mock, "DELETE", "faults")
    second = await run(rig.adapter, records)
    assert second["1.5.24"] == EntryStatus.CREATED
    state = await rig.state()
    assert state["counts"]["parts"] == 3 and len(state["documents"]) == 1
    [done] = await rig.reports("1.5.24")
    assert done["tinh_trang"] == 3 and done["so_minh_chung"] == 1


async def test_unmappable_indicator_is_reported_never_guessed(rig: Rig, tmp_path: Path) -> None:
    """An override naming a code nq71 lacks leaves that target unmapped and unpushed."""
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"1.5.17": "CT99"}), encoding="utf-8")
    rig.adapter.mapping_file = mapping
    outcomes = await run(rig.adapter, sample(rig.root))
    assert outcomes["1.5.17"] == EntryStatus.UNMAPPED
    assert await rig.reports("1.5.17") == []


async def test_all_44_titles_map_despite_rewording(rig: Rig) -> None:
    """NFD, reworded titles all map to the right CTnn."""
    snapshot = await rig.adapter.fetch([PERIOD])
    state = await rig.state()
    truth = {i["plan_code"]: i["ma_chi_tieu"] for i in state["indicators"]}
    assert snapshot.context["indicators"] == truth
    assert any(i["reworded"] for i in state["indicators"])


async def test_wrong_type_and_oversized_files_are_refused_before_upload(rig: Rig) -> None:
    """A non-document file or one over 50 MiB fails with a reason and sends nothing."""
    text = evidence(rig.root, "note.pdf", b"plain text")
    huge = rig.root / "huge.pdf"
    with huge.open("wb") as stream:
        stream.write(b"%PDF-1.4\n")
        stream.truncate(50 * 1024 * 1024 + 1)
    from models.records import EvidenceFile

    big = EvidenceFile(path="huge.pdf", sha256="0" * 64, size=huge.stat().st_size)
    outcomes = await run(rig.adapter, [
        record("1.5.24", actual=100, status=Status.COMPLETED, files=(text,)),
        record("1.5.23", actual=96, status=Status.COMPLETED, files=(big,)),
    ])
    assert set(outcomes.values()) == {EntryStatus.FAILED}
    counts = (await rig.state())["counts"]
    assert counts["parts"] == 0 and counts["posts"] == 0


def test_post_timeout_after_commit_creates_exactly_one_report(tmp_path: Path) -> None:
    """A POST that commits but answers too late is looked up, not repeated."""
    app = create_app(Nq71MockConfig(seed=7))
    with serving(app) as url:
        httpx.post(f"{url}/_admin/faults", json={"rules": [{
            "method": "POST", "path": "/bao-cao$", "fault": "timeout_after_commit",
            "delay_ms": 3000, "times": 1}]})
        adapter = build(url, None, tmp_path, timeout=1.0)
        outcomes = asyncio.run(run(adapter, [record("1.5.17", actual=50, progress=60)]))
        state = httpx.get(f"{url}/_admin/state").json()
        adapter.ledger.close()
    assert outcomes == {"1.5.17": EntryStatus.CREATED}
    assert len(state["reports"]) == 1
