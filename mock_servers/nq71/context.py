"""What the routes of one nq71 mock app share: settings, store, clock and the admin engines."""

from dataclasses import dataclass

from fastapi import Request

from mock_servers.common.context import MockContext
from mock_servers.nq71.config import Nq71MockConfig
from mock_servers.nq71.store import Store


@dataclass(kw_only=True)
class Nq71Context(MockContext):
    """The app's settings and state, with the clock, write gate, drift and fault rules."""

    config: Nq71MockConfig
    store: Store

    def now(self) -> float:
        """The current time in epoch seconds."""
        return self.clock().timestamp()

    def reset(self, seed: int) -> None:
        """Empty state seeded with SEED; no fault or drift rules, no freeze, no writes counted."""
        self.store.reset(seed)
        self.clear_admin()


async def get_context(request: Request) -> Nq71Context:
    """The context of the app serving the request (async: FastAPI would run a plain function
    in a worker thread, a hop per request)."""
    ctx = request.app.state.nq71
    assert isinstance(ctx, Nq71Context)
    return ctx
