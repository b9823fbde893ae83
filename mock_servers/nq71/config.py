"""Settings of the nq71 mock (the provincial system behind its WSO2 gateway)."""

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr

API_PREFIX = "/nq71/1.0"
TOKEN_PATH = "/token"


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
