"""One request path for a connector: pacing, authentication, classification and retries."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import httpx
import structlog
from pydantic import SecretStr

from connectors.http.auth import SingleFlightToken
from connectors.http.errors import Action, ErrorTable, RemoteError
from connectors.http.pacing import Pacer
from connectors.http.retry import RetryPolicy, with_retry


class Interpreter(Protocol):
    """Turns a response into its data, or raises a classified `RemoteError`."""

    def __call__(self, response: httpx.Response) -> Any:
        """The response's data."""
        ...


_PARSED = "nqsync.json_body"


def json_body(response: httpx.Response) -> Any:
    """The response's JSON when it says it is JSON and parses; otherwise None (HTML pages).

    Parsed once per response (kept in its `extensions`): treat the result as read-only.
    """
    if _PARSED in response.extensions:
        return response.extensions[_PARSED]
    body = None
    if "json" in response.headers.get("content-type", ""):
        try:
            body = response.json()
        except ValueError:
            body = None
    response.extensions[_PARSED] = body
    return body


MAX_REFRESHES = 8
"""A refused token is renewed (one login shared by every request that saw it) and the request
sent again; a request is refused this many times at most before its error is raised."""
log = structlog.get_logger("nqsync.http")

AuthHeaders = Callable[[SecretStr], Mapping[str, str]]
RequestArgs = Callable[[], Mapping[str, Any]]


@dataclass
class ApiSession:
    """A connector's way to the remote: every call goes through `request`."""

    system: str
    client: httpx.AsyncClient
    table: ErrorTable
    pacer: Pacer
    interpret: Interpreter
    auth: SingleFlightToken | None = None
    auth_headers: AuthHeaders | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    observe: Callable[[httpx.Response], None] | None = None
    """Sees every answer before it is read (e.g. to record the shapes of the remote's API)."""

    def without_auth(self, interpret: Interpreter | None = None) -> "ApiSession":
        """The same way to the remote, paced together, for calls made before logging in."""
        return replace(
            self, auth=None, auth_headers=None, interpret=interpret or self.interpret
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        args: RequestArgs | None = None,
        retry: bool = True,
        retry_unknown: bool = True,
        before_retry: Callable[[RemoteError], Awaitable[None]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send one logical request; ARGS builds fresh keyword arguments for each attempt.

        With RETRY false a single attempt is made (still re-authenticating on a refused
        token): callers whose writes are not idempotent retry themselves after looking the
        write up. Without RETRY_UNKNOWN, only failures that surely did not happen are retried.
        """

        async def attempt() -> Any:
            return await self._send_authenticated(method, url, args, kwargs)

        if not retry:
            return await attempt()
        return await with_retry(
            attempt, self.policy, before_retry=before_retry, retry_unknown=retry_unknown
        )

    async def _send_authenticated(
        self, method: str, url: str, args: RequestArgs | None, kwargs: Mapping[str, Any]
    ) -> Any:
        token = await self.auth.get() if self.auth else None
        refreshes = 0
        while True:
            try:
                return await self._send(method, url, token, args, kwargs)
            except RemoteError as error:
                if error.decision.action is not Action.REFRESH_AUTH or self.auth is None:
                    raise
                if refreshes >= MAX_REFRESHES:
                    raise
                refreshes += 1
                log.info("token_refused", system=self.system, status=error.status,
                         refresh=refreshes)
                token = await self.auth.refresh(token)

    async def _send(
        self,
        method: str,
        url: str,
        token: SecretStr | None,
        args: RequestArgs | None,
        kwargs: Mapping[str, Any],
    ) -> Any:
        call_kwargs = dict(kwargs)
        if args is not None:
            call_kwargs.update(args())
        headers = dict(call_kwargs.pop("headers", None) or {})
        if token is not None and self.auth_headers is not None:
            headers.update(self.auth_headers(token))
        auth = call_kwargs.pop("auth", httpx.USE_CLIENT_DEFAULT)
        try:
            request = self.client.build_request(method, url, headers=headers, **call_kwargs)
        except httpx.HTTPError as exc:
            raise RemoteError.from_exception(self.system, self.table, exc) from None
        try:
            response = await self.pacer.run(lambda: self.client.send(request, auth=auth))
        except (httpx.HTTPError, OSError) as exc:
            raise RemoteError.from_exception(self.system, self.table, exc) from None
        if self.observe is not None:
            self.observe(response)
        try:
            return self.interpret(response)
        except RemoteError as error:
            if error.decision.action is Action.RATE_LIMITED and error.retry_after is not None:
                self.pacer.pause(min(error.retry_after, self.policy.retry_after_cap))
            raise
