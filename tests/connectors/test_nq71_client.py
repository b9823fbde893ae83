import asyncio
import base64

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.http.client import make_client
from connectors.http.errors import Action, FailureType, RemoteError
from connectors.http.pacing import InFlightLimit
from connectors.http.retry import RetryPolicy
from connectors.nq71.client import Nq71Client

GW = "http://127.0.0.1:8702"
API = f"{GW}/nq71/1.0"
FAST = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.02, jitter=0.0)


def ok(data: object) -> httpx.Response:
    return httpx.Response(
        200, json={"thanh_cong": True, "du_lieu": data, "ma_loi": None, "thong_bao": None}
    )


def fail(code: str, status: int = 200) -> httpx.Response:
    body = {"thanh_cong": False, "du_lieu": None, "ma_loi": code, "thong_bao": f"Lỗi {code}"}
    return httpx.Response(status, json=body)


def fault(code: int, status: int) -> httpx.Response:
    body = {"fault": {"code": code, "message": "m", "description": "d"}}
    return httpx.Response(status, json=body)


def client(limit: int = 4) -> Nq71Client:
    return Nq71Client(
        make_client(GW),
        "app-id",
        SecretStr("app-s3cret"),
        "26491",
        "000.00.32.H19",
        pacer=InFlightLimit(limit),
        policy=FAST,
    )


def mock_token(tokens: list[str]) -> respx.Route:
    issued = iter(tokens)
    return respx.post(f"{GW}/token").mock(
        side_effect=lambda request: httpx.Response(
            200, json={"access_token": next(issued), "token_type": "Bearer", "expires_in": 3600}
        )
    )


@respx.mock
async def test_token_uses_basic_auth_and_calls_send_agency_code() -> None:
    """The token is fetched with Basic auth; calls carry the bearer and X-Ma-Dinh-Danh."""
    token = mock_token(["t1"])
    route = respx.get(f"{API}/chi-tieu").mock(
        return_value=ok({"danh_sach": [{"ma_chi_tieu": "CT01"}], "tong_so": 1, "trang": 1})
    )
    assert await client().indicators() == [{"ma_chi_tieu": "CT01"}]
    sent = token.calls.last.request
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(
        b"app-id:app-s3cret"
    ).decode()
    assert b"grant_type=client_credentials" in sent.content
    call = route.calls.last.request
    assert call.headers["Authorization"] == "Bearer t1"
    assert call.headers["X-Ma-Dinh-Danh"] == "000.00.32.H19"
    assert call.url.params["trang"] == "1" and call.url.params["ma_don_vi"] == "26491"


@respx.mock
async def test_pages_are_one_based_and_all_read() -> None:
    """A list of 120 is read over pages 1, 2, 3."""
    mock_token(["t1"])

    def page(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["trang"])
        start = (number - 1) * 50
        items = [{"id": i} for i in range(start, min(start + 50, 120))]
        return ok({"danh_sach": items, "tong_so": 120, "trang": number, "so_dong": 50})

    route = respx.get(f"{API}/bao-cao").mock(side_effect=page)
    reports = await client().reports(period="11/2026")
    assert [r["id"] for r in reports] == list(range(120))
    assert [c.request.url.params["trang"] for c in route.calls] == ["1", "2", "3"]
    assert route.calls.last.request.url.params["ky_bao_cao"] == "11/2026"


@respx.mock
async def test_business_error_with_http_200_raises() -> None:
    """`thanh_cong: false` is an error with its `ma_loi`, never success."""
    mock_token(["t1"])
    respx.post(f"{API}/bao-cao").mock(return_value=fail("THIEU_MINH_CHUNG"))
    with pytest.raises(RemoteError) as caught:
        await client().create_report({"ma_chi_tieu": "CT01", "tinh_trang": 3})
    assert caught.value.code == "THIEU_MINH_CHUNG"
    assert caught.value.decision.failure_type is FailureType.CONFIG


@respx.mock
async def test_wrong_client_secret_is_a_config_failure_without_the_secret() -> None:
    """A 401 fault on the token endpoint fails as config; the secret is in no error text."""
    respx.post(f"{GW}/token").mock(return_value=fault(900901, 401))
    with pytest.raises(RemoteError) as caught:
        await client().indicators()
    assert caught.value.decision.action is Action.FAIL
    assert caught.value.decision.failure_type is FailureType.CONFIG
    assert "app-s3cret" not in str(caught.value)


@respx.mock
async def test_expired_token_fault_refreshes_once_for_all() -> None:
    """Requests that see fault 900901 together cause one token fetch."""
    token = mock_token(["old", "new"])

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer old":
            return fault(900901, 401)
        return ok({"danh_sach": [], "tong_so": 0, "trang": 1})

    respx.get(f"{API}/bao-cao").mock(side_effect=answer)
    api = client()
    await api.auth.get()
    await asyncio.gather(*(api.reports(period="11/2026") for _ in range(5)))
    assert token.call_count == 2


@respx.mock
async def test_throttle_fault_backs_off_without_retry_after() -> None:
    """Fault 900800 (429, no Retry-After) is retried with backoff."""
    mock_token(["t1"])
    route = respx.get(f"{API}/tai-lieu/u1").mock(
        side_effect=[fault(900800, 429), ok({"da_nhan": [0, 2], "hoan_tat": False})]
    )
    assert await client().upload_status("u1") == ({0, 2}, False)
    assert route.call_count == 2


@respx.mock
async def test_create_is_one_attempt_on_unknown_outcome() -> None:
    """A POST whose outcome is unknown is not re-sent by the client itself."""
    mock_token(["t1"])
    route = respx.post(f"{API}/bao-cao").mock(
        side_effect=httpx.Response(503, html="<html>Service Unavailable</html>")
    )
    with pytest.raises(RemoteError) as caught:
        await client().create_report({"ma_chi_tieu": "CT01"})
    assert caught.value.outcome_unknown
    assert route.call_count == 1


@respx.mock
async def test_in_flight_never_exceeds_the_cap() -> None:
    """Twenty concurrent calls keep at most four in flight."""
    mock_token(["t1"])
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return ok({"danh_sach": [], "tong_so": 0})

    respx.get(f"{API}/bao-cao/1/minh-chung").mock(side_effect=slow)
    api = client()
    await asyncio.gather(*(api.attachments(1) for _ in range(20)))
    assert peak == 4


@respx.mock
async def test_unreachable_gateway_is_tried_a_bounded_number_of_times() -> None:
    """Connection refused: the login is retried by the one policy, not a loop inside a loop."""
    token = respx.post(f"{GW}/token").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(RemoteError) as caught:
        await client().indicators()
    assert token.call_count == FAST.max_attempts
    assert caught.value.retryable and "lỗi kết nối" in caught.value.message
