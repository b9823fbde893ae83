import asyncio
from itertools import count

import httpx

from flows.benchmarks.requestlog import (
    Exchange,
    RequestLog,
    by_kind,
    kind_of,
    listings_per_period,
    mean_in_flight,
    per_report_reads,
    within,
)
from mock_servers.theodoinq import TheodoinqMockConfig
from mock_servers.theodoinq import create_app as create_theodoinq


def _exchange(method: str, path: str, query: str = "", start: float = 0.0,
              end: float = 0.0, status: int = 200) -> Exchange:
    return Exchange(method, path, query, status, start, end)


def test_the_log_records_each_api_request_with_its_status_and_times() -> None:
    """Real theodoinq mock behind the log: API requests logged in order, `/_admin` not, the
    log served and cleared under `/_bench`."""
    ticks = count(1)
    log = RequestLog(create_theodoinq(TheodoinqMockConfig(seed=3)), clock=lambda: next(ticks))

    async def scenario() -> tuple[list[dict[str, object]], list[object]]:
        transport = httpx.ASGITransport(app=log)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as http:
            login = await http.post(
                "/auth_api/api/login",
                json={"username": "dp.vhxh", "password": "nqsync-dev-password"},
            )
            token = login.json()["data"]["accessToken"]
            headers = {"Authorization": f"Bearer {token}", "x-check-auth": "true"}
            await http.get("/report_api/api/rp_grant?year=2026", headers=headers)
            await http.get("/report_api/api/rp_grant?year=2026")
            await http.get("/_admin/state")
            served = (await http.get("/_bench/requests")).json()
            await http.post("/_bench/clear")
            after = (await http.get("/_bench/requests")).json()
        return served, after

    served, after = asyncio.run(scenario())
    assert [(e["method"], e["path"], e["query"], e["status"]) for e in served] == [
        ("POST", "/auth_api/api/login", "", 200),
        ("GET", "/report_api/api/rp_grant", "year=2026", 200),
        ("GET", "/report_api/api/rp_grant", "year=2026", 400),
    ]
    assert [(e["start"], e["end"]) for e in served] == [(1, 2), (3, 4), (5, 6)]
    assert after == []


def test_requests_are_told_apart_by_kind_on_each_system() -> None:
    """Each contract endpoint has its kind; listings and per-report reads are counted."""
    nq71 = [
        _exchange("POST", "/token"),
        _exchange("GET", "/nq71/1.0/chi-tieu", "ma_don_vi=1&trang=1"),
        _exchange("GET", "/nq71/1.0/bao-cao", "ky_bao_cao=01%2F2026&trang=1"),
        _exchange("GET", "/nq71/1.0/bao-cao", "ky_bao_cao=01%2F2026&trang=2"),
        _exchange("GET", "/nq71/1.0/bao-cao", "ky_bao_cao=02%2F2026"),
        _exchange("GET", "/nq71/1.0/bao-cao/12/minh-chung"),
        _exchange("POST", "/nq71/1.0/bao-cao/12/minh-chung"),
        _exchange("PUT", "/nq71/1.0/tai-lieu/u-1/phan/0"),
        _exchange("GET", "/nq71/1.0/tai-lieu/u-1"),
        _exchange("POST", "/nq71/1.0/tai-lieu/u-1/hoan-tat"),
        _exchange("DELETE", "/nq71/1.0/bao-cao/12"),
    ]
    assert [kind_of("nq71", e) for e in nq71] == [
        "token", "indicator listing", "report listing", "report listing", "report listing",
        "attachment read", "attach", "upload part", "upload status", "upload finish", "other",
    ]
    assert listings_per_period("nq71", nq71) == {"01/2026": 2, "02/2026": 1}
    assert per_report_reads("nq71", nq71) == 1
    theodoinq = [
        _exchange("GET", "/report_api/api/rp_objidx_data", "grant_id=7"),
        _exchange("GET", "/report_api/api/rp_objidx_data", "grant_id=8"),
        _exchange("PUT", "/report_api/api/rp_objidx_data", "grant_id=7&action=input"),
        _exchange("GET", "/file_api/api/files", "sha256=ab"),
        _exchange("GET", "/file_api/api/files/f-1"),
        _exchange("POST", "/file_api/api/upload"),
    ]
    assert by_kind("theodoinq", theodoinq) == {
        "report listing": 2, "file lookup": 1, "file read": 1, "save": 1, "upload": 1,
    }
    assert listings_per_period("theodoinq", theodoinq) == {"7": 1, "8": 1}
    assert per_report_reads("theodoinq", theodoinq) == 1


def test_mean_in_flight_is_the_time_in_the_window_over_its_length() -> None:
    """Overlaps are summed, the parts outside the window left out; an empty window is 0."""
    exchanges = [
        _exchange("GET", "/a", start=0.0, end=10.0),
        _exchange("GET", "/b", start=2.0, end=4.0),
        _exchange("GET", "/c", start=8.0, end=12.0),
        _exchange("GET", "/d", start=11.0, end=13.0),
    ]
    assert mean_in_flight(exchanges, 0.0, 10.0) == (10 + 2 + 2) / 10
    assert mean_in_flight(exchanges, 2.0, 4.0) == 2.0
    assert mean_in_flight(exchanges, 20.0, 30.0) == 0.0
    assert mean_in_flight(exchanges, 5.0, 5.0) == 0.0
    assert [e.path for e in within(exchanges, 2.0, 10.0)] == ["/b", "/c"]
