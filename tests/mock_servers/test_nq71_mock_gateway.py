"""nq71 mock, gateway: OAuth2 client credentials, bearer check, agency header, throttle."""

import asyncio
import base64
from collections.abc import AsyncIterator

import httpx
import pytest
from nq71_mock_support import (
    AGENCY,
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    Nq71,
    assert_error,
    assert_fault,
    open_nq71,
)
from timing_support import HeldSleep, RecordingSleep

from mock_servers.common.server import serving
from mock_servers.nq71 import Nq71MockConfig, create_app


@pytest.fixture
async def nq71() -> AsyncIterator[Nq71]:
    async with open_nq71() as mock:
        yield mock


async def test_token_is_issued_for_basic_client_credentials(nq71: Nq71) -> None:
    """POST /token with Basic key:secret and grant_type=client_credentials gives a Bearer token."""
    resp = await nq71.http.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert len(body["access_token"]) >= 32
    assert (await nq71.state())["counts"]["tokens"] == 2


async def test_token_lifetime_follows_config() -> None:
    """expires_in is the configured token_ttl."""
    async with open_nq71(token_ttl=1) as mock:
        resp = await mock.http.post(
            "/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
        )
        assert resp.json()["expires_in"] == 1


@pytest.mark.parametrize(
    ("auth", "data"),
    [
        ((CLIENT_ID, "wrong"), {"grant_type": "client_credentials"}),
        (("someone-else", CLIENT_SECRET), {"grant_type": "client_credentials"}),
        (None, {"grant_type": "client_credentials"}),
        (
            None,
            {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        ),
        ((CLIENT_ID, CLIENT_SECRET), {"grant_type": "password"}),
        ((CLIENT_ID, CLIENT_SECRET), {}),
    ],
    ids=["bad-secret", "bad-key", "no-auth", "form-credentials", "password-grant", "no-grant"],
)
async def test_token_refused_with_fault_900901(
    nq71: Nq71, auth: tuple[str, str] | None, data: dict[str, str]
) -> None:
    """Wrong or missing Basic credentials, or another grant type: 401 fault 900901."""
    resp = await nq71.http.post("/token", data=data, auth=auth or httpx.USE_CLIENT_DEFAULT)
    assert_fault(resp, 401, 900901, "Invalid Credentials")


async def test_token_refused_for_malformed_basic_header(nq71: Nq71) -> None:
    """A Basic header that is not base64 of key:secret: 401 fault 900901."""
    for value in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Digest x"):
        resp = await nq71.http.post(
            "/token", data={"grant_type": "client_credentials"}, headers={"Authorization": value}
        )
        assert_fault(resp, 401, 900901, "Invalid Credentials")


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-token", "Basic eDp5", "Bearer "], ids=repr
)
async def test_api_without_valid_bearer_gets_fault_900901(
    nq71: Nq71, authorization: str | None
) -> None:
    """No, unknown or non-Bearer token on an API call: 401 fault 900901, whatever else is sent."""
    headers = {"X-Ma-Dinh-Danh": AGENCY}
    if authorization is not None:
        headers["Authorization"] = authorization
    resp = await nq71.http.get(f"{BASE}/chi-tieu", headers=headers)
    assert_fault(resp, 401, 900901, "Invalid Credentials")
    resp = await nq71.http.post(f"{BASE}/bao-cao", headers={}, json={})
    assert_fault(resp, 401, 900901, "Invalid Credentials")


async def test_expired_token_gets_fault_900901_and_a_new_one_works() -> None:
    """A token past its lifetime is refused with 401 900901; a fresh token is accepted."""
    async with open_nq71(token_ttl=1) as mock:
        assert (await mock.call("GET", "/chi-tieu")).status_code == 200
        mock.clock.advance(1)
        assert_fault(await mock.call("GET", "/chi-tieu"), 401, 900901, "Invalid Credentials")
        mock.token = await mock.fetch_token()
        assert (await mock.call("GET", "/chi-tieu")).status_code == 200


async def test_token_still_valid_just_before_expiry() -> None:
    """A token is accepted until its lifetime has fully passed."""
    async with open_nq71(token_ttl=60) as mock:
        mock.clock.advance(59.9)
        assert (await mock.call("GET", "/chi-tieu")).status_code == 200


async def test_missing_agency_header_is_http_400_envelope(nq71: Nq71) -> None:
    """No X-Ma-Dinh-Danh: HTTP 400 with the envelope THIEU_MA_DINH_DANH."""
    headers = {"Authorization": f"Bearer {nq71.token}"}
    resp = await nq71.http.get(f"{BASE}/chi-tieu", headers=headers)
    assert_error(resp, "THIEU_MA_DINH_DANH", "X-Ma-Dinh-Danh", status=400)
    resp = await nq71.http.post(f"{BASE}/bao-cao", headers=headers, json={"x": 1})
    assert_error(resp, "THIEU_MA_DINH_DANH", status=400)
    resp = await nq71.http.get(f"{BASE}/chi-tieu", headers={**headers, "X-Ma-Dinh-Danh": " "})
    assert_error(resp, "THIEU_MA_DINH_DANH", status=400)


async def test_wrong_agency_code_is_khong_co_quyen(nq71: Nq71) -> None:
    """Another agency's code: HTTP 200 KHONG_CO_QUYEN, even before the body is validated."""
    other = {"X-Ma-Dinh-Danh": "000.00.31.H19"}
    assert_error(await nq71.call("GET", "/chi-tieu", headers=other), "KHONG_CO_QUYEN")
    resp = await nq71.call("POST", "/bao-cao", headers=other, json={"x": 1})
    assert_error(resp, "KHONG_CO_QUYEN")


async def test_fifth_request_in_flight_is_throttled_without_retry_after() -> None:
    """With four requests in flight, a fifth gets 429 fault 900800 and no Retry-After."""
    held = HeldSleep(holding=False)
    async with open_nq71(sleep=held, latency_ms=300) as mock:
        held.hold()
        in_flight = [asyncio.create_task(mock.call("GET", "/chi-tieu")) for _ in range(4)]
        await held.until_sleeping(4)
        throttled = await mock.call("GET", "/chi-tieu")
        assert_fault(throttled, 429, 900800, "Message throttled out")
        held.release()
        assert [r.status_code for r in await asyncio.gather(*in_flight)] == [200] * 4
        assert held.asked == [0.3] * 5, "the token request, then the four in flight"
        counts = (await mock.state())["counts"]
        assert (counts["throttled"], counts["peak_in_flight"], counts["requests"]) == (1, 4, 5)
        assert (await mock.call("GET", "/chi-tieu")).status_code == 200


async def test_four_requests_in_flight_are_all_served() -> None:
    """Exactly max_in_flight concurrent requests pass."""
    held = HeldSleep(holding=False)
    async with open_nq71(sleep=held, latency_ms=200) as mock:
        held.hold()
        in_flight = [asyncio.create_task(mock.call("GET", "/chi-tieu")) for _ in range(4)]
        await held.until_sleeping(4)
        held.release()
        assert [r.status_code for r in await asyncio.gather(*in_flight)] == [200] * 4
        assert (await mock.state())["counts"]["peak_in_flight"] == 4


async def test_in_flight_limit_is_configurable() -> None:
    """max_in_flight=2: a third concurrent request is throttled."""
    held = HeldSleep(holding=False)
    async with open_nq71(sleep=held, latency_ms=200, max_in_flight=2) as mock:
        held.hold()
        in_flight = [asyncio.create_task(mock.call("GET", "/chi-tieu")) for _ in range(2)]
        await held.until_sleeping(2)
        assert (await mock.call("GET", "/chi-tieu")).status_code == 429
        held.release()
        assert [r.status_code for r in await asyncio.gather(*in_flight)] == [200, 200]


async def test_token_admin_and_openapi_are_not_counted_in_flight() -> None:
    """Token requests, /_admin and /openapi.json neither count toward nor suffer the limit."""
    held = HeldSleep(holding=False)
    async with open_nq71(sleep=held, latency_ms=300) as mock:
        held.hold()
        in_flight = [asyncio.create_task(mock.call("GET", "/chi-tieu")) for _ in range(4)]
        await held.until_sleeping(4)
        assert (await mock.http.get("/_admin/state")).status_code == 200
        assert (await mock.http.get("/openapi.json")).status_code == 200
        held.release()
        assert await mock.fetch_token()
        assert [r.status_code for r in await asyncio.gather(*in_flight)] == [200] * 4


async def test_latency_is_added_to_api_and_token_requests_only() -> None:
    """`latency_ms` delays API and token requests, not /_admin nor the documentation."""
    recorded = RecordingSleep()
    async with open_nq71(sleep=recorded, latency_ms=250) as mock:
        assert recorded.asked == [0.25]
        await mock.http.get("/_admin/state")
        await mock.http.get("/openapi.json")
        assert recorded.asked == [0.25]
        assert (await mock.call("GET", "/chi-tieu")).status_code == 200
        assert recorded.asked == [0.25, 0.25]


async def test_unknown_path_or_method_is_a_gateway_fault(nq71: Nq71) -> None:
    """Unknown resource: 404 fault 900906; known path, other method: 405 with Allow."""
    resp = await nq71.call("GET", "/khong-co")
    assert resp.status_code == 404
    assert resp.json()["fault"]["code"] == 900906
    resp = await nq71.call("DELETE", "/bao-cao")
    assert resp.status_code == 405
    assert resp.headers["allow"] == "GET, POST"
    assert resp.json()["fault"]["code"] == 900906
    resp = await nq71.call("GET", "/tai-lieu/khoi-tao")
    assert (resp.status_code, resp.headers["allow"]) == (405, "POST")
    assert (await nq71.state())["counts"]["peak_in_flight"] == 0


async def test_unknown_path_without_token_is_401_first(nq71: Nq71) -> None:
    """The bearer check comes before resource matching."""
    resp = await nq71.http.get(f"{BASE}/khong-co")
    assert_fault(resp, 401, 900901, "Invalid Credentials")


async def test_openapi_document_is_served(nq71: Nq71) -> None:
    """/openapi.json lists every route of the contract, with no 422 responses."""
    resp = await nq71.http.get("/openapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    assert set(doc["paths"]) == {
        "/token",
        f"{BASE}/chi-tieu",
        f"{BASE}/bao-cao",
        f"{BASE}/bao-cao/{{id}}",
        f"{BASE}/bao-cao/{{id}}/minh-chung",
        f"{BASE}/tai-lieu/khoi-tao",
        f"{BASE}/tai-lieu/{{upload_id}}",
        f"{BASE}/tai-lieu/{{upload_id}}/phan/{{so_thu_tu}}",
        f"{BASE}/tai-lieu/{{upload_id}}/hoan-tat",
    }
    assert "422" not in resp.text.replace("0422", "")


async def test_secret_never_in_state_or_openapi(nq71: Nq71) -> None:
    """The client secret appears in neither /_admin/state nor the OpenAPI document."""
    assert CLIENT_SECRET not in (await nq71.http.get("/_admin/state")).text
    assert CLIENT_SECRET not in (await nq71.http.get("/openapi.json")).text


def test_serves_over_a_real_socket() -> None:
    """Under uvicorn on loopback, a token and an indicator page come back."""
    app = create_app(Nq71MockConfig(seed=5))
    with serving(app) as url, httpx.Client(base_url=url) as client:
        token = client.post(
            "/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Ma-Dinh-Danh": AGENCY}
        resp = client.get(f"{BASE}/chi-tieu", headers=headers, params={"so_dong": 5})
        assert resp.status_code == 200
        assert resp.json()["du_lieu"]["tong_so"] == 44
