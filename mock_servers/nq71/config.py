"""Settings of the nq71 mock (the provincial system behind its WSO2 gateway)."""

from pydantic import Field, SecretStr

from mock_servers.common.config import MockConfig

API_PREFIX = "/nq71/1.0"
TOKEN_PATH = "/token"


class Nq71MockConfig(MockConfig):
    """How one nq71 mock app behaves: seed, gateway limits, the application's identity, storage."""

    token_ttl: int = Field(default=3600, ge=1)
    max_in_flight: int = Field(default=4, ge=1)
    client_id: str = "nqsync-dev-client"
    client_secret: SecretStr = SecretStr("nqsync-dev-secret")
    ma_don_vi: str = "26491"
    ma_dinh_danh: str = "000.00.32.H19"
