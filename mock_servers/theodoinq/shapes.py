"""theodoinq's answers to injected faults (the FaultShapes of mock_servers.common.faults)."""

from starlette.responses import Response

from mock_servers.theodoinq.auth import Accounts
from mock_servers.theodoinq.errors import html_error, rate_limited, token_expired


class TheodoinqFaultShapes:
    """HTML 5xx pages, the enveloped 429 with `Retry-After`, and 401 TOKEN_EXPIRED."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    def html_error(self, status: int) -> Response:
        """The gateway's HTML error page."""
        return html_error(status)

    def throttled(self) -> Response:
        """HTTP 429 RATE_LIMITED with `Retry-After: 1`."""
        return rate_limited(1)

    def token_expired(self) -> Response:
        """HTTP 401 TOKEN_EXPIRED."""
        return token_expired()

    def expire_token(self, authorization: str | None) -> None:
        """Invalidate the request's bearer token."""
        self._accounts.expire(authorization)
