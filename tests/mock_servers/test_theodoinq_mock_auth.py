from collections.abc import AsyncIterator

import httpx
import pytest
from theodoinq_support import (
    GRANTS,
    LOGIN,
    PASSWORD,
    USERNAME,
    client_for,
    login,
    new_app,
    state,
)
from timing_support import MovableClock, RecordingSleep


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(new_app()) as c:
        yield c


async def test_login_returns_a_token_and_its_lifetime(client: httpx.AsyncClient) -> None:
    """A right login answers OK with an opaque accessToken and expiresIn 1800."""
    response = await client.post(LOGIN, json={"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "OK" and body["code"] is None and body["message"] is None
    assert body["data"]["expiresIn"] == 1800
    assert isinstance(body["data"]["accessToken"], str) and len(body["data"]["accessToken"]) >= 20


async def test_two_logins_give_two_working_tokens(client: httpx.AsyncClient) -> None:
    """Each login issues a new token; the older one keeps working until it expires."""
    first = await login(client)
    second = await login(client)
    assert first != second
    for headers in (first, second):
        assert (await client.get(GRANTS, headers=headers)).status_code == 200
    assert (await state(client))["counts"]["logins"] == 2


@pytest.mark.parametrize(
    "credentials",
    [{"username": USERNAME, "password": "sai"}, {"username": "khac", "password": PASSWORD}],
)
async def test_wrong_credentials_are_http_200_errors(
    client: httpx.AsyncClient, credentials: dict[str, str]
) -> None:
    """Wrong user or password → HTTP 200, status ERROR, INVALID_CREDENTIALS, no token."""
    response = await client.post(LOGIN, json=credentials)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ERROR",
        "code": "INVALID_CREDENTIALS",
        "message": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "data": None,
    }
    assert (await state(client))["counts"]["logins"] == 0


async def test_malformed_login_is_400(client: httpx.AsyncClient) -> None:
    """A login body that is not {username, password} strings → HTTP 400 INVALID_REQUEST."""
    response = await client.post(LOGIN, json={"username": 5})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"
    assert response.json()["status"] == "ERROR"


async def test_missing_check_auth_is_400_and_checked_first(client: httpx.AsyncClient) -> None:
    """Without `x-check-auth: true` → HTTP 400 MISSING_CHECK_AUTH, even with no or a bad token."""
    headers = await login(client)
    for sent in (
        {"Authorization": headers["Authorization"]},
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": headers["Authorization"], "x-check-auth": "false"},
    ):
        response = await client.get(GRANTS, params={"year": "abc"}, headers=sent)
        assert response.status_code == 400
        assert response.json() == {
            "status": "ERROR",
            "code": "MISSING_CHECK_AUTH",
            "message": "Thiếu tiêu đề x-check-auth.",
            "data": None,
        }


@pytest.mark.parametrize(
    "authorization", [None, "Bearer nonsense", "Basic ZHAudmh4aDp4", "Bearer "]
)
async def test_missing_or_unknown_token_is_401(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    """No token, an unknown one or another scheme → HTTP 401 TOKEN_EXPIRED."""
    headers = {"x-check-auth": "true"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = await client.get(GRANTS, headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == "ERROR"
    assert response.json()["code"] == "TOKEN_EXPIRED"
    assert response.json()["data"] is None


async def test_token_expires_after_its_lifetime() -> None:
    """A token stops working after token_ttl seconds (401 TOKEN_EXPIRED); a new login works."""
    clock = MovableClock()
    async with client_for(new_app(clock=clock, token_ttl=1)) as client:
        response = await client.post(LOGIN, json={"username": USERNAME, "password": PASSWORD})
        assert response.json()["data"]["expiresIn"] == 1
        headers = await login(client)
        clock.advance(0.9)
        assert (await client.get(GRANTS, headers=headers)).status_code == 200
        clock.advance(0.1)
        expired = await client.get(GRANTS, headers=headers)
        assert expired.status_code == 401
        assert expired.json()["code"] == "TOKEN_EXPIRED"
        assert (await client.get(GRANTS, headers=await login(client))).status_code == 200


async def test_rate_limit_answers_429_with_integer_retry_after() -> None:
    """Past the burst, an account's requests get HTTP 429 RATE_LIMITED and `Retry-After: 2`."""
    async with client_for(new_app(rate=0.5, burst=3)) as client:
        headers = await login(client)
        assert (await client.get(GRANTS, headers=headers)).status_code == 200
        assert (await client.get(GRANTS, headers=headers)).status_code == 200
        response = await client.get(GRANTS, headers=headers)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "2"
        assert response.json() == {
            "status": "ERROR",
            "code": "RATE_LIMITED",
            "message": "Quá nhiều yêu cầu, vui lòng thử lại sau.",
            "data": None,
        }
        counts = (await state(client))["counts"]
        assert counts["rateLimited"] == 1
        assert counts["requests"] == 4


async def test_rate_limit_refills_over_time() -> None:
    """The bucket refills at `rate` tokens a second: after 1/rate seconds the account may call
    again, not before."""
    clock = MovableClock()
    async with client_for(new_app(clock=clock, rate=5.0, burst=1)) as client:
        headers = await login(client)
        throttled = await client.get(GRANTS, headers=headers)
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "1"
        clock.advance(0.1)
        assert (await client.get(GRANTS, headers=headers)).status_code == 429
        clock.advance(0.2)
        assert (await client.get(GRANTS, headers=headers)).status_code == 200


async def test_logins_are_limited_per_username() -> None:
    """Login attempts share the bucket of the username they name; other usernames are apart."""
    async with client_for(new_app(rate=0.1, burst=2)) as client:
        for _ in range(2):
            response = await client.post(LOGIN, json={"username": "ke.la", "password": "x"})
            assert response.json()["code"] == "INVALID_CREDENTIALS"
        throttled = await client.post(LOGIN, json={"username": "ke.la", "password": "x"})
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) >= 1
        assert throttled.json()["code"] == "RATE_LIMITED"
        response = await client.post(LOGIN, json={"username": USERNAME, "password": PASSWORD})
        assert response.json()["status"] == "OK"


async def test_admin_and_openapi_are_not_limited() -> None:
    """`/_admin`, `/openapi.json` and `/docs` are never throttled nor counted."""
    async with client_for(new_app(rate=0.1, burst=1)) as client:
        for _ in range(5):
            assert (await client.get("/_admin/state")).status_code == 200
            assert (await client.get("/openapi.json")).status_code == 200
            assert (await client.get("/docs")).status_code == 200
        assert (await state(client))["counts"]["requests"] == 0


async def test_latency_is_added_to_api_requests_only() -> None:
    """`latency_ms` delays every API request but not /_admin nor the documentation."""
    recorded = RecordingSleep()
    async with client_for(new_app(sleep=recorded, latency_ms=300)) as client:
        await client.get("/_admin/state")
        await client.get("/openapi.json")
        assert recorded.asked == []
        await client.get(GRANTS, headers={"x-check-auth": "true"})
        await client.post(LOGIN, json={"username": USERNAME, "password": PASSWORD})
        assert recorded.asked == [0.3, 0.3]


async def test_unknown_paths_and_methods_are_enveloped(client: httpx.AsyncClient) -> None:
    """An unknown path → 404 NOT_FOUND; a wrong method → 405 with every allowed method."""
    missing = await client.get("/report_api/api/khong_co")
    assert missing.status_code == 404
    assert missing.json()["code"] == "NOT_FOUND"
    wrong = await client.delete("/report_api/api/rp_objidx_data")
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, PUT"
    assert wrong.json()["code"] == "METHOD_NOT_ALLOWED"
