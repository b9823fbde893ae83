"""Settings of the theodoinq mock server."""

from pathlib import Path

from pydantic import Field, SecretStr

from mock_servers.common.config import MockConfig


class TheodoinqMockConfig(MockConfig):
    """How one theodoinq mock behaves: seed, account, token lifetime, pacing and storage."""

    token_ttl: int = Field(default=1800, ge=1)
    rate: float = Field(default=10.0, gt=0)
    burst: int = Field(default=20, ge=1)
    username: str = "dp.vhxh"
    password: SecretStr = SecretStr("nqsync-dev-password")
    organisation: str = "UBND xã Đại Phước"
    year: int = Field(default=2026, ge=1, le=9998)

    @property
    def database_path(self) -> Path | None:
        """The SQLite file holding the state, or None for an in-memory database."""
        return None if self.data_dir is None else self.data_dir / "theodoinq.sqlite3"
