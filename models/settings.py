"""Runtime settings, read from `NQSYNC_*` environment variables and a `.env` file.

`get_settings` raises `SettingsError` when a value is unusable: one Vietnamese line per
problem, naming the variable, what it needs and what it got (never the value of a secret).
"""

import os
import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.net import is_loopback_host

ENV_PREFIX = "NQSYNC_"

DEV_THEODOINQ_URL = "http://127.0.0.1:8701"
DEV_THEODOINQ_USERNAME = "dp.vhxh"
DEV_THEODOINQ_PASSWORD = "nqsync-dev-password"
DEV_NQ71_URL = "http://127.0.0.1:8702"
DEV_NQ71_CLIENT_ID = "nqsync-dev-client"
DEV_NQ71_CLIENT_SECRET = "nqsync-dev-secret"
DEV_NQ71_MA_DON_VI = "26491"
DEV_NQ71_MA_DINH_DANH = "000.00.32.H19"

DEFAULT_DATABASE_URL = "sqlite:///nqsync.db"

_DEV_SECRETS: dict[str, str] = {
    "theodoinq_password": DEV_THEODOINQ_PASSWORD,
    "nq71_client_secret": DEV_NQ71_CLIENT_SECRET,
}
_REMOTE_URLS = ("theodoinq_url", "nq71_url")
_SECRET_FIELDS = frozenset({"theodoinq_password", "nq71_client_secret"})
ENV_FILE = ".env"

NEEDS: Mapping[str, str] = {
    "env": "development hoặc production",
    "database_url": "địa chỉ cơ sở dữ liệu, ví dụ sqlite:///nqsync.db",
    "report_dir": "đường dẫn thư mục, ví dụ reports",
    "http_timeout": "số giây lớn hơn 0, ví dụ 30",
    "log_level": "DEBUG, INFO, WARNING hoặc ERROR",
    "assignments": "đường dẫn tệp Excel phân công, ví dụ phan-cong.xlsx",
    "behind_threshold": "số từ 0 đến 1, ví dụ 0.5",
    "plan_max_age_hours": "số giờ lớn hơn 0, ví dụ 24",
    "approval": "không hoặc cần duyệt",
    "on_drift": "stop (dừng ghi khi API của hệ thống thay đổi) hoặc warn (chỉ cảnh báo)",
    "theodoinq_url": "địa chỉ http:// hoặc https:// có tên máy, ví dụ https://theodoinq.dcs.vn",
    "theodoinq_username": "tên đăng nhập theodoinq, ví dụ dp.vhxh",
    "theodoinq_password": "mật khẩu theodoinq",
    "nq71_url": "địa chỉ http:// hoặc https:// có tên máy, ví dụ https://nq71.dongnai.gov.vn",
    "nq71_client_id": "mã ứng dụng (client id) trên nq71",
    "nq71_client_secret": "khóa bí mật (client secret) trên nq71",
    "nq71_ma_don_vi": "mã đơn vị của xã trên nq71, ví dụ 26491",
    "nq71_ma_dinh_danh": "mã định danh cơ quan, ví dụ 000.00.32.H19",
    "nq71_mapping": "đường dẫn tệp JSON hoặc CSV (mã kế hoạch → CTnn)",
}
"""What each setting needs, in the words of the error messages."""


class Environment(StrEnum):
    """Where nqsync runs: development accepts the mock servers' accounts, production does not."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


def env_name(field: str) -> str:
    """The environment variable that sets a settings field, e.g. `NQSYNC_NQ71_URL`."""
    return f"{ENV_PREFIX}{field.upper()}"


class Settings(BaseSettings):
    """nqsync's configuration; every field is set by `NQSYNC_<FIELD>` or the `.env` file."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
        frozen=True,
    )

    env: Environment = Environment.DEVELOPMENT
    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)
    report_dir: Path = Path("reports")
    http_timeout: float = Field(default=30.0, gt=0)
    log_level: str = "INFO"
    assignments: Path | None = None
    behind_threshold: float = Field(default=0.5, ge=0, le=1)
    on_drift: Literal["stop", "warn"] = "stop"
    plan_max_age_hours: float = Field(default=24.0, gt=0)
    approval: Literal["không", "cần duyệt"] = "không"

    theodoinq_url: str = DEV_THEODOINQ_URL
    theodoinq_username: str = DEV_THEODOINQ_USERNAME
    theodoinq_password: SecretStr = SecretStr(DEV_THEODOINQ_PASSWORD)

    nq71_url: str = DEV_NQ71_URL
    nq71_client_id: str = DEV_NQ71_CLIENT_ID
    nq71_client_secret: SecretStr = SecretStr(DEV_NQ71_CLIENT_SECRET)
    nq71_ma_don_vi: str = DEV_NQ71_MA_DON_VI
    nq71_ma_dinh_danh: str = DEV_NQ71_MA_DINH_DANH
    nq71_mapping: Path | None = None

    @field_validator("env", mode="before")
    @classmethod
    def _normalise_env(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(NEEDS["log_level"])
        return level

    @field_validator(*_REMOTE_URLS)
    @classmethod
    def _check_url(cls, value: str, info: ValidationInfo) -> str:
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(NEEDS[info.field_name or "theodoinq_url"])
        return url

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        url = value.strip()
        if "://" not in url:
            raise ValueError(NEEDS["database_url"])
        return url

    @model_validator(mode="after")
    def _refuse_development_values_in_production(self) -> "Settings":
        if self.env is not Environment.PRODUCTION:
            return self
        problems: list[str] = []
        for field, default in _DEV_SECRETS.items():
            value = getattr(self, field).get_secret_value()
            if not value:
                problems.append(f"{env_name(field)} phải được đặt khi NQSYNC_ENV=production")
            elif value == default:
                problems.append(
                    f"{env_name(field)} đang là giá trị mặc định để phát triển "
                    "(development default), không dùng được khi NQSYNC_ENV=production"
                )
        for field in _REMOTE_URLS:
            parts = urlsplit(getattr(self, field))
            if parts.scheme != "https" and not is_loopback_host(parts.hostname or ""):
                problems.append(
                    f"{env_name(field)} phải dùng https khi NQSYNC_ENV=production "
                    "(http chỉ được dùng trên loopback)"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def secret_values(self) -> tuple[str, ...]:
        """The configured secrets that are set: passwords, client secret, database password."""
        candidates = [
            self.theodoinq_password.get_secret_value(),
            self.nq71_client_secret.get_secret_value(),
        ]
        db_password = urlsplit(self.database_url).password
        if db_password:
            candidates += [db_password, unquote(db_password)]
        return tuple(dict.fromkeys(value for value in candidates if value))


class SettingsError(ValueError):
    """Settings that cannot be used; the message is one Vietnamese line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _origin(variable: str) -> str:
    if variable in os.environ:
        return variable
    return f"{variable} (trong tệp {ENV_FILE})"


def _shown(field: str, value: Any) -> str:
    if field in _SECRET_FIELDS:
        return "(giá trị bí mật, không in ra)"
    if field == "database_url" and isinstance(value, str):
        value = re.sub(r":[^:/@]*@", ":***@", value)
    return f"«{value}»"


def describe_error(error: ValidationError) -> list[str]:
    """One Vietnamese line per problem in ERROR: the variable, what it needs, what it got."""
    problems: list[str] = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        if field in NEEDS:
            variable = env_name(field)
            got = _shown(field, item.get("input"))
            problems.append(f"{_origin(variable)} cần {NEEDS[field]}; đang là {got}")
        else:
            problems.extend(part.strip() for part in message.split("; ") if part.strip())
    return problems


def load_settings() -> Settings:
    """Settings from the environment and `.env`, or `SettingsError` saying what to fix."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe_error(error)) from error
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(
            [f"Không đọc được tệp {ENV_FILE} (cần văn bản UTF-8 dạng TÊN=giá trị): {error}"]
        ) from error


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once; `get_settings.cache_clear()` re-reads them.

    Raises `SettingsError` (Vietnamese, naming each variable) when a value is unusable.
    """
    return load_settings()
