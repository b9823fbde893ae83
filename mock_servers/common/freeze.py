"""Counting writes and freezing on the Nth, so a test can kill a client at every step.

A write is an API request that changed the stored state (each mock says which). `POST
/_admin/freeze` `{"after_writes": N, "hold_answers"?: false}`: once N more writes have been
committed (counted from this call; 0 freezes at once), the mock is frozen: it holds every later
API request, unanswered and unhandled, and lets no request still in progress commit a further
write (a write in progress waits too). With `hold_answers`, answers not yet begun when the
freeze trips are held as well (the answer of the Nth write among them: its write is done but the
client does not hear of it). `DELETE /_admin/freeze` releases: every held request is answered
with the system's HTML 503 page, never handled (it did not reach the back end); held answers go
out as they were. `/_admin/reset` releases too and counts from 0 again. `/_admin` and the API
documentation are never held. Both routes answer, as `GET /_admin/state` shows them, `{"writes":
int, "frozen": bool, "held": int (requests and answers being held now), "freeze": null |
{"at_writes": int (the write count that trips it), "hold_answers": bool}}`.
"""

import asyncio
import threading
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_servers.common.surface import ADMIN_PREFIX, is_api

POLL_SECONDS = 0.01


class FreezeRequest(BaseModel):
    """`POST /_admin/freeze`."""

    model_config = ConfigDict(extra="forbid")

    after_writes: int = Field(ge=0, description="Freeze once this many more writes committed.")
    hold_answers: bool = Field(
        default=False, description="Also hold answers not yet begun when the freeze trips."
    )


class _HeldRequest(Exception):
    """Raised in a write that waited out a freeze: it is answered 503 and writes nothing."""


class WriteGate:
    """The write counter and the freeze of one mock (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writes = 0
        self._freeze_at: int | None = None
        self._hold_answers = False
        self._frozen = False
        self._releases = 0
        self._held = 0

    @property
    def holds_answers(self) -> bool:
        """Whether answers are being held too."""
        with self._lock:
            return self._frozen and self._hold_answers

    def record_write(self) -> None:
        """Count one committed write; freeze when it is the one the freeze waits for."""
        with self._lock:
            self._writes += 1
            if self._freeze_at is not None and self._writes >= self._freeze_at:
                self._frozen = True

    def freeze(self, after_writes: int, hold_answers: bool) -> None:
        """Freeze once AFTER_WRITES more writes have been committed."""
        with self._lock:
            self._freeze_at = self._writes + after_writes
            self._hold_answers = hold_answers
            self._frozen = after_writes == 0

    def release(self) -> None:
        """Lift the freeze (held requests go on, to be answered 503)."""
        with self._lock:
            self._freeze_at = None
            self._hold_answers = False
            self._frozen = False
            self._releases += 1

    def reset(self) -> None:
        """Release and count from 0."""
        self.release()
        with self._lock:
            self._writes = 0

    async def _wait_while_frozen(self) -> bool:
        """Wait until the freeze in force (if any) is released; whether there was one."""
        with self._lock:
            if not self._frozen:
                return False
            releases = self._releases
            self._held += 1
        try:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                with self._lock:
                    if not self._frozen or self._releases != releases:
                        return True
        finally:
            with self._lock:
                self._held -= 1

    async def admit_write(self) -> None:
        """Call right before committing a write: raises _HeldRequest if it had to wait."""
        if await self._wait_while_frozen():
            raise _HeldRequest

    def snapshot(self) -> dict[str, Any]:
        """`writes`, `frozen`, `held` (requests and answers being held now) and the freeze set
        (`null` when none)."""
        with self._lock:
            freeze = (
                None
                if self._freeze_at is None
                else {"at_writes": self._freeze_at, "hold_answers": self._hold_answers}
            )
            return {
                "writes": self._writes,
                "frozen": self._frozen,
                "held": self._held,
                "freeze": freeze,
            }


class _FreezeMiddleware:
    """ASGI middleware: holds API requests (and, if asked, answers) while the gate is frozen."""

    def __init__(self, app: ASGIApp, gate: WriteGate, page: Callable[[], Response]) -> None:
        self.app = app
        self.gate = gate
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_api(scope["path"]):
            await self.app(scope, receive, send)
            return
        if await self.gate._wait_while_frozen():
            await self.page()(scope, receive, send)
            return

        async def holding_send(message: Message) -> None:
            if message["type"] == "http.response.start" and self.gate.holds_answers:
                await self.gate._wait_while_frozen()
            await send(message)

        await self.app(scope, receive, holding_send)


def install_freeze(app: FastAPI, gate: WriteGate, page: Callable[[], Response]) -> None:
    """Add the freeze middleware, its answer to held requests (PAGE) and `/_admin/freeze`."""

    async def held(_: Request, exc: Exception) -> Response:
        return page()

    app.add_exception_handler(_HeldRequest, held)
    app.add_middleware(_FreezeMiddleware, gate=gate, page=page)
    router = APIRouter(prefix=ADMIN_PREFIX, tags=["freeze"])

    @router.post("/freeze")
    def freeze(request: Annotated[FreezeRequest, Body()]) -> dict[str, Any]:
        """Freeze after that many more writes; answer `writes`, `frozen`, `freeze`."""
        gate.freeze(request.after_writes, request.hold_answers)
        return gate.snapshot()

    @router.delete("/freeze")
    def release() -> dict[str, Any]:
        """Release the freeze: held requests are answered 503."""
        gate.release()
        return gate.snapshot()

    app.include_router(router)
