"""Settings of the nq71 mock (the provincial system behind its WSO2 gateway)."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field, SecretStr

API_PREFIX = "/nq71/1.0"
TOKEN_PATH = "/token"
ADMIN_PREFIX = "/_admin"


class Nq71MockConfig(BaseModel):
    """How one nq71 mock app behaves: seed, gateway limits, the application's identity, storage."""

    seed: int = 0
    token_ttl: int = Field(default=3600, ge=1)
    latency_ms: int = Field(default=0, ge=0)
    max_in_flight: int = Field(default=4, ge=1)
    client_id: str = "nqsync-dev-client"
    client_secret: SecretStr = SecretStr("nqsync-dev-secret")
    ma_don_vi: str = "26491"
    ma_dinh_danh: str = "000.00.32.H19"
    data_dir: Path | None = None


class Clock(Protocol):
    """A source of the current time (timezone-aware); tests inject one they can move."""

    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    """The real current time, in UTC."""
    return datetime.now(UTC)
