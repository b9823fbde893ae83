"""The WSO2 gateway in front of nq71: client-credential tokens, bearer checks, in-flight throttle.

`GatewayMiddleware` wraps everything else (fault injection included): on each request under
`/nq71/1.0` it counts the request, checks the bearer token (401 fault 900901 before anything
else), matches the resource (404/405 fault 900906), admits at most `max_in_flight` requests in
flight per application (429 fault 900800, no `Retry-After`), then adds the configured latency
while the request is still counted.
"""

import base64
import binascii
import secrets
from collections import Counter
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Security
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBasic
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_servers.common.clock import Clock, Sleep
from mock_servers.nq71.api import Ctx
from mock_servers.nq71.config import API_PREFIX, TOKEN_PATH, Nq71MockConfig
from mock_servers.nq71.errors import (
    html_error,
    invalid_credentials,
    no_matching_resource,
    throttled_out,
)
from mock_servers.nq71.openapi import Resources
from mock_servers.nq71.schemas import Fault, TokenOut
from mock_servers.nq71.store import Store

API_ACCESS_FAILURE = (
    f"Access failure for API: {API_PREFIX}, version: 1.0 status: (900901) - Invalid "
    "Credentials. Make sure you have provided the correct security credentials."
)
CLIENT_AUTH_FAILURE = "Client authentication failed: wrong or missing consumer key or secret."


def _parse_basic(authorization: str | None) -> tuple[str, str] | None:
    """The (user, password) of an HTTP Basic `Authorization` header, or None."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = (
            base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _bearer_of(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _credentials_match(config: Nq71MockConfig, authorization: str | None) -> bool:
    """Whether a Basic header carries the application's consumer key and secret."""
    pair = _parse_basic(authorization)
    if pair is None:
        return False
    key_ok = secrets.compare_digest(pair[0].encode(), config.client_id.encode())
    secret = config.client_secret.get_secret_value().encode()
    return key_ok and secrets.compare_digest(pair[1].encode(), secret)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


class GatewayMiddleware:
    """ASGI middleware: bearer check, resource match, per-application throttle, base latency."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        config: Nq71MockConfig,
        store: Store,
        clock: Clock,
        resources: Resources,
        sleep: Sleep,
    ) -> None:
        self.app = app
        self.config = config
        self.store = store
        self.clock = clock
        self.resources = resources
        self.sleep = sleep
        self.in_flight: Counter[str] = Counter()

    async def _latency(self) -> None:
        if self.config.latency_ms:
            await self.sleep(self.config.latency_ms / 1000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Guard API requests (token, resource, throttle); others pass (/token after latency)."""
        if scope["type"] != "http" or not _is_api(scope["path"]):
            if scope["type"] == "http" and scope["path"] == TOKEN_PATH:
                await self._latency()
            await self.app(scope, receive, send)
            return
        self.store.bump("requests")
        token = _bearer_of(_header(scope, b"authorization"))
        client = self.store.token_client(token, self.clock().timestamp()) if token else None
        if client is None:
            self.store.bump("unauthorized")
            await invalid_credentials(API_ACCESS_FAILURE)(scope, receive, send)
            return
        allowed = self.resources.allowed(scope["path"])
        if allowed is None or scope["method"] not in allowed:
            status = 404 if allowed is None else 405
            await no_matching_resource(status, allowed)(scope, receive, send)
            return
        if self.in_flight[client] >= self.config.max_in_flight:
            self.store.bump("throttled")
            await throttled_out()(scope, receive, send)
            return
        self.in_flight[client] += 1
        self.store.raise_to("peak_in_flight", self.in_flight[client])
        try:
            await self._latency()
            await self.app(scope, receive, send)
        finally:
            self.in_flight[client] -= 1


class Nq71FaultShapes:
    """How injected faults look on nq71 (the `FaultShapes` of `mock_servers.common.faults`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def html_error(self, status: int) -> Response:
        """The back end's HTML error page."""
        return html_error(status)

    def throttled(self) -> Response:
        """WSO2 fault 900800, no `Retry-After`."""
        return throttled_out()

    def token_expired(self) -> Response:
        """WSO2 fault 900901."""
        return invalid_credentials(API_ACCESS_FAILURE)

    def expire_token(self, authorization: str | None) -> None:
        """Invalidate the bearer token the request carried."""
        token = _bearer_of(authorization)
        if token:
            self.store.revoke_token(token)


class _DocumentedBasic(HTTPBasic):
    """HTTP Basic in the OpenAPI document only; the route checks the header itself."""

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        return None


_basic = _DocumentedBasic(scheme_name="ConsumerKeySecret")


def token_router() -> APIRouter:
    """`POST /token` at the gateway root: client credentials, consumer key and secret by Basic."""
    router = APIRouter()

    @router.post(
        TOKEN_PATH,
        response_model=TokenOut,
        responses={401: {"model": Fault, "description": "Fault 900901: bad client credentials."}},
        dependencies=[Security(_basic)],
    )
    async def issue_token(
        ctx: Ctx,
        request: Request,
        grant_type: Annotated[Literal["client_credentials"], Form()],
    ) -> TokenOut | JSONResponse:
        """An access token for the application, valid `token_ttl` seconds."""
        if not _credentials_match(ctx.config, request.headers.get("authorization")):
            return invalid_credentials(CLIENT_AUTH_FAILURE)
        ttl = ctx.config.token_ttl
        token = ctx.store.issue_token(ctx.config.client_id, ctx.now() + ttl)
        return TokenOut(access_token=token, token_type="Bearer", expires_in=ttl)

    return router
