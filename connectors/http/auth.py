"""Single-flight authentication: requests that find the token stale together cause one login."""

import asyncio
from collections.abc import Awaitable, Callable

from pydantic import SecretStr

Login = Callable[[], Awaitable[SecretStr]]

_shared: dict[str, SecretStr] = {}


class SingleFlightToken:
    """Holds the current bearer token; logs in lazily and at most once per stale token.

    With a SHARE_KEY (system, URL and account), clients of one process reuse the last token
    (kept in memory only), so the stages of a run do not each log in again.
    """

    def __init__(self, login: Login, share_key: str | None = None) -> None:
        self._login = login
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
            self._token = await self._login()
            self.logins += 1
            if self._share_key:
                _shared[self._share_key] = self._token
            return self._token

    def forget(self) -> None:
        """Drop the token (e.g. after the remote refused it)."""
        self._token = None
