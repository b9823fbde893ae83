import asyncio
import json
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.http.client import make_client
from connectors.http.errors import Action, FailureType, RemoteError
from connectors.http.pacing import TokenBucket
from connectors.http.retry import RetryPolicy
from connectors.theodoinq.client import TheodoinqClient

BASE = "http://127.0.0.1:8701"
FAST = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.02, jitter=0.0)


def ok(data: object) -> httpx.Response:
    return httpx.Response(200, json={"status": "OK", "code": None, "message": None, "data": data})


def error(code: str, status: int = 200, **headers: str) -> httpx.Response:
    body = {"status": "ERROR", "code": code, "message": f"lỗi {code}", "data": None}
    return httpx.Response(status, json=body, headers=headers)


def client() -> TheodoinqClient:
    return TheodoinqClient(
        make_client(BASE),
        "dp.vhxh",
        SecretStr("s3cret-pass"),
        pacer=TokenBucket(rate=1000, burst=100),
        policy=FAST,
    )


def mock_login(tokens: list[str]) -> respx.Route:
    issued = iter(tokens)
    return respx.post(f"{BASE}/auth_api/api/login").mock(
        side_effect=lambda request: ok({"accessToken": next(issued), "expiresIn": 1800})
    )


@respx.mock
async def test_every_call_sends_bearer_and_check_auth() -> None:
    """Calls carry `Authorization: Bearer` and `x-check-auth: true`; login gets the password."""
    login = mock_login(["tok-1"])
    grants = respx.get(f"{BASE}/report_api/api/rp_grant").mock(return_value=ok([{"grantId": 1}]))
    assert await client().grants(2026) == [{"grantId": 1}]
    sent = grants.calls.last.request
    assert sent.headers["Authorization"] == "Bearer tok-1"
    assert sent.headers["x-check-auth"] == "true"
    assert sent.headers["User-Agent"].startswith("nqsync/")
    assert sent.url.params["year"] == "2026"
    assert json.loads(login.calls.last.request.content)["password"] == "s3cret-pass"


@respx.mock
async def test_http_200_business_error_is_never_success() -> None:
    """`status: ERROR` with HTTP 200 raises with its code, classified, without retries."""
    mock_login(["tok-1"])
    save = respx.put(f"{BASE}/report_api/api/rp_objidx_data").mock(
        return_value=error("EVIDENCE_REQUIRED")
    )
    with pytest.raises(RemoteError) as caught:
        await client().save(1, [])
    assert caught.value.code == "EVIDENCE_REQUIRED"
    assert caught.value.decision.failure_type is FailureType.CONFIG
    assert save.call_count == 1


@respx.mock
async def test_wrong_credentials_fail_as_config_and_hide_the_password() -> None:
    """INVALID_CREDENTIALS is a config failure; the password is in no error text."""
    respx.post(f"{BASE}/auth_api/api/login").mock(return_value=error("INVALID_CREDENTIALS"))
    with pytest.raises(RemoteError) as caught:
        await client().grants(2026)
    assert caught.value.decision.action is Action.FAIL
    assert caught.value.decision.failure_type is FailureType.CONFIG
    assert "s3cret-pass" not in str(caught.value) and "s3cret-pass" not in repr(caught.value)


@respx.mock
async def test_html_5xx_is_retried() -> None:
    """A 502 with an HTML body is a transient failure and is retried."""
    mock_login(["tok-1"])
    route = respx.get(f"{BASE}/report_api/api/rp_objidx_data").mock(
        side_effect=[
            httpx.Response(502, html="<html><body>502 Bad Gateway</body></html>"),
            ok([{"idxId": 1}]),
        ]
    )
    assert await client().report(7) == [{"idxId": 1}]
    assert route.call_count == 2


@respx.mock
async def test_expired_token_logs_in_once_for_concurrent_calls() -> None:
    """Concurrent calls that all see TOKEN_EXPIRED cause one new login, then succeed."""
    login = mock_login(["old", "new"])

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer old":
            return error("TOKEN_EXPIRED", 401)
        return ok([])

    respx.get(f"{BASE}/file_api/api/files").mock(side_effect=answer)
    api = client()
    await api.auth.get()
    await asyncio.gather(*(api.files_by_sha256("ab" * 32) for _ in range(6)))
    assert login.call_count == 2


@respx.mock
async def test_429_waits_for_retry_after() -> None:
    """A 429 with an integer Retry-After is waited out, then retried."""
    mock_login(["tok-1"])
    route = respx.get(f"{BASE}/report_api/api/rp_grant").mock(
        side_effect=[error("RATE_LIMITED", 429, **{"Retry-After": "1"}), ok([])]
    )
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    paced = TokenBucket(rate=1000, burst=100, sleep=sleep)
    api = TheodoinqClient(
        make_client(BASE), "dp.vhxh", SecretStr("s3cret-pass"), pacer=paced,
        policy=replace(FAST, sleep=sleep),
    )
    assert await api.grants(2026) == []
    assert route.call_count == 2
    assert paced.paused == 1.0 and 1.0 in slept


@respx.mock
async def test_upload_is_one_attempt_and_streams_the_file(tmp_path: Path) -> None:
    """An upload that fails with an unknown outcome is not blindly re-sent."""
    mock_login(["tok-1"])
    evidence = tmp_path / "bien-ban.pdf"
    evidence.write_bytes(b"%PDF-1.4 test")
    route = respx.post(f"{BASE}/file_api/api/upload").mock(
        side_effect=httpx.ReadTimeout("slow")
    )
    with pytest.raises(RemoteError) as caught:
        await client().upload(evidence)
    assert caught.value.outcome_unknown
    assert route.call_count == 1
    assert b"%PDF-1.4 test" in route.calls.last.request.read()
