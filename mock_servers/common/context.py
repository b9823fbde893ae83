"""What every mock app's routes share besides its own state: the clock and the admin engines."""

from dataclasses import dataclass, field

from mock_servers.common.clock import Clock, stamp
from mock_servers.common.drift import DriftEngine
from mock_servers.common.faults import FaultEngine
from mock_servers.common.freeze import WriteGate


@dataclass(kw_only=True)
class MockContext:
    """The clock, the write gate (freeze), and the drift and fault rules of one mock app."""

    clock: Clock
    gate: WriteGate = field(default_factory=WriteGate)
    drift: DriftEngine = field(default_factory=DriftEngine)
    faults: FaultEngine = field(default_factory=FaultEngine)

    def stamp(self) -> str:
        """The current time as the remote writes it: `dd/mm/yyyy HH:MM:SS` in UTC+7."""
        return stamp(self.clock())

    def clear_admin(self) -> None:
        """No fault or drift rules, no freeze, no writes counted by the gate."""
        self.faults.clear()
        self.drift.clear()
        self.gate.reset()
