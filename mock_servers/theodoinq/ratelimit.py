"""The gateway in front of the API: base latency, request counts and a per-account token bucket."""

import json
import math
import threading
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_servers.common.clock import Sleep
from mock_servers.common.surface import is_api
from mock_servers.theodoinq.errors import rate_limited

LOGIN_PATH = "/auth_api/api/login"
_LOGIN_BODY_LIMIT = 64 * 1024


class TokenBucket:
    """Token buckets keyed by account: `rate` tokens a second, at most `burst` held."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> int:
        """Spend one token of `key`: 0 if allowed, else the whole seconds to wait (at least 1)."""
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self._rate))

    def clear(self) -> None:
        """Forget every bucket."""
        with self._lock:
            self._buckets.clear()


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body = message.get("body", b"")
        size += len(body)
        if size <= _LOGIN_BODY_LIMIT:
            chunks.append(body)
        if not message.get("more_body", False):
            break

    async def replay() -> Message:
        if messages:
            return messages.pop(0)
        return await receive()

    return b"".join(chunks), replay


def _login_user(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return ""
    username = parsed.get("username") if isinstance(parsed, dict) else None
    return username if isinstance(username, str) else ""


class Gateway:
    """ASGI middleware: counts and delays (with SLEEP) every API request, then rate-limits it.

    Requests are keyed by the account holding the bearer token; logins by the username in
    their body; anything else by the client address.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        bucket: TokenBucket,
        holder: Callable[[str | None], str | None],
        on_request: Callable[[], None],
        on_throttled: Callable[[], None],
        latency_ms: int = 0,
        sleep: Sleep,
    ) -> None:
        self.app = app
        self._bucket = bucket
        self._holder = holder
        self._on_request = on_request
        self._on_throttled = on_throttled
        self._latency = latency_ms / 1000
        self._sleep = sleep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_api(scope["path"]):
            await self.app(scope, receive, send)
            return
        self._on_request()
        if self._latency:
            await self._sleep(self._latency)
        if scope["path"] == LOGIN_PATH:
            body, receive = await _buffered(receive)
            key = "account:" + _login_user(body)
        else:
            headers = dict(scope.get("headers") or [])
            raw = headers.get(b"authorization")
            account = self._holder(None if raw is None else raw.decode("latin-1"))
            client = scope.get("client") or ("", 0)
            key = f"account:{account}" if account else f"client:{client[0]}"
        wait = self._bucket.take(key)
        if wait:
            self._on_throttled()
            await rate_limited(wait)(scope, receive, send)
            return
        await self.app(scope, receive, send)
