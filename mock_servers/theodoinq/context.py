"""What the routes of one mock share: settings, state, accounts, limiter, clock, admin engines."""

from dataclasses import dataclass, field

from mock_servers.common.clock import Clock
from mock_servers.common.drift import DriftEngine
from mock_servers.common.faults import FaultEngine
from mock_servers.common.freeze import WriteGate
from mock_servers.theodoinq.auth import Accounts
from mock_servers.theodoinq.clock import stamp
from mock_servers.theodoinq.config import TheodoinqMockConfig
from mock_servers.theodoinq.ratelimit import TokenBucket
from mock_servers.theodoinq.store import Store


@dataclass
class Mock:
    """One running theodoinq mock."""

    config: TheodoinqMockConfig
    store: Store
    accounts: Accounts
    bucket: TokenBucket
    clock: Clock
    gate: WriteGate = field(default_factory=WriteGate)
    drift: DriftEngine = field(default_factory=DriftEngine)
    faults: FaultEngine = field(default_factory=FaultEngine)

    def now_stamp(self) -> str:
        """The current time as theodoinq writes it (`dd/mm/yyyy HH:MM:SS`, UTC+7)."""
        return stamp(self.clock())

    def reset(self) -> None:
        """Empty the state, re-seed with new ids; forget tokens, buckets, fault and drift rules,
        the write count and any freeze."""
        self.store.reset(self.config.seed, self.config.organisation, self.config.year)
        self.bucket.clear()
        self.drift.clear()
        self.faults.clear()
        self.gate.reset()
