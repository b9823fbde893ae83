"""Settings of the theodoinq mock server."""

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class TheodoinqMockConfig(BaseModel):
    """How one theodoinq mock behaves: seed, account, token lifetime, pacing and storage."""

    seed: int = 0
    token_ttl: int = Field(default=1800, ge=1)
    latency_ms: int = Field(default=0, ge=0)
    rate: float = Field(default=10.0, gt=0)
    burst: int = Field(default=20, ge=1)
    username: str = "dp.vhxh"
    password: SecretStr = SecretStr("nqsync-dev-password")
    organisation: str = "UBND xã Đại Phước"
    data_dir: Path | None = None
    year: int = Field(default=2026, ge=1, le=9998)

    @property
    def database_path(self) -> Path | None:
        """The SQLite file holding the state, or None for an in-memory database."""
        return None if self.data_dir is None else self.data_dir / "theodoinq.sqlite3"
