import asyncio
import threading
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import HTMLResponse, JSONResponse, Response
from timing_support import SAFETY_TIMEOUT, HeldSleep

from mock_servers.common.clock import Sleep
from mock_servers.common.faults import FaultEngine, FaultPlan, FaultRule, install_faults
from mock_servers.common.server import serving


class Shapes:
    def __init__(self) -> None:
        self.expired: list[str | None] = []

    def html_error(self, status: int) -> Response:
        return HTMLResponse(f"<html><body>{status} trouble</body></html>", status_code=status)

    def throttled(self) -> Response:
        return JSONResponse({"error": "slow down"}, status_code=429, headers={"Retry-After": "1"})

    def token_expired(self) -> Response:
        return JSONResponse({"error": "expired"}, status_code=401)

    def expire_token(self, authorization: str | None) -> None:
        self.expired.append(authorization)


class SleepUntilReleased:
    """An injected sleep that holds its sleepers until released from any thread."""

    def __init__(self) -> None:
        self.released = threading.Event()

    async def __call__(self, seconds: float) -> None:
        while not self.released.is_set():
            await asyncio.sleep(0.01)


def make_app(sleep: Sleep = asyncio.sleep) -> tuple[FastAPI, Shapes, list[str]]:
    app = FastAPI()
    shapes = Shapes()
    writes: list[str] = []
    install_faults(app, shapes, sleep)

    @app.post("/items")
    def create_item() -> dict[str, int]:
        writes.append("item")
        return {"count": len(writes)}

    @app.get("/items")
    def list_items() -> dict[str, int]:
        return {"count": len(writes)}

    @app.get("/_admin/state")
    def state() -> dict[str, int]:
        return {"count": len(writes)}

    return app, shapes, writes


Setup = tuple[httpx.AsyncClient, Shapes, list[str]]


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    app, shapes, writes = make_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        yield client, shapes, writes


async def set_rules(client: httpx.AsyncClient, *rules: dict[str, object], seed: int = 0) -> None:
    response = await client.post("/_admin/faults", json={"seed": seed, "rules": list(rules)})
    assert response.status_code == 200, response.text


async def test_times_hits_only_the_first_matching_requests(setup: Setup) -> None:
    """`times: 2` fails the first two matching requests with the system's HTML page, then none."""
    client, _, writes = setup
    await set_rules(client, {"method": "POST", "path": "^/items$", "fault": "http_503", "times": 2})
    statuses = [(await client.post("/items")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert writes == ["item"]
    assert (await client.get("/items")).status_code == 200
    page = await client.post("/items")
    assert page.status_code == 200


async def test_html_error_body_and_method_filter(setup: Setup) -> None:
    """http_500 answers with HTML; a rule for POST leaves GET alone."""
    client, _, _ = setup
    await set_rules(client, {"method": "POST", "path": "items", "fault": "http_500"})
    failed = await client.post("/items")
    assert failed.status_code == 500
    assert failed.headers["content-type"].startswith("text/html")
    assert "500 trouble" in failed.text
    assert (await client.get("/items")).status_code == 200


async def test_429_and_expire_token_use_the_system_shapes(setup: Setup) -> None:
    """http_429 and expire_token answer in the system's own shapes; the token is invalidated."""
    client, shapes, writes = setup
    await set_rules(
        client,
        {"path": "items", "fault": "http_429", "times": 1},
        {"path": "items", "fault": "expire_token", "times": 1},
    )
    throttled = await client.post("/items")
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "1"
    expired = await client.post("/items", headers={"Authorization": "Bearer abc"})
    assert expired.status_code == 401
    assert shapes.expired == ["Bearer abc"]
    assert writes == []


async def test_admin_paths_are_never_faulted(setup: Setup) -> None:
    """A rule matching everything leaves /_admin alone."""
    client, _, _ = setup
    await set_rules(client, {"path": ".*", "fault": "http_500"})
    assert (await client.get("/_admin/state")).status_code == 200
    assert (await client.get("/items")).status_code == 500
    assert (await client.delete("/_admin/faults")).json()["rules"] == []
    assert (await client.get("/items")).status_code == 200


async def test_delay_answers_normally_after_waiting() -> None:
    """delay waits delay_ms before handling the request, then answers it normally."""
    held = HeldSleep()
    app, _, writes = make_app(held)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        await set_rules(client, {"path": "items", "fault": "delay", "delay_ms": 200})
        delayed = asyncio.create_task(client.post("/items"))
        await held.until_sleeping(1)
        assert held.asked == [0.2] and writes == []
        held.release()
        response = await delayed
    assert response.status_code == 200 and writes == ["item"]


def test_rate_is_reproducible_from_the_seed() -> None:
    """The same seed and request sequence strike the same requests."""

    def pattern(seed: int) -> list[bool]:
        engine = FaultEngine()
        engine.set_plan(
            FaultPlan(seed=seed, rules=[FaultRule(path="x", fault="http_500", rate=0.5)])
        )
        return [engine.pick("GET", "/x") is not None for _ in range(40)]

    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert 5 < sum(pattern(7)) < 35


def test_bad_rules_are_refused() -> None:
    """An unknown fault kind or an invalid regex is refused with 422."""
    app, _, _ = make_app()
    with serving(app) as url:
        bad_kind = httpx.post(
            f"{url}/_admin/faults", json={"rules": [{"path": "x", "fault": "nope"}]}
        )
        bad_regex = httpx.post(
            f"{url}/_admin/faults", json={"rules": [{"path": "(", "fault": "http_500"}]}
        )
    assert bad_kind.status_code == 422
    assert bad_regex.status_code == 422


def test_reset_drops_the_connection_without_carrying_out_the_request() -> None:
    """Over a real socket, reset breaks the answer off and the write does not happen."""
    app, _, writes = make_app()
    with serving(app) as url:
        httpx.post(
            f"{url}/_admin/faults",
            json={"rules": [{"method": "POST", "path": "items", "fault": "reset", "times": 1}]},
        )
        with pytest.raises(httpx.TransportError):
            httpx.post(f"{url}/items")
        assert writes == []
        assert httpx.post(f"{url}/items").json() == {"count": 1}


def test_timeout_after_commit_carries_out_the_write_then_stalls() -> None:
    """A client with a shorter timeout gives up, yet the write happened."""
    held = SleepUntilReleased()
    app, _, writes = make_app(held)
    with serving(app) as url:
        try:
            httpx.post(
                f"{url}/_admin/faults",
                json={"rules": [{"path": "items", "fault": "timeout_after_commit", "times": 1}]},
            )
            with pytest.raises(httpx.ReadTimeout):
                httpx.post(f"{url}/items", timeout=0.5)
            give_up = time.monotonic() + SAFETY_TIMEOUT
            while httpx.get(f"{url}/_admin/state").json() != {"count": 1}:
                assert time.monotonic() < give_up, "the write never happened"
                time.sleep(0.05)
            assert writes == ["item"]
        finally:
            held.released.set()


async def test_concurrent_requests_share_the_times_budget() -> None:
    """Concurrent matching requests never exceed `times` hits."""
    app, _, writes = make_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        await set_rules(client, {"path": "items", "fault": "http_500", "times": 3})
        responses = await asyncio.gather(*(client.post("/items") for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [500] * 3
    assert len(writes) == 7
