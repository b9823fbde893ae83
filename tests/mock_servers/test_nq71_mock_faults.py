"""nq71 mock, fault injection through /_admin/faults, in nq71's own shapes."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from nq71_mock_support import Nq71, assert_fault, assert_html, open_nq71, report_body
from timing_support import HeldSleep


@pytest.fixture
async def nq71() -> AsyncIterator[Nq71]:
    async with open_nq71() as mock:
        yield mock


@pytest.mark.parametrize("status", [500, 503])
async def test_http_5xx_fault_is_an_html_page_and_nothing_is_done(nq71: Nq71, status: int) -> None:
    """http_500 / http_503: that status with the HTML error page; the write is not carried out."""
    await nq71.faults({"method": "POST", "path": "/bao-cao$", "fault": f"http_{status}"})
    assert_html(await nq71.call("POST", "/bao-cao", json=report_body()), status)
    assert (await nq71.state())["counts"]["posts"] == 0


async def test_http_429_fault_is_wso2_900800_without_retry_after(nq71: Nq71) -> None:
    """http_429: the gateway's fault 900800 and no Retry-After header."""
    await nq71.faults({"path": "chi-tieu", "fault": "http_429"})
    assert_fault(await nq71.call("GET", "/chi-tieu"), 429, 900800, "Message throttled out")


async def test_expire_token_fault_invalidates_the_token(nq71: Nq71) -> None:
    """expire_token: 401 fault 900901, and the same token is refused everywhere afterwards."""
    await nq71.faults({"path": "chi-tieu", "fault": "expire_token", "times": 1})
    assert_fault(await nq71.call("GET", "/chi-tieu"), 401, 900901, "Invalid Credentials")
    assert_fault(await nq71.call("GET", "/bao-cao"), 401, 900901, "Invalid Credentials")
    nq71.token = await nq71.fetch_token()
    assert (await nq71.call("GET", "/chi-tieu")).status_code == 200


async def test_delayed_requests_count_in_flight() -> None:
    """Four requests held by a delay fault fill the in-flight limit: a fifth gets 429."""
    held = HeldSleep()
    async with open_nq71(sleep=held) as nq71:
        await nq71.faults({"path": "chi-tieu", "fault": "delay", "delay_ms": 400})
        delayed = [asyncio.create_task(nq71.call("GET", "/chi-tieu")) for _ in range(4)]
        await held.until_sleeping(4)
        assert (await nq71.call("GET", "/bao-cao")).status_code == 429
        held.release()
        assert [r.status_code for r in await asyncio.gather(*delayed)] == [200] * 4
        assert held.asked == [0.4] * 4
        assert (await nq71.call("GET", "/bao-cao")).status_code == 200


async def test_times_limits_the_hits(nq71: Nq71) -> None:
    """times: 2 hits the first two matching requests, then lets them through."""
    await nq71.faults({"path": "chi-tieu", "fault": "http_500", "times": 2})
    statuses = [(await nq71.call("GET", "/chi-tieu")).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert (await nq71.call("GET", "/bao-cao")).status_code == 200


async def test_method_and_path_select_the_requests(nq71: Nq71) -> None:
    """A PUT rule leaves GET and POST alone on the same path."""
    await nq71.faults({"method": "PUT", "path": r"/bao-cao/\d+$", "fault": "http_503"})
    report_id = await nq71.create_report()
    assert (await nq71.call("GET", "/bao-cao")).status_code == 200
    assert_html(await nq71.call("PUT", f"/bao-cao/{report_id}", json=report_body()), 503)


async def test_rate_replays_with_the_same_seed(nq71: Nq71) -> None:
    """rate with a seed strikes the same requests when the plan is posted again."""

    async def run() -> list[int]:
        await nq71.faults({"path": "chi-tieu", "fault": "http_503", "rate": 0.5}, seed=42)
        return [(await nq71.call("GET", "/chi-tieu")).status_code for _ in range(12)]

    first = await run()
    assert first == await run()
    assert set(first) == {200, 503}


async def test_delete_clears_the_rules(nq71: Nq71) -> None:
    """DELETE /_admin/faults removes every rule."""
    await nq71.faults({"path": ".*", "fault": "http_500"})
    await nq71.http.delete("/_admin/faults")
    assert (await nq71.call("GET", "/chi-tieu")).status_code == 200
