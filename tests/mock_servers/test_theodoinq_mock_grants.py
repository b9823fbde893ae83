import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from theodoinq_support import (
    GRANTS,
    REPORT,
    client_for,
    login,
    monthly_grants,
    new_app,
    ok,
    report,
    row_at,
    state,
)

from models.catalogue import SECTIONS, targets


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(new_app()) as c:
        yield c


@pytest.fixture
async def headers(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client)


async def grants_of(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(GRANTS, params={"year": 2026}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "OK"
    grants: list[dict[str, Any]] = body["data"]
    return grants


async def test_twelve_monthly_grants_of_resolution_57(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """The account sees twelve OPEN THANG grants of 57-NQ/TW, one per month of 2026."""
    monthly = [
        g for g in await grants_of(client, headers)
        if g["periodType"] == "THANG" and g["resolution"] == "57-NQ/TW"
    ]
    by_month = {g["fromDate"]: g for g in monthly}
    assert len(monthly) == 12
    assert by_month["01/02/2026"] == {
        "grantId": by_month["01/02/2026"]["grantId"],
        "resolution": "57-NQ/TW",
        "periodType": "THANG",
        "fromDate": "01/02/2026",
        "toDate": "28/02/2026",
        "deadline": "05/03/2026 17:00",
        "grantStatus": "OPEN",
    }
    assert by_month["01/11/2026"]["toDate"] == "30/11/2026"
    assert by_month["01/11/2026"]["deadline"] == "05/12/2026 17:00"
    assert by_month["01/12/2026"]["deadline"] == "05/01/2027 17:00"
    assert all(isinstance(g["grantId"], int) for g in monthly)


async def test_other_grants_are_listed_too(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """Weekly 57-NQ/TW grants and quarterly 71/NQ-CP grants are listed beside the monthly ones."""
    kinds = Counter((g["resolution"], g["periodType"]) for g in await grants_of(client, headers))
    assert kinds == {("57-NQ/TW", "THANG"): 12, ("57-NQ/TW", "TUAN"): 4, ("71/NQ-CP", "QUY"): 4}


async def test_grants_of_another_year_are_none(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """`year=2025` lists nothing; without `year` every grant of the account is listed."""
    response = await client.get(GRANTS, params={"year": 2025}, headers=headers)
    assert response.json() == ok([])
    everything = await client.get(GRANTS, headers=headers)
    assert len(everything.json()["data"]) == 20


async def test_bad_year_is_400(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """A non-numeric year → HTTP 400 INVALID_REQUEST in the envelope."""
    response = await client.get(GRANTS, params={"year": "năm"}, headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "status": "ERROR",
        "code": "INVALID_REQUEST",
        "message": "Yêu cầu không hợp lệ.",
        "data": None,
    }


async def test_another_organisations_grant_is_forbidden(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """A grant of another organisation is not listed; by id it is HTTP 200 FORBIDDEN."""
    listed = {g["grantId"] for g in await grants_of(client, headers)}
    foreign = [
        g for g in (await state(client))["grants"] if g["organisation"] != "UBND xã Đại Phước"
    ]
    assert len(foreign) == 1
    grant_id = foreign[0]["grantId"]
    assert grant_id not in listed
    for response in (
        await client.get(REPORT, params={"grant_id": grant_id}, headers=headers),
        await client.put(
            REPORT, params={"grant_id": grant_id, "action": "input"}, headers=headers, json=[]
        ),
    ):
        assert response.status_code == 200
        assert response.json() == {
            "status": "ERROR",
            "code": "FORBIDDEN",
            "message": "Tài khoản không có quyền với nhiệm vụ báo cáo này.",
            "data": None,
        }


async def test_unknown_grant_is_not_found(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """An unknown grant id → HTTP 200 ERROR NOT_FOUND naming it."""
    response = await client.get(REPORT, params={"grant_id": 1}, headers=headers)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ERROR",
        "code": "NOT_FOUND",
        "message": "Không tìm thấy nhiệm vụ báo cáo 1.",
        "data": None,
    }


async def test_report_is_five_sections_and_44_indicators(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """A report holds 5 GROUP rows (idxOrder 1..5) and 44 rows under them (idxOrder = item)."""
    grant_id = (await monthly_grants(client, headers))[11]
    response = await client.get(REPORT, params={"grant_id": grant_id}, headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "OK"
    rows = response.json()["data"]
    groups = [r for r in rows if r["parentId"] is None]
    assert len(rows) == 49
    assert sorted(g["idxOrder"] for g in groups) == [1, 2, 3, 4, 5]
    assert all(g["idxType"] == "GROUP" for g in groups)
    for section in SECTIONS:
        group = row_at(rows, section.code)
        assert group["idxName"] == f"{section.code}. {section.title}"
        children = [r for r in rows if r["parentId"] == group["idxId"]]
        assert sorted(c["idxOrder"] for c in children) == list(range(1, section.size + 1))
    assert len({r["idxId"] for r in rows}) == 49
    assert all(uuid.UUID(r["idxCode"]).version == 4 for r in rows)


async def test_indicator_rows_follow_the_catalogue(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """Each indicator row carries the catalogue's title and unit, a type and a target."""
    rows = await report(client, headers, (await monthly_grants(client, headers))[3])
    for target in targets():
        row = row_at(rows, target.code)
        assert row["idxName"] == target.title
        assert row["idxUnit"] == (target.unit or "")
    assert row_at(rows, "1.5.17") | {"idxId": 0, "idxCode": "", "parentId": 0} == {
        "idxId": 0,
        "idxCode": "",
        "parentId": 0,
        "idxOrder": 17,
        "idxName": "Tỷ lệ người dân có tài khoản định danh điện tử (VNeID) tối thiểu đạt 90%",
        "idxType": "PERCENT",
        "idxUnit": "%",
        "idxTarget": "≥ 90",
        "idxValue": "",
        "idxContent": "",
        "idxContentRaw": "",
        "fileIds": [],
        "evalStatus": "CHUA_DANH_GIA",
        "evalComment": "",
        "updateTime": None,
        "updateUser": None,
    }
    assert (row_at(rows, "1.5.1")["idxType"], row_at(rows, "1.5.1")["idxTarget"]) == (
        "NUMBER", "≤ 10"
    )
    assert (row_at(rows, "1.2.6")["idxType"], row_at(rows, "1.2.6")["idxTarget"]) == (
        "NUMBER", "≥ 6"
    )
    assert (row_at(rows, "1.2.2")["idxType"], row_at(rows, "1.2.2")["idxTarget"]) == (
        "PERCENT", "100"
    )
    assert (row_at(rows, "1.3.2")["idxType"], row_at(rows, "1.3.2")["idxTarget"]) == ("TEXT", "")
    assert row_at(rows, "1.3.2")["idxUnit"] == ""


async def test_rows_are_not_served_in_plan_order(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    """Sections come first, then indicators by idxId, which is not the plan's order."""
    rows = await report(client, headers, (await monthly_grants(client, headers))[1])
    assert [r["parentId"] is None for r in rows] == [True] * 5 + [False] * 44
    plan_order = [row_at(rows, t.code)["idxId"] for t in targets()]
    served = [r["idxId"] for r in rows[5:]]
    assert served == sorted(served)
    assert served != plan_order


async def test_ids_come_from_the_seed() -> None:
    """The same seed gives the same ids; another seed gives other ids."""
    snapshots = []
    for seed in (7, 7, 8):
        async with client_for(new_app(seed=seed)) as client:
            snapshot = await state(client)
            snapshots.append(
                [(g["grantId"], [(r["idxId"], r["idxCode"]) for r in g["rows"]])
                 for g in snapshot["grants"]]
            )
    assert snapshots[0] == snapshots[1]
    first_ids = {g for g, _ in snapshots[0]}
    assert first_ids.isdisjoint({g for g, _ in snapshots[2]})


async def test_reset_picks_new_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """After /_admin/reset the grants have new ids and the old ones are NOT_FOUND."""
    before = await monthly_grants(client, headers)
    reset = await client.post("/_admin/reset")
    assert reset.status_code == 200
    headers = await login(client)
    after = await monthly_grants(client, headers)
    assert set(before.values()).isdisjoint(after.values())
    response = await client.get(REPORT, params={"grant_id": before[1]}, headers=headers)
    assert response.json()["code"] == "NOT_FOUND"
