"""What the routes of one nq71 mock app share: settings, store, clock and the admin engines."""

from dataclasses import dataclass, field
from datetime import timedelta, timezone

from fastapi import Request

from mock_servers.common.clock import Clock
from mock_servers.common.drift import DriftEngine
from mock_servers.common.faults import FaultEngine
from mock_servers.common.freeze import WriteGate
from mock_servers.nq71.config import Nq71MockConfig
from mock_servers.nq71.store import Store

LOCAL_TZ = timezone(timedelta(hours=7))


@dataclass
class Nq71Context:
    """The app's settings, state, clock, write gate, drift and fault rules."""

    config: Nq71MockConfig
    store: Store
    clock: Clock
    gate: WriteGate = field(default_factory=WriteGate)
    drift: DriftEngine = field(default_factory=DriftEngine)
    faults: FaultEngine = field(default_factory=FaultEngine)

    def now(self) -> float:
        """The current time in epoch seconds."""
        return self.clock().timestamp()

    def stamp(self) -> str:
        """The current local time (UTC+7) as nq71 writes it: `dd/mm/yyyy HH:MM:SS`, no offset."""
        return self.clock().astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")

    def reset(self, seed: int) -> None:
        """Empty state seeded with SEED; no fault or drift rules, no freeze, no writes counted."""
        self.store.reset(seed)
        self.faults.clear()
        self.drift.clear()
        self.gate.reset()


def get_context(request: Request) -> Nq71Context:
    """The context of the app serving the request."""
    ctx = request.app.state.nq71
    assert isinstance(ctx, Nq71Context)
    return ctx
