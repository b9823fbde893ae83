"""What the routes of one nq71 mock app share: settings, store, clock."""

from dataclasses import dataclass
from datetime import timedelta, timezone

from fastapi import Request

from mock_servers.nq71.config import Clock, Nq71MockConfig
from mock_servers.nq71.store import Store

LOCAL_TZ = timezone(timedelta(hours=7))


@dataclass
class Nq71Context:
    """The app's settings, state and clock."""

    config: Nq71MockConfig
    store: Store
    clock: Clock

    def now(self) -> float:
        """The current time in epoch seconds."""
        return self.clock().timestamp()

    def stamp(self) -> str:
        """The current local time (UTC+7) as nq71 writes it: `dd/mm/yyyy HH:MM:SS`, no offset."""
        return self.clock().astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")


def get_context(request: Request) -> Nq71Context:
    """The context of the app serving the request."""
    ctx = request.app.state.nq71
    assert isinstance(ctx, Nq71Context)
    return ctx
