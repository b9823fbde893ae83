"""Single-flight authentication: requests that find the token stale together cause one login."""

import asyncio
from collections.abc import Awaitable, Callable

from pydantic import SecretStr

from connectors.http.errors import FailureType, RemoteError

Login = Callable[[], Awaitable[SecretStr]]
Sleep = Callable[[float], Awaitable[None]]
LOGIN_TRIES = 3
"""Credentials refused this many times in a row are a configuration error; fewer are not (a
gateway may refuse a login now and then, as it refuses tokens)."""

_shared: dict[str, SecretStr] = {}


class SingleFlightToken:
    """Holds the current bearer token; logs in lazily and at most once per stale token.

    With a SHARE_KEY (system, URL and account), clients of one process reuse the last token
    (kept in memory only), so the stages of a run do not each log in again.
    """

    def __init__(
        self, login: Login, share_key: str | None = None, *, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._login = login
        self._sleep = sleep
        self._share_key = share_key
        self._token: SecretStr | None = _shared.get(share_key) if share_key else None
        self._lock = asyncio.Lock()
        self.logins = 0

    async def get(self) -> SecretStr:
        """The current token, logging in first when there is none."""
        if self._token is not None:
            return self._token
        return await self.refresh(None)

    async def refresh(self, stale: SecretStr | None) -> SecretStr:
        """A token newer than STALE: log in unless another caller already has."""
        async with self._lock:
            if self._token is not None and (
                stale is None or self._token.get_secret_value() != stale.get_secret_value()
            ):
                return self._token
            self._token = await self._fresh_login()
            self.logins += 1
            if self._share_key:
                _shared[self._share_key] = self._token
            return self._token

    async def _fresh_login(self) -> SecretStr:
        for attempt in range(1, LOGIN_TRIES + 1):
            try:
                return await self._login()
            except RemoteError as error:
                if error.decision.failure_type is not FailureType.CONFIG or attempt == LOGIN_TRIES:
                    raise
                await self._sleep(float(attempt))
        raise AssertionError("unreachable")

    def forget(self) -> None:
        """Drop the token (e.g. after the remote refused it)."""
        self._token = None
