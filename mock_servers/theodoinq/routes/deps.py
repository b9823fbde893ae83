"""What the routes share: the mock serving the request, the caller's account, grant checks."""

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import JSONResponse

from mock_servers.theodoinq.context import Mock
from mock_servers.theodoinq.errors import ApiError
from mock_servers.theodoinq.schemas import envelope
from mock_servers.theodoinq.store import GrantRecord

_bearer = HTTPBearer(auto_error=False, description="Token từ /auth_api/api/login.")


async def _get_mock(request: Request) -> Mock:
    """The mock of the app serving the request (async: no worker-thread hop per request)."""
    mock = request.app.state.mock
    assert isinstance(mock, Mock)
    return mock


MockDep = Annotated[Mock, Depends(_get_mock)]


async def account(
    request: Request,
    mock: MockDep,
    x_check_auth: Annotated[str | None, Header(alias="x-check-auth")] = None,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> str:
    """The caller's account: MISSING_CHECK_AUTH (400) without `x-check-auth: true`, then
    TOKEN_EXPIRED (401) without a valid bearer token."""
    if (x_check_auth or "").strip() != "true":
        raise ApiError("MISSING_CHECK_AUTH", http_status=400)
    return mock.accounts.account(request.headers.get("authorization"))


Account = Annotated[str, Depends(account)]


def own_grant(mock: Mock, grant_id: int) -> GrantRecord:
    """The grant, if it is the account's organisation's: NOT_FOUND or FORBIDDEN otherwise."""
    grant = mock.store.grant(grant_id)
    if grant is None:
        raise ApiError("NOT_FOUND", f"Không tìm thấy nhiệm vụ báo cáo {grant_id}.")
    if grant.organisation != mock.accounts.organisation:
        raise ApiError("FORBIDDEN")
    return grant


def ok(data: object = None) -> JSONResponse:
    """A success envelope around DATA."""
    return JSONResponse(envelope(data))
