"""An unhandled error in a mock becomes the system's HTML 500 page, never a traceback."""

import logging
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("mock_servers")


class HtmlOnCrash:
    """ASGI middleware: answer PAGE(500) when the app raises before answering.

    Once an answer has started nothing can replace it: the error propagates and the server
    drops the connection, as a crashing back end would.
    """

    def __init__(self, app: ASGIApp, page: Callable[[int], Response]) -> None:
        self.app = app
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; answer the HTML 500 page if it raises before answering."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("mock: unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            await self.page(500)(scope, receive, send)
