import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from theodoinq_support import (
    GRANTS,
    REPORT,
    client_for,
    login,
    monthly_grants,
    new_app,
    pdf,
    state,
    upload,
)
from timing_support import HeldSleep


class Faulty:
    """A logged-in client and its app, for fault rules."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.app = app
        self.client = client
        self.headers = headers

    async def rules(self, *rules: dict[str, Any], seed: int = 0) -> None:
        response = await self.client.post(
            "/_admin/faults", json={"seed": seed, "rules": list(rules)}
        )
        assert response.status_code == 200

    async def grants(self) -> httpx.Response:
        return await self.client.get(GRANTS, params={"year": 2026}, headers=self.headers)


@pytest.fixture
async def faulty() -> AsyncIterator[Faulty]:
    app = new_app()
    async with client_for(app) as client:
        yield Faulty(app, client, await login(client))


@pytest.mark.parametrize(
    ("fault", "status", "title"),
    [("http_500", 500, "500 Internal Server Error"), ("http_503", 503, "503 Service Unavailable")],
)
async def test_injected_5xx_are_html_pages(
    faulty: Faulty, fault: str, status: int, title: str
) -> None:
    """http_500 and http_503 answer the gateway's HTML page, not JSON."""
    await faulty.rules({"method": "GET", "path": "rp_grant", "fault": fault, "times": 1})
    response = await faulty.grants()
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{title}</title>" in response.text
    assert "nginx" in response.text
    assert (await faulty.grants()).status_code == 200


async def test_injected_429_is_the_enveloped_rate_limit(faulty: Faulty) -> None:
    """http_429 answers RATE_LIMITED with an integer Retry-After."""
    await faulty.rules({"path": "rp_grant", "fault": "http_429", "times": 1})
    response = await faulty.grants()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {
        "status": "ERROR",
        "code": "RATE_LIMITED",
        "message": "Quá nhiều yêu cầu, vui lòng thử lại sau.",
        "data": None,
    }


async def test_expire_token_invalidates_the_token(faulty: Faulty) -> None:
    """expire_token answers 401 TOKEN_EXPIRED and the token stays dead; a new login works."""
    await faulty.rules({"path": "rp_grant", "fault": "expire_token", "times": 1})
    response = await faulty.grants()
    assert (response.status_code, response.json()["code"]) == (401, "TOKEN_EXPIRED")
    again = await faulty.grants()
    assert (again.status_code, again.json()["code"]) == (401, "TOKEN_EXPIRED")
    faulty.headers = await login(faulty.client)
    assert (await faulty.grants()).status_code == 200


async def test_delay_answers_normally_after_the_delay() -> None:
    """delay holds the request for delay_ms, then answers it."""
    held = HeldSleep()
    app = new_app(sleep=held)
    async with client_for(app) as client:
        faulty = Faulty(app, client, await login(client))
        await faulty.rules({"path": "rp_grant", "fault": "delay", "delay_ms": 300, "times": 1})
        delayed = asyncio.create_task(faulty.grants())
        await held.until_sleeping(1)
        assert held.asked == [0.3] and not delayed.done()
        held.release()
        response = await delayed
    assert response.status_code == 200 and response.json()["status"] == "OK"


async def test_times_hits_only_the_first_n_matching_requests(faulty: Faulty) -> None:
    """`times: 2` on PUT fails the first two saves; reads and later saves go through."""
    await faulty.rules(
        {"method": "PUT", "path": "rp_objidx_data$", "fault": "http_503", "times": 2}
    )
    grant_id = (await monthly_grants(faulty.client, faulty.headers))[1]
    params = {"grant_id": grant_id, "action": "input"}
    rows = (await faulty.client.get(REPORT, params={"grant_id": grant_id}, headers=faulty.headers))
    assert rows.status_code == 200
    statuses = [
        (await faulty.client.put(REPORT, params=params, headers=faulty.headers,
                                 json=rows.json()["data"])).status_code
        for _ in range(3)
    ]
    assert statuses == [503, 503, 200]
    assert (await state(faulty.client))["counts"]["saves"] == 1


async def test_a_faulted_upload_stores_nothing(faulty: Faulty) -> None:
    """An upload answered by an injected 500 is not carried out."""
    await faulty.rules({"path": "upload", "fault": "http_500", "times": 1})
    assert (await upload(faulty.client, faulty.headers, "a.pdf", pdf())).status_code == 500
    assert (await state(faulty.client))["files"] == []


async def test_rules_can_be_cleared(faulty: Faulty) -> None:
    """DELETE /_admin/faults and /_admin/reset both remove the rules."""
    await faulty.rules({"path": ".", "fault": "http_500"})
    assert (await faulty.grants()).status_code == 500
    assert (await faulty.client.delete("/_admin/faults")).status_code == 200
    assert (await faulty.grants()).status_code == 200
    await faulty.rules({"path": ".", "fault": "http_500"})
    await faulty.client.post("/_admin/reset")
    assert (await faulty.client.get("/_admin/faults")).json()["rules"] == []
    faulty.headers = await login(faulty.client)
    assert (await faulty.grants()).status_code == 200


async def test_admin_paths_are_never_faulted(faulty: Faulty) -> None:
    """A rule matching everything leaves /_admin alone."""
    await faulty.rules({"path": ".", "fault": "http_500"})
    assert (await faulty.client.get("/_admin/state")).status_code == 200


async def test_the_rate_limiter_sits_outside_the_faults() -> None:
    """A throttled request is answered 429 by the gateway before any fault rule sees it."""
    app = new_app(rate=0.1, burst=2)
    async with client_for(app) as client:
        headers = await login(client)
        await client.post("/_admin/faults", json={"rules": [{"path": ".", "fault": "http_500"}]})
        assert (await client.get(GRANTS, headers=headers)).status_code == 500
        assert (await client.get(GRANTS, headers=headers)).status_code == 429
        hits = (await client.get("/_admin/faults")).json()["rules"][0]["hits"]
        assert hits == 1


async def test_an_unhandled_error_is_an_html_500(
    faulty: Faulty, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash inside the app answers the HTML 500 page, never a traceback."""

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(faulty.app.state.mock.store, "grants", broken)
    response = await faulty.grants()
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>500 Internal Server Error</title>" in response.text
    assert "secret" not in response.text and "Traceback" not in response.text
