"""Fault injection shared by both mock servers (DESIGN.md, "Fault injection").

`POST /_admin/faults` takes a `FaultPlan` and replaces the rules in force; `DELETE /_admin/faults`
clears them; `GET /_admin/faults` shows the rules with how often each has hit. A rule applies to a
request whose method equals `method` (any when absent) and whose path, without the query, the
regular expression `path` matches anywhere (`re.search`). `times: n` hits the first n matching
requests, `rate: p` each matching request with probability p drawn from `random.Random(seed)`,
neither: every matching request. Rules are tried in order; the first that hits wins. Paths under
`/_admin` are never faulted.
"""

import asyncio
import re
import threading
from random import Random
from typing import Annotated, Any, Literal, Protocol

import httpx
from fastapi import APIRouter, Body, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_servers.common.clock import Sleep
from mock_servers.common.surface import ADMIN_PREFIX, PathPattern, is_admin

FaultKind = Literal[
    "http_500", "http_503", "http_429", "reset", "delay", "timeout_after_commit", "expire_token"
]

DEFAULT_COMMIT_TIMEOUT_MS = 60_000


class FaultRule(BaseModel):
    """One fault rule."""

    model_config = ConfigDict(extra="forbid")

    method: str | None = None
    path: PathPattern
    fault: FaultKind
    times: int | None = Field(default=None, ge=0)
    rate: float | None = Field(default=None, ge=0, le=1)
    delay_ms: int | None = Field(default=None, ge=0)


class FaultPlan(BaseModel):
    """The rules in force and the seed of their random draws."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    rules: list[FaultRule] = Field(default_factory=list)


class FaultShapes(Protocol):
    """How one system answers when a fault strikes."""

    def html_error(self, status: int) -> Response:
        """A 5xx with the system's HTML error page."""
        ...

    def throttled(self) -> Response:
        """The system's own 429."""
        ...

    def token_expired(self) -> Response:
        """The system's own 401 for an expired token."""
        ...

    def expire_token(self, authorization: str | None) -> None:
        """Invalidate the bearer token carried by this Authorization header."""
        ...


class FaultEngine:
    """Holds the rules and decides, request by request, which fault (if any) strikes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan = FaultPlan()
        self._patterns: list[re.Pattern[str]] = []
        self._hits: list[int] = []
        self._rng = Random(0)

    def set_plan(self, plan: FaultPlan) -> None:
        """Replace the rules in force and restart their counters and random draws."""
        with self._lock:
            self._plan = plan
            self._patterns = [re.compile(rule.path) for rule in plan.rules]
            self._hits = [0] * len(plan.rules)
            self._rng = Random(plan.seed)

    def clear(self) -> None:
        """Remove every rule."""
        self.set_plan(FaultPlan())

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The rule that strikes this request, counting the hit; None when none does."""
        with self._lock:
            for index, rule in enumerate(self._plan.rules):
                if rule.method is not None and rule.method.upper() != method.upper():
                    continue
                if not self._patterns[index].search(path):
                    continue
                if rule.times is not None and self._hits[index] >= rule.times:
                    continue
                if rule.rate is not None and self._rng.random() >= rule.rate:
                    continue
                self._hits[index] += 1
                return rule
            return None

    def snapshot(self) -> dict[str, Any]:
        """The rules in force with their hit counts."""
        with self._lock:
            return {
                "seed": self._plan.seed,
                "rules": [
                    {**rule.model_dump(), "hits": hits}
                    for rule, hits in zip(self._plan.rules, self._hits, strict=True)
                ],
            }


class _FaultMiddleware:
    """ASGI middleware that applies the engine's faults to every request outside `/_admin`."""

    def __init__(
        self, app: ASGIApp, engine: FaultEngine, shapes: FaultShapes, sleep: Sleep
    ) -> None:
        self.app = app
        self.engine = engine
        self.shapes = shapes
        self.sleep = sleep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_admin(scope["path"]):
            await self.app(scope, receive, send)
            return
        rule = self.engine.pick(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        kind = rule.fault
        if kind in ("http_500", "http_503"):
            await self.shapes.html_error(int(kind[-3:]))(scope, receive, send)
        elif kind == "http_429":
            await self.shapes.throttled()(scope, receive, send)
        elif kind == "expire_token":
            self.shapes.expire_token(_header(scope, b"authorization"))
            await self.shapes.token_expired()(scope, receive, send)
        elif kind == "delay":
            await self.sleep((rule.delay_ms or 0) / 1000)
            await self.app(scope, receive, send)
        elif kind == "reset":
            await _drop_connection(send)
        else:
            await self._commit_then_wait(scope, receive, send, rule.delay_ms)

    async def _commit_then_wait(
        self, scope: Scope, receive: Receive, send: Send, delay_ms: int | None
    ) -> None:
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        wait_ms = DEFAULT_COMMIT_TIMEOUT_MS if delay_ms is None else delay_ms
        await self.sleep(wait_ms / 1000)
        for message in held:
            await send(message)


async def _drop_connection(send: Send) -> None:
    """Start an answer and break off: the client sees a protocol error and no outcome."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
        }
    )
    raise httpx.RemoteProtocolError("fault injection: connection dropped before the answer")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def install_faults(
    app: FastAPI,
    shapes: FaultShapes,
    sleep: Sleep = asyncio.sleep,
    engine: FaultEngine | None = None,
) -> FaultEngine:
    """Add the fault middleware and the `/_admin/faults` routes to APP; return the engine.

    SLEEP does the waiting of `delay` and `timeout_after_commit` (tests inject one); ENGINE is
    the one to use (a new one by default).
    """
    engine = engine or FaultEngine()
    app.add_middleware(_FaultMiddleware, engine=engine, shapes=shapes, sleep=sleep)
    router = APIRouter(prefix=ADMIN_PREFIX, tags=["faults"])

    @router.post("/faults")
    def set_faults(plan: Annotated[FaultPlan, Body()]) -> dict[str, Any]:
        """Replace the fault rules in force; answer them with their hit counts."""
        engine.set_plan(plan)
        return engine.snapshot()

    @router.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        """Remove every fault rule."""
        engine.clear()
        return engine.snapshot()

    @router.get("/faults")
    def show_faults() -> dict[str, Any]:
        """The fault rules in force with their hit counts."""
        return engine.snapshot()

    app.include_router(router)
    return engine
