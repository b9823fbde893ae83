"""What the routes of one mock share: settings, state, accounts, limiter, clock, admin engines."""

from dataclasses import dataclass

from mock_servers.common.context import MockContext
from mock_servers.theodoinq.auth import Accounts
from mock_servers.theodoinq.config import TheodoinqMockConfig
from mock_servers.theodoinq.ratelimit import TokenBucket
from mock_servers.theodoinq.store import Store


@dataclass(kw_only=True)
class Mock(MockContext):
    """One running theodoinq mock."""

    config: TheodoinqMockConfig
    store: Store
    accounts: Accounts
    bucket: TokenBucket

    def reset(self) -> None:
        """Empty the state, re-seed with new ids; forget tokens, buckets, fault and drift rules,
        the write count and any freeze."""
        self.store.reset(self.config.seed, self.config.organisation, self.config.year)
        self.bucket.clear()
        self.clear_admin()
