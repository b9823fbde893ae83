"""`POST /auth_api/api/login`."""

from fastapi import APIRouter
from starlette.responses import JSONResponse

from mock_servers.theodoinq.docs import public_responses
from mock_servers.theodoinq.routes.deps import MockDep, ok
from mock_servers.theodoinq.schemas import Envelope, LoginData, LoginRequest

router = APIRouter(tags=["auth"])


@router.post(
    "/auth_api/api/login", response_model=Envelope[LoginData], responses=public_responses()
)
async def login(mock: MockDep, credentials: LoginRequest) -> JSONResponse:
    """Log in; a wrong user or password is HTTP 200 INVALID_CREDENTIALS."""
    token, ttl = mock.accounts.login(credentials.username, credentials.password)
    return ok({"accessToken": token, "expiresIn": ttl})
