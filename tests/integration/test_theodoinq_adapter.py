from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.http.client import make_client
from connectors.http.pacing import TokenBucket
from connectors.theodoinq.adapter import TheodoinqAdapter
from connectors.theodoinq.client import TheodoinqClient
from mock_servers.common.server import serving
from mock_servers.theodoinq import TheodoinqMockConfig, create_app
from models.ledger import Ledger
from models.records import ProgressRecord, Status
from models.status import EntryStatus
from tests.integration.adapter_support import (
    FAST,
    LosingTransport,
    admin,
    docx,
    evidence,
    pdf,
    record,
)

PERIOD = "2026-11"


@dataclass
class Rig:
    adapter: TheodoinqAdapter
    mock: httpx.AsyncClient
    ledger: Ledger
    root: Path
    lossy: LosingTransport
    submitted: dict[str, str] = field(default_factory=dict)

    async def run(
        self, records: list[ProgressRecord], submit: bool = False
    ) -> dict[str, EntryStatus]:
        snapshot = await self.adapter.fetch([PERIOD])
        plan = self.adapter.plan(records, snapshot)
        outcomes = await self.adapter.apply(plan, run_id="test-run")
        if submit:
            self.submitted = await self.adapter.submit(snapshot, run_id="test-run")
        return {o.target_code: o.outcome for o in outcomes}

    async def state(self) -> dict[str, Any]:
        data: dict[str, Any] = await admin(self.mock, "GET", "state")
        return data

    async def grant(self) -> dict[str, Any]:
        state = await self.state()
        return next(
            g for g in state["grants"]
            if g["periodType"] == "THANG" and g["fromDate"] == "01/11/2026"
            and g["resolution"] == "57-NQ/TW" and g["organisation"] == state["organisation"]
        )

    async def row(self, code: str) -> dict[str, Any]:
        rows = (await self.grant())["rows"]
        section = next(r for r in rows if r["parentId"] is None and r["idxName"].startswith(
            code.rsplit(".", 1)[0] + "."))
        item = int(code.rsplit(".", 1)[1])
        return next(r for r in rows if r["parentId"] == section["idxId"] and r["idxOrder"] == item)


def build(base_url: str, transport: httpx.AsyncBaseTransport | None, tmp_path: Path,
          timeout: float = 30.0) -> TheodoinqAdapter:
    http = make_client(base_url, timeout=timeout, transport=transport)
    client = TheodoinqClient(
        http, "dp.vhxh", SecretStr("nqsync-dev-password"),
        pacer=TokenBucket(rate=200, burst=50), policy=FAST,
    )
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    return TheodoinqAdapter(client, ledger, tmp_path)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    app = create_app(TheodoinqMockConfig(rate=1000, burst=1000))
    transport = httpx.ASGITransport(app=app)
    lossy = LosingTransport(transport)
    adapter = build("http://theodoinq.test", lossy, tmp_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://theodoinq.test") as mock:
        yield Rig(adapter, mock, adapter.ledger, tmp_path, lossy)
    adapter.ledger.close()


def sample(root: Path) -> list[ProgressRecord]:
    proof = evidence(root, "vneid.pdf", pdf("VNeID"))
    return [
        record("1.5.17", actual=87.5, progress=97, note="Đạt <b>87,5%</b> & tăng"),
        record("1.5.24", actual=100, progress=100, status=Status.COMPLETED, files=(proof,)),
        record("1.2.2", actual=100, progress=100, status=Status.COMPLETED),
    ]


async def test_first_push_writes_values_files_and_escaped_notes(rig: Rig) -> None:
    """A first push creates rows, uploads the file before the value, holds bare completion."""
    outcomes = await rig.run(sample(rig.root))
    assert outcomes == {"1.5.17": EntryStatus.CREATED, "1.5.24": EntryStatus.CREATED,
                        "1.2.2": EntryStatus.HELD}
    vneid = await rig.row("1.5.17")
    assert vneid["idxValue"] == "87,5"
    assert vneid["idxContentRaw"] == "Đạt <b>87,5%</b> & tăng"
    assert "<b>" not in vneid["idxContent"]
    digital = await rig.row("1.5.24")
    assert digital["idxValue"] == "100" and len(digital["fileIds"]) == 1
    assert (await rig.row("1.2.2"))["idxValue"] == ""
    state = await rig.state()
    assert state["counts"]["uploads"] == 1 and state["counts"]["saves"] == 1
    assert state["counts"]["submits"] == 0


async def test_second_run_with_nothing_changed_writes_nothing(rig: Rig) -> None:
    """A rerun is all in_sync (or held) with zero saves and zero uploads."""
    await rig.run(sample(rig.root))
    before = (await rig.state())["counts"]
    outcomes = await rig.run(sample(rig.root))
    assert outcomes == {"1.5.17": EntryStatus.IN_SYNC, "1.5.24": EntryStatus.IN_SYNC,
                        "1.2.2": EntryStatus.HELD}
    after = (await rig.state())["counts"]
    assert (after["saves"], after["uploads"]) == (before["saves"], before["uploads"])


async def test_a_persons_edit_is_a_conflict_and_is_not_overwritten(rig: Rig) -> None:
    """A row changed on the web since our push is reported as conflict and left alone."""
    await rig.run(sample(rig.root))
    grant, row = await rig.grant(), await rig.row("1.5.17")
    await admin(rig.mock, "POST", "human-edit",
                json={"grantId": grant["grantId"], "idxId": row["idxId"], "idxValue": "91"})
    changed = sample(rig.root)
    changed[0] = record("1.5.17", actual=88, progress=98, note="mới")
    outcomes = await rig.run(changed)
    assert outcomes["1.5.17"] == EntryStatus.CONFLICT
    assert (await rig.row("1.5.17"))["idxValue"] == "91"
    assert (await rig.row("1.5.17"))["updateUser"] == "web.user"


async def test_a_row_no_unit_reports_comes_through_every_save_unchanged(rig: Rig) -> None:
    """Rows we do not own are sent back exactly as read."""
    grant, other = await rig.grant(), await rig.row("1.3.3")
    await admin(rig.mock, "POST", "human-edit", json={
        "grantId": grant["grantId"], "idxId": other["idxId"], "idxValue": "420",
        "idxContent": "<p>Nhập tay</p>", "user": "dp.ketoan"})
    before = await rig.row("1.3.3")
    await rig.run(sample(rig.root))
    changed = [record("1.5.17", actual=89, progress=99)]
    await rig.run(changed)
    after = await rig.row("1.3.3")
    assert after == before


async def test_locked_grant_is_held(rig: Rig) -> None:
    """A locked grant is held, with no save."""
    grant = await rig.grant()
    await admin(rig.mock, "POST", "lock", json={"grantId": grant["grantId"],
                                                "grantStatus": "LOCKED"})
    outcomes = await rig.run(sample(rig.root))
    assert set(outcomes.values()) == {EntryStatus.HELD}
    assert (await rig.state())["counts"]["saves"] == 0


async def test_oversized_and_wrong_type_files_are_refused_before_upload(rig: Rig) -> None:
    """A file over 10 MiB or not a document type fails with a reason; nothing is uploaded."""
    big = evidence(rig.root, "to.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024))
    text = evidence(rig.root, "ghichu.pdf", b"just text, not a pdf")
    adapter = rig.adapter
    plan = adapter.plan(
        [record("1.5.24", actual=100, status=Status.COMPLETED, files=(big,)),
         record("1.5.23", actual=96, status=Status.COMPLETED, files=(text,))],
        await adapter.fetch([PERIOD]),
    )
    reasons = {c.target_code: c.reason for c in plan.changes}
    assert "quá lớn" in reasons["1.5.24"] and "không phải PDF" in reasons["1.5.23"]
    outcomes = await adapter.apply(plan, run_id="r")
    assert {o.outcome for o in outcomes} == {EntryStatus.FAILED}
    assert (await rig.state())["counts"]["uploads"] == 0


async def test_token_expiring_mid_run_logs_in_again(rig: Rig) -> None:
    """An expired token on the save causes one login and the run completes."""
    await admin(rig.mock, "POST", "faults", json={"rules": [
        {"method": "PUT", "path": "rp_objidx_data", "fault": "expire_token", "times": 1}]})
    outcomes = await rig.run(sample(rig.root))
    assert outcomes["1.5.17"] == EntryStatus.CREATED
    assert (await rig.state())["counts"]["logins"] == 2


async def test_429_storm_is_survived(rig: Rig) -> None:
    """Half the requests answered 429 still end in a full, single push."""
    await admin(rig.mock, "POST", "faults", json={"seed": 3, "rules": [
        {"path": "^/(report|file)_api", "fault": "http_429", "rate": 0.5}]})
    outcomes = await rig.run(sample(rig.root))
    assert outcomes["1.5.17"] == EntryStatus.CREATED and outcomes["1.5.24"] == EntryStatus.CREATED
    state = await rig.state()
    assert state["counts"]["uploads"] == 1


async def test_evidence_shared_by_two_rows_is_uploaded_once(rig: Rig) -> None:
    """One file named by two rows goes up once."""
    shared = evidence(rig.root, "qd.docx", docx())
    records = [
        record("1.5.24", actual=100, status=Status.COMPLETED, files=(shared,)),
        record("1.5.5", actual=100, status=Status.COMPLETED, files=(shared,)),
    ]
    assert set((await rig.run(records)).values()) == {EntryStatus.CREATED}
    assert (await rig.state())["counts"]["uploads"] == 1


def test_upload_timeout_after_commit_leaves_exactly_one_file(tmp_path: Path) -> None:
    """An upload that commits but answers too late is found by sha256, not re-uploaded."""
    import asyncio

    app = create_app(TheodoinqMockConfig(rate=1000, burst=1000))
    with serving(app) as url:
        httpx.post(f"{url}/_admin/faults", json={"rules": [{
            "method": "POST", "path": "upload", "fault": "timeout_after_commit",
            "delay_ms": 3000, "times": 1}]})
        adapter = build(url, None, tmp_path, timeout=1.0)

        async def go() -> dict[str, EntryStatus]:
            records = [record("1.5.24", actual=100, status=Status.COMPLETED,
                              files=(evidence(tmp_path, "a.pdf", pdf()),))]
            plan = adapter.plan(records, await adapter.fetch([PERIOD]))
            return {o.target_code: o.outcome for o in await adapter.apply(plan, run_id="r")}

        assert asyncio.run(go()) == {"1.5.24": EntryStatus.CREATED}
        state = httpx.get(f"{url}/_admin/state").json()
        adapter.ledger.close()
    assert state["counts"]["uploads"] == 1
    assert len(state["files"]) == 1


async def test_other_grants_are_listed_as_not_handled_and_never_written(rig: Rig) -> None:
    """Weekly and other resolutions' grants are noted, and no save ever touches them."""
    snapshot = await rig.adapter.fetch([PERIOD])
    assert any("TUAN" in note for note in snapshot.notes)
    assert any("71/NQ-CP" in note for note in snapshot.notes)
    await rig.run(sample(rig.root))
    state = await rig.state()
    untouched = [g for g in state["grants"] if g["periodType"] != "THANG"]
    assert untouched and all(r["saves"] == 0 for g in untouched for r in g["rows"])


async def test_submits_only_when_asked(rig: Rig) -> None:
    """Without submit the grant stays open; with it the grant is submitted."""
    await rig.run(sample(rig.root))
    assert (await rig.grant())["grantStatus"] == "OPEN"
    await rig.run(sample(rig.root), submit=True)
    assert (await rig.grant())["grantStatus"] == "SUBMITTED"
    assert (await rig.state())["counts"]["submits"] == 1
    assert rig.submitted[PERIOD] == "Đã nộp báo cáo kỳ này."


async def test_a_submit_whose_answer_is_lost_is_settled_not_repeated(rig: Rig) -> None:
    """A submit that happened but timed out is found submitted: held, never a failure."""
    await rig.run(sample(rig.root))
    rig.lossy.lose("PUT", "action=submit")
    await rig.run(sample(rig.root), submit=True)
    assert (await rig.grant())["grantStatus"] == "SUBMITTED"
    assert (await rig.state())["counts"]["submits"] == 1
    assert rig.submitted[PERIOD] == "Đã nộp báo cáo kỳ này."
    await rig.run(sample(rig.root), submit=True)
    assert rig.submitted[PERIOD] == "Kỳ báo cáo đã nộp."
    assert (await rig.state())["counts"]["submits"] == 1


async def test_factory_builds_from_settings(tmp_path: Path) -> None:
    """open_adapter reaches the system at the settings' URL with the settings' timeout."""
    from connectors.factory import open_adapter
    from models.settings import Settings

    app = create_app(TheodoinqMockConfig(rate=1000, burst=1000))
    settings = Settings(theodoinq_url="http://theodoinq.test", http_timeout=7)
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'l.db'}")
    transport = httpx.ASGITransport(app=app)
    async with open_adapter("theodoinq", settings, ledger, tmp_path, transport=transport) as a:
        assert isinstance(a, TheodoinqAdapter)
        assert a.client.session.client.timeout.read == 7
        snapshot = await a.fetch([PERIOD])
    assert len(snapshot.reports) == 44
    ledger.close()


async def test_the_rows_own_target_decides_what_needs_evidence(rig: Rig) -> None:
    """A value meeting the row's idxTarget (even below the plan's) is held without evidence."""
    snapshot = await rig.adapter.fetch([PERIOD])
    report = snapshot.get("1.5.17", PERIOD)
    assert report is not None and report.target == "≥ 90"
    snapshot.reports[snapshot.reports.index(report)] = report.model_copy(update={"target": "≥ 80"})
    plan = rig.adapter.plan([record("1.5.17", actual=85, progress=95)], snapshot)
    assert plan.changes[0].action == "hold"
