from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from theodoinq_support import (
    GRANTS,
    STAMP,
    client_for,
    login,
    monthly_grants,
    new_app,
    pdf,
    report,
    row_at,
    save,
    state,
    upload,
    with_changes,
)

from mock_servers.common.server import serving


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(new_app()) as c:
        yield c


async def test_state_shows_grants_rows_files_and_counts(client: httpx.AsyncClient) -> None:
    """/_admin/state holds every grant with its rows and save counts, the files, the counters,
    the write count, the freeze and the drift rules."""
    snapshot = await state(client)
    assert set(snapshot) == {
        "seed", "generation", "organisation", "username", "grants", "files", "counts", "writes",
        "frozen", "held", "freeze", "drift",
    }
    assert (snapshot["writes"], snapshot["frozen"], snapshot["freeze"]) == (0, False, None)
    assert snapshot["drift"] == []
    assert (snapshot["seed"], snapshot["generation"]) == (0, 1)
    assert snapshot["organisation"] == "UBND xã Đại Phước"
    assert len(snapshot["grants"]) == 21
    grant = snapshot["grants"][0]
    assert set(grant) == {
        "grantId", "resolution", "periodType", "fromDate", "toDate", "deadline", "grantStatus",
        "organisation", "year", "rows",
    }
    assert len(grant["rows"]) == 49
    assert grant["rows"][0]["saves"] == 0
    assert snapshot["files"] == []
    assert snapshot["counts"] == {
        "logins": 0, "saves": 0, "submits": 0, "uploads": 0, "requests": 0, "rateLimited": 0
    }


async def test_state_counts_requests_and_writes(client: httpx.AsyncClient) -> None:
    """Logins, saves, uploads and requests are counted; rows count the saves that changed them."""
    headers = await login(client)
    grant_id = (await monthly_grants(client, headers))[5]
    rows = await report(client, headers, grant_id)
    file_id = (await upload(client, headers, "a.pdf", pdf())).json()["data"]["fileId"]
    target = row_at(rows, "1.5.17")["idxId"]
    body = with_changes(rows, {target: {"idxValue": "92", "fileIds": [file_id]}})
    assert (await save(client, headers, grant_id, body)).json()["status"] == "OK"
    assert (await save(client, headers, grant_id, body)).json()["status"] == "OK"
    snapshot = await state(client)
    assert snapshot["counts"] == {
        "logins": 1, "saves": 2, "submits": 0, "uploads": 1, "requests": 6, "rateLimited": 0
    }
    grant = next(g for g in snapshot["grants"] if g["grantId"] == grant_id)
    assert {r["idxId"]: r["saves"] for r in grant["rows"] if r["saves"]} == {target: 1}
    assert [f["fileId"] for f in snapshot["files"]] == [file_id]
    one = (await client.get("/_admin/state", params={"grantId": grant_id})).json()
    assert [g["grantId"] for g in one["grants"]] == [grant_id]


async def test_human_edit_changes_a_row_as_a_person(client: httpx.AsyncClient) -> None:
    """A human edit sets the row, stamps it with the person (default web.user), counts a save."""
    headers = await login(client)
    grant_id = (await monthly_grants(client, headers))[2]
    idx_id = row_at(await report(client, headers, grant_id), "1.4.2")["idxId"]
    response = await client.post(
        "/_admin/human-edit",
        json={"grantId": grant_id, "idxId": idx_id, "idxValue": "70",
              "idxContent": "<p>Đã rà soát &gt; 70%</p>"},
    )
    assert response.status_code == 200
    row = response.json()
    assert (row["idxValue"], row["idxContentRaw"], row["updateUser"], row["saves"]) == (
        "70", "Đã rà soát > 70%", "web.user", 1
    )
    assert STAMP.fullmatch(row["updateTime"])
    again = await client.post(
        "/_admin/human-edit",
        json={"grantId": grant_id, "idxId": idx_id, "idxValue": "500", "user": "nguyen.van.a"},
    )
    assert (again.json()["idxValue"], again.json()["idxContent"]) == (
        "500", "<p>Đã rà soát &gt; 70%</p>"
    )
    served = row_at(await report(client, headers, grant_id), "1.4.2")
    assert (served["updateUser"], served["idxValue"]) == ("nguyen.van.a", "500")


async def test_review_sets_the_rows_review(client: httpx.AsyncClient) -> None:
    """A review sets evalStatus and evalComment and leaves the row's stamps alone."""
    headers = await login(client)
    grant_id = (await monthly_grants(client, headers))[2]
    idx_id = row_at(await report(client, headers, grant_id), "1.5.3")["idxId"]
    response = await client.post(
        "/_admin/review",
        json={"grantId": grant_id, "idxId": idx_id, "evalStatus": "KHONG_DAT",
              "evalComment": "Minh chứng chưa có chữ ký."},
    )
    assert response.status_code == 200
    served = row_at(await report(client, headers, grant_id), "1.5.3")
    assert (served["evalStatus"], served["evalComment"]) == (
        "KHONG_DAT", "Minh chứng chưa có chữ ký."
    )
    assert (served["updateTime"], served["updateUser"]) == (None, None)


async def test_lock_and_reopen_a_grant(client: httpx.AsyncClient) -> None:
    """/_admin/lock sets grantStatus; OPEN reopens."""
    headers = await login(client)
    grant_id = (await monthly_grants(client, headers))[4]
    for status in ("LOCKED", "OPEN"):
        lock = {"grantId": grant_id, "grantStatus": status}
        response = await client.post("/_admin/lock", json=lock)
        assert response.json()["grantStatus"] == status
        listed = (await client.get(GRANTS, params={"year": 2026}, headers=headers)).json()["data"]
        assert next(g for g in listed if g["grantId"] == grant_id)["grantStatus"] == status


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_admin/lock", {"grantId": 1, "grantStatus": "LOCKED"}, 404),
        ("/_admin/lock", {"grantId": 1, "grantStatus": "CLOSED"}, 400),
        ("/_admin/review", {"grantId": 1, "idxId": 1, "evalStatus": "DAT"}, 404),
        ("/_admin/human-edit", {"grantId": 1, "idxId": 1}, 404),
        ("/_admin/human-edit", {"idxId": 1}, 400),
    ],
)
async def test_admin_errors(
    client: httpx.AsyncClient, path: str, body: dict[str, object], status: int
) -> None:
    """Unknown grants or rows → 404 NOT_FOUND; malformed bodies → 400 INVALID_REQUEST."""
    response = await client.post(path, json=body)
    assert response.status_code == status
    assert response.json()["code"] == ("NOT_FOUND" if status == 404 else "INVALID_REQUEST")


async def test_reset_empties_everything(client: httpx.AsyncClient) -> None:
    """Reset drops files, tokens, counts and edits, and re-seeds a new generation."""
    headers = await login(client)
    await upload(client, headers, "a.pdf", pdf())
    response = await client.post("/_admin/reset")
    assert response.json() == {"generation": 2}
    snapshot = await state(client)
    assert snapshot["files"] == []
    assert set(snapshot["counts"].values()) == {0}
    assert all(g["grantStatus"] == "OPEN" for g in snapshot["grants"])
    stale = await client.get(GRANTS, headers=headers)
    assert (stale.status_code, stale.json()["code"]) == (401, "TOKEN_EXPIRED")


async def test_data_dir_keeps_state_across_restarts(tmp_path: Path) -> None:
    """With data_dir the state is a SQLite file that a new app on the same seed picks up."""
    async with client_for(new_app(data_dir=tmp_path)) as client:
        headers = await login(client)
        grant_id = (await monthly_grants(client, headers))[1]
        await upload(client, headers, "a.pdf", pdf())
        first = await state(client)
    assert (tmp_path / "theodoinq.sqlite3").is_file()
    async with client_for(new_app(data_dir=tmp_path)) as client:
        again = await state(client)
        assert again["grants"] == first["grants"]
        assert again["files"] == first["files"]
        assert (await monthly_grants(client, await login(client)))[1] == grant_id
    async with client_for(new_app(data_dir=tmp_path, seed=5)) as client:
        reseeded = await state(client)
        assert reseeded["files"] == []
        assert reseeded["seed"] == 5


def test_serves_over_a_real_socket() -> None:
    """The app runs under uvicorn (no background threads of its own) and answers over HTTP."""
    with serving(new_app()) as base_url, httpx.Client(base_url=base_url) as client:
        token = client.post(
            "/auth_api/api/login", json={"username": "dp.vhxh", "password": "nqsync-dev-password"}
        ).json()["data"]["accessToken"]
        headers = {"Authorization": f"Bearer {token}", "x-check-auth": "true"}
        response = client.get(GRANTS, params={"year": 2026}, headers=headers)
        assert response.status_code == 200
        assert len(response.json()["data"]) == 20
