"""nq71 mock, OpenAPI conformance: schemathesis against the app in-process.

`negative_data_rejection` is left out on purpose: nq71 answers malformed input with HTTP 200 and
`DU_LIEU_KHONG_HOP_LE` in the envelope (a deliberate quirk of the contract), not with a 4xx.
"""

import asyncio
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from nq71_mock_support import AGENCY, CLIENT_ID, CLIENT_SECRET
from schemathesis.specs.openapi.checks import negative_data_rejection

from mock_servers.nq71 import Nq71MockConfig, create_app

app = create_app(Nq71MockConfig(seed=3))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


async def _token() -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://nq71.test") as client:
        resp = await client.post(
            "/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
        )
    token = resp.json()["access_token"]
    assert isinstance(token, str)
    return token


@pytest.fixture(scope="module")
def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {asyncio.run(_token())}", "X-Ma-Dinh-Danh": AGENCY}


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_responses_conform_to_the_openapi_document(case: Any, auth_headers: dict[str, str]) -> None:
    """Generated requests get no 5xx and only documented statuses, content types and bodies."""
    case.call_and_validate(headers=auth_headers, excluded_checks=[negative_data_rejection])
