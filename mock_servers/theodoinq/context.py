"""What the routes of one mock share: settings, state, accounts, rate limiter, fault rules."""

from dataclasses import dataclass, field
from typing import Protocol

from mock_servers.theodoinq.auth import Accounts
from mock_servers.theodoinq.config import TheodoinqMockConfig
from mock_servers.theodoinq.ratelimit import TokenBucket
from mock_servers.theodoinq.store import Store


class Clearable(Protocol):
    """Something `/_admin/reset` empties (the fault rules)."""

    def clear(self) -> None:
        """Remove everything."""


@dataclass
class Mock:
    """One running theodoinq mock."""

    config: TheodoinqMockConfig
    store: Store
    accounts: Accounts
    bucket: TokenBucket
    resettables: list[Clearable] = field(default_factory=list)

    def reset(self) -> None:
        """Empty the state, re-seed with new ids, forget tokens, buckets and fault rules."""
        self.store.reset(self.config.seed, self.config.organisation, self.config.year)
        self.bucket.clear()
        for item in self.resettables:
            item.clear()
