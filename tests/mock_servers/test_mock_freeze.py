"""Write counting and the freeze on both mocks, for kill-at-every-step tests."""

import asyncio
from typing import Any

import httpx
from nq71_mock_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    Nq71,
    assert_html,
    chunks,
    open_nq71,
    pdf,
    report_body,
    start_body,
)
from theodoinq_support import (
    GRANTS,
    client_for,
    login,
    monthly_grants,
    new_app,
    report,
    row_at,
    save,
    upload,
    with_changes,
)
from timing_support import SAFETY_TIMEOUT, MovableClock

from mock_servers.common.server import serving
from mock_servers.nq71 import Nq71MockConfig
from mock_servers.nq71 import create_app as create_nq71


async def admin_state(client: httpx.AsyncClient) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get("/_admin/state")).json()
    return body


async def writes_of(client: httpx.AsyncClient) -> int:
    writes: int = (await admin_state(client))["writes"]
    return writes


async def until_held(client: httpx.AsyncClient, count: int) -> dict[str, Any]:
    """Poll /_admin/state until COUNT requests or answers are held; the state then."""

    async def poll() -> dict[str, Any]:
        while True:
            state = await admin_state(client)
            if state["held"] >= count:
                return state
            await asyncio.sleep(0.01)

    return await asyncio.wait_for(poll(), SAFETY_TIMEOUT)


async def test_theodoinq_counts_only_requests_that_changed_state() -> None:
    """Accepted saves, submissions and stored uploads are writes; reads and refusals are not;
    a reset counts from 0 again."""
    async with client_for(new_app()) as client:
        headers = await login(client)
        grant_id = (await monthly_grants(client, headers))[11]
        rows = await report(client, headers, grant_id)
        target = row_at(rows, "1.5.17")["idxId"]
        assert await writes_of(client) == 0
        refused = await save(
            client, headers, grant_id, with_changes(rows, {target: {"idxValue": "150"}})
        )
        assert refused.json()["code"] == "INVALID_VALUE"
        assert (await upload(client, headers, "a.txt", b"plain text")).json()["status"] == "ERROR"
        assert await writes_of(client) == 0
        saved = await save(
            client, headers, grant_id, with_changes(rows, {target: {"idxValue": "40"}})
        )
        assert saved.json()["status"] == "OK"
        assert await writes_of(client) == 1
        assert (await upload(client, headers, "a.pdf", b"%PDF-1.4\n")).json()["status"] == "OK"
        assert await writes_of(client) == 2
        submitted = await save(client, headers, grant_id, await report(client, headers, grant_id),
                               action="submit")
        assert submitted.json()["status"] == "OK"
        assert await writes_of(client) == 3
        locked = await save(client, headers, grant_id, rows)
        assert locked.json()["code"] == "GRANT_LOCKED"
        assert await writes_of(client) == 3
        await client.post("/_admin/reset")
        assert await writes_of(client) == 0


async def test_theodoinq_freeze_holds_every_request_after_the_nth_write() -> None:
    """After N writes every API request is held unanswered (admin still answers); released, a
    held request gets the HTML 503 page and later requests are served again."""
    async with client_for(new_app()) as client:
        headers = await login(client)
        grant_id = (await monthly_grants(client, headers))[11]
        rows = await report(client, headers, grant_id)
        frozen = await client.post("/_admin/freeze", json={"after_writes": 1})
        assert frozen.json() == {
            "writes": 0,
            "frozen": False,
            "held": 0,
            "freeze": {"at_writes": 1, "hold_answers": False},
        }
        assert (await client.get(GRANTS, headers=headers)).status_code == 200
        saved = await save(client, headers, grant_id, rows[:-1])
        assert saved.json()["status"] == "OK"
        assert (await admin_state(client))["frozen"] is True
        held = asyncio.create_task(client.get(GRANTS, headers=headers))
        state = await until_held(client, 1)
        assert (state["writes"], state["frozen"]) == (1, True)
        released = await client.delete("/_admin/freeze")
        assert released.json() == {"writes": 1, "frozen": False, "held": 1, "freeze": None}
        answer = await held
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("text/html")
        assert (await client.get(GRANTS, headers=headers)).status_code == 200
        assert (await admin_state(client))["held"] == 0


async def test_theodoinq_no_write_commits_beyond_the_freeze() -> None:
    """Two concurrent uploads with a freeze after one write: one file is stored, the other
    upload waits and is answered 503 when released."""
    async with client_for(new_app()) as client:
        headers = await login(client)
        await client.post("/_admin/freeze", json={"after_writes": 1})
        uploads = [
            asyncio.create_task(upload(client, headers, f"{n}.pdf", b"%PDF-1.4\n"))
            for n in range(2)
        ]
        state = await until_held(client, 1)
        assert state["writes"] == 1 and len(state["files"]) == 1
        await client.delete("/_admin/freeze")
        statuses = sorted(r.status_code for r in await asyncio.gather(*uploads))
        assert statuses == [200, 503]
        assert len((await admin_state(client))["files"]) == 1


async def test_theodoinq_reset_releases_the_freeze() -> None:
    """`after_writes: 0` freezes at once; /_admin/reset releases and counts from 0."""
    async with client_for(new_app()) as client:
        frozen = await client.post("/_admin/freeze", json={"after_writes": 0})
        assert frozen.json()["frozen"] is True
        held = asyncio.create_task(client.post("/auth_api/api/login", json={}))
        await until_held(client, 1)
        await client.post("/_admin/reset")
        assert (await held).status_code == 503
        state = await admin_state(client)
        assert (state["writes"], state["frozen"], state["freeze"]) == (0, False, None)


async def nq71_writes(nq71: Nq71) -> int:
    return await writes_of(nq71.http)


async def test_nq71_counts_only_requests_that_changed_state() -> None:
    """Report create and update, upload start, each new part, the first completion and each
    attachment are writes; reads, re-sent parts, repeated completions and refusals are not."""
    async with open_nq71() as nq71:
        await nq71.ok("GET", "/chi-tieu")
        refused = await nq71.call("POST", "/bao-cao", json=report_body(tinh_trang=3))
        assert refused.json()["ma_loi"] == "THIEU_MINH_CHUNG"
        assert await nq71_writes(nq71) == 0
        report_id = await nq71.create_report()
        assert await nq71_writes(nq71) == 1
        await nq71.ok("PUT", f"/bao-cao/{report_id}", json=report_body(ghi_chu="sửa"))
        assert await nq71_writes(nq71) == 2
        data = pdf(2 * 1024 * 1024 + 10)
        upload_id = (await nq71.ok("POST", "/tai-lieu/khoi-tao", json=start_body(data)))[
            "upload_id"
        ]
        assert await nq71_writes(nq71) == 3
        parts = chunks(data)
        for n, part in enumerate(parts):
            await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/{n}", content=part)
        await nq71.ok("PUT", f"/tai-lieu/{upload_id}/phan/0", content=parts[0])
        assert await nq71_writes(nq71) == 6
        tai_lieu_id = (await nq71.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat"))["tai_lieu_id"]
        await nq71.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat")
        assert await nq71_writes(nq71) == 7
        attach = {"tai_lieu_id": tai_lieu_id, "tieu_de": "t", "so_hieu_van_ban": "",
                  "ngay_ban_hanh": ""}
        await nq71.ok("POST", f"/bao-cao/{report_id}/minh-chung", json=attach)
        await nq71.ok("GET", f"/bao-cao/{report_id}/minh-chung")
        await nq71.ok("GET", f"/tai-lieu/{upload_id}")
        assert await nq71_writes(nq71) == 8
        assert (await nq71.http.post("/_admin/reset")).status_code == 200
        assert await nq71_writes(nq71) == 0


async def test_nq71_hold_answers_holds_the_nth_writes_answer() -> None:
    """With hold_answers, the Nth write is done but its answer is held until released, then
    delivered as it was; later requests meanwhile are held and answered 503."""
    async with open_nq71() as nq71:
        await nq71.http.post("/_admin/freeze", json={"after_writes": 1, "hold_answers": True})
        created = asyncio.create_task(nq71.call("POST", "/bao-cao", json=report_body()))
        state = await until_held(nq71.http, 1)
        assert state["writes"] == 1 and len(state["reports"]) == 1
        token = asyncio.create_task(
            nq71.http.post(
                "/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
            )
        )
        await until_held(nq71.http, 2)
        await nq71.http.delete("/_admin/freeze")
        answer = await created
        assert answer.status_code == 200 and answer.json()["thanh_cong"] is True
        assert answer.json()["du_lieu"]["id"] == state["reports"][0]["id"]
        assert_html(await token, 503)


async def test_nq71_freeze_over_a_real_socket() -> None:
    """Over loopback: after N writes a request hangs until released, then gets nq71's 503 page;
    the next request is served."""
    app = create_nq71(Nq71MockConfig())
    with serving(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=SAFETY_TIMEOUT) as http:
            nq71 = Nq71(app=app, http=http, clock=MovableClock())
            nq71.token = await nq71.fetch_token()
            await http.post("/_admin/freeze", json={"after_writes": 2})
            await nq71.create_report()
            await nq71.create_report(ky_bao_cao="12/2026")
            held = asyncio.create_task(nq71.call("GET", "/chi-tieu"))
            state = await until_held(http, 1)
            assert (state["writes"], state["frozen"], len(state["reports"])) == (2, True, 2)
            await http.delete("/_admin/freeze")
            assert_html(await held, 503)
            assert (await nq71.call("GET", "/chi-tieu")).status_code == 200
