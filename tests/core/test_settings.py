import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from models import settings as settings_module
from models.settings import (
    DEV_NQ71_CLIENT_ID,
    DEV_NQ71_CLIENT_SECRET,
    DEV_NQ71_MA_DINH_DANH,
    DEV_NQ71_MA_DON_VI,
    DEV_NQ71_URL,
    DEV_THEODOINQ_PASSWORD,
    DEV_THEODOINQ_URL,
    DEV_THEODOINQ_USERNAME,
    Environment,
    Settings,
    SettingsError,
    get_settings,
    load_settings,
)

PROD_PASSWORD = "Tq-prod-9f83e1c2"
PROD_SECRET = "Nq-prod-77ab41d0"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Run each test with no NQSYNC_* variables, in an empty working directory."""
    for name in list(os.environ):
        if name.upper().startswith("NQSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def production_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NQSYNC_ENV", "production")
    monkeypatch.setenv("NQSYNC_THEODOINQ_URL", "https://theodoinq.dcs.vn")
    monkeypatch.setenv("NQSYNC_THEODOINQ_PASSWORD", PROD_PASSWORD)
    monkeypatch.setenv("NQSYNC_NQ71_URL", "https://nq71.dongnai.gov.vn")
    monkeypatch.setenv("NQSYNC_NQ71_CLIENT_SECRET", PROD_SECRET)


def test_defaults_are_the_development_accounts() -> None:
    """Without configuration, settings point at the mock servers with the development accounts."""
    s = Settings()
    assert s.env is Environment.DEVELOPMENT
    assert s.database_url == "sqlite:///nqsync.db"
    assert s.report_dir == Path("reports")
    assert s.http_timeout == 30.0
    assert s.behind_threshold == 0.5
    assert s.assignments is None and s.nq71_mapping is None
    assert (s.theodoinq_url, s.nq71_url) == (DEV_THEODOINQ_URL, DEV_NQ71_URL)
    assert DEV_THEODOINQ_URL == "http://127.0.0.1:8701" and DEV_NQ71_URL == "http://127.0.0.1:8702"
    assert s.theodoinq_username == DEV_THEODOINQ_USERNAME == "dp.vhxh"
    assert s.theodoinq_password.get_secret_value() == DEV_THEODOINQ_PASSWORD
    assert s.nq71_client_id == DEV_NQ71_CLIENT_ID
    assert s.nq71_client_secret.get_secret_value() == DEV_NQ71_CLIENT_SECRET
    assert (s.nq71_ma_don_vi, s.nq71_ma_dinh_danh) == (DEV_NQ71_MA_DON_VI, DEV_NQ71_MA_DINH_DANH)
    assert (DEV_NQ71_MA_DON_VI, DEV_NQ71_MA_DINH_DANH) == ("26491", "000.00.32.H19")


def test_environment_variables_set_every_field(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each NQSYNC_* variable sets its field, with the field's type."""
    values = {
        "NQSYNC_DATABASE_URL": "sqlite:////var/lib/nqsync/ledger.db",
        "NQSYNC_REPORT_DIR": "/srv/reports",
        "NQSYNC_HTTP_TIMEOUT": "12.5",
        "NQSYNC_ASSIGNMENTS": "phan-cong.xlsx",
        "NQSYNC_BEHIND_THRESHOLD": "0.4",
        "NQSYNC_THEODOINQ_URL": "http://127.0.0.1:9701/",
        "NQSYNC_THEODOINQ_USERNAME": "dp.other",
        "NQSYNC_THEODOINQ_PASSWORD": "pw-from-env",
        "NQSYNC_NQ71_URL": "http://localhost:9702",
        "NQSYNC_NQ71_CLIENT_ID": "client-from-env",
        "NQSYNC_NQ71_CLIENT_SECRET": "secret-from-env",
        "NQSYNC_NQ71_MA_DON_VI": "99999",
        "NQSYNC_NQ71_MA_DINH_DANH": "000.00.99.H19",
        "NQSYNC_NQ71_MAPPING": "mapping.json",
        "NQSYNC_LOG_LEVEL": "debug",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert s.database_url == "sqlite:////var/lib/nqsync/ledger.db"
    assert s.report_dir == Path("/srv/reports")
    assert s.http_timeout == 12.5
    assert s.assignments == Path("phan-cong.xlsx")
    assert s.behind_threshold == 0.4
    assert s.theodoinq_url == "http://127.0.0.1:9701"
    assert s.theodoinq_username == "dp.other"
    assert s.theodoinq_password.get_secret_value() == "pw-from-env"
    assert s.nq71_url == "http://localhost:9702"
    assert s.nq71_client_id == "client-from-env"
    assert s.nq71_client_secret.get_secret_value() == "secret-from-env"
    assert (s.nq71_ma_don_vi, s.nq71_ma_dinh_danh) == ("99999", "000.00.99.H19")
    assert s.nq71_mapping == Path("mapping.json")
    assert s.log_level == "DEBUG"


def test_dotenv_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A .env in the working directory is read; a real environment variable overrides it."""
    (tmp_path / ".env").write_text(
        "NQSYNC_NQ71_MA_DON_VI=11111\nNQSYNC_HTTP_TIMEOUT=5\nNQSYNC_MOCK_PORT=9000\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NQSYNC_HTTP_TIMEOUT", "7")
    s = Settings()
    assert s.nq71_ma_don_vi == "11111"
    assert s.http_timeout == 7.0


def test_secrets_never_show_in_repr_or_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets are SecretStr and hidden from repr, str and dumps; the database URL from repr."""
    monkeypatch.setenv("NQSYNC_THEODOINQ_PASSWORD", PROD_PASSWORD)
    monkeypatch.setenv("NQSYNC_NQ71_CLIENT_SECRET", PROD_SECRET)
    monkeypatch.setenv("NQSYNC_DATABASE_URL", "postgresql://nqsync:db-pass-42@db.local/nqsync")
    s = Settings()
    assert isinstance(s.theodoinq_password, SecretStr)
    for text in (repr(s), str(s), s.model_dump_json()):
        assert PROD_PASSWORD not in text
        assert PROD_SECRET not in text
    assert "db-pass-42" not in repr(s) and "db-pass-42" not in str(s)


def test_production_with_real_values_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production accepts https URLs and non-default secrets; NQSYNC_ENV is case-insensitive."""
    production_env(monkeypatch)
    monkeypatch.setenv("NQSYNC_ENV", " Production ")
    s = Settings()
    assert s.env is Environment.PRODUCTION
    assert s.theodoinq_url == "https://theodoinq.dcs.vn"


@pytest.mark.parametrize(
    ("variable", "default"),
    [
        ("NQSYNC_THEODOINQ_PASSWORD", DEV_THEODOINQ_PASSWORD),
        ("NQSYNC_NQ71_CLIENT_SECRET", DEV_NQ71_CLIENT_SECRET),
    ],
)
def test_production_refuses_development_secrets(
    monkeypatch: pytest.MonkeyPatch, variable: str, default: str
) -> None:
    """In production a development default secret is refused, naming the variable, not the value."""
    production_env(monkeypatch)
    monkeypatch.setenv(variable, default)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    [message] = caught.value.problems
    assert message.startswith(variable) and "development default" in message
    for secret in (default, PROD_PASSWORD, PROD_SECRET):
        assert secret not in message


@pytest.mark.parametrize("variable", ["NQSYNC_THEODOINQ_PASSWORD", "NQSYNC_NQ71_CLIENT_SECRET"])
def test_production_refuses_empty_secrets(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    """In production an empty secret is refused too."""
    production_env(monkeypatch)
    monkeypatch.setenv(variable, "")
    with pytest.raises(SettingsError, match=f"{variable} phải được đặt"):
        load_settings()


@pytest.mark.parametrize("variable", ["NQSYNC_THEODOINQ_URL", "NQSYNC_NQ71_URL"])
def test_production_refuses_plain_http_off_loopback(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """In production a remote URL must be https unless it is on loopback."""
    production_env(monkeypatch)
    monkeypatch.setenv(variable, "http://nq.example.vn")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert f"{variable} phải dùng https" in message
    assert PROD_PASSWORD not in message and PROD_SECRET not in message


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8701", "http://localhost:8701", "http://[::1]:8701", "http://127.0.0.2"],
)
def test_production_allows_plain_http_on_loopback(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """Loopback URLs may use plain http in production (a local tunnel or the mocks)."""
    production_env(monkeypatch)
    monkeypatch.setenv("NQSYNC_THEODOINQ_URL", url)
    assert Settings().theodoinq_url == url


def test_development_allows_plain_http_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Development does not insist on https."""
    monkeypatch.setenv("NQSYNC_NQ71_URL", "http://nq.example.vn")
    assert Settings().nq71_url == "http://nq.example.vn"


@pytest.mark.parametrize("url", ["ftp://nq.example.vn", "nq.example.vn", "http://"])
def test_malformed_remote_urls_are_refused(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """A remote URL must be http(s) with a host; the error names the variable and the value."""
    monkeypatch.setenv("NQSYNC_NQ71_URL", url)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.problems == [
        "NQSYNC_NQ71_URL cần địa chỉ http:// hoặc https:// có tên máy, "
        f"ví dụ https://nq71.dongnai.gov.vn; đang là «{url}»"
    ]


def test_pydantic_errors_do_not_echo_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """pydantic's own error text does not repeat the offending input (it might be a secret)."""
    monkeypatch.setenv("NQSYNC_HTTP_TIMEOUT", "s3cret-looking-timeout")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "http_timeout" in str(caught.value)
    assert "s3cret-looking-timeout" not in str(caught.value)


def test_a_bad_timeout_names_the_variable_the_need_and_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """NQSYNC_HTTP_TIMEOUT=abc says which variable, that it needs seconds, and what it got."""
    monkeypatch.setenv("NQSYNC_HTTP_TIMEOUT", "abc")
    with pytest.raises(SettingsError) as caught:
        get_settings()
    assert str(caught.value) == "NQSYNC_HTTP_TIMEOUT cần số giây lớn hơn 0, ví dụ 30; đang là «abc»"
    assert isinstance(caught.value.__cause__, ValidationError)


@pytest.mark.parametrize(
    ("variable", "value", "need"),
    [
        ("NQSYNC_ENV", "prod", "development hoặc production"),
        ("NQSYNC_DATABASE_URL", "nqsync.db", "ví dụ sqlite:///nqsync.db"),
        ("NQSYNC_HTTP_TIMEOUT", "0", "số giây lớn hơn 0"),
        ("NQSYNC_LOG_LEVEL", "loud", "DEBUG, INFO, WARNING hoặc ERROR"),
        ("NQSYNC_BEHIND_THRESHOLD", "50%", "số từ 0 đến 1"),
        ("NQSYNC_BEHIND_THRESHOLD", "2", "số từ 0 đến 1"),
        ("NQSYNC_THEODOINQ_URL", "theodoinq.dcs.vn", "địa chỉ http:// hoặc https://"),
    ],
)
def test_every_bad_variable_is_named_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, need: str
) -> None:
    """Each unusable NQSYNC_* value gives one line: variable, what it needs, what it got."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    [line] = caught.value.problems
    assert line.startswith(f"{variable} cần ") and need in line and line.endswith(f"«{value}»")


def test_a_bad_value_in_dotenv_says_it_comes_from_dotenv(tmp_path: Path) -> None:
    """A value read from .env is named with the file it came from."""
    (tmp_path / ".env").write_text("NQSYNC_HTTP_TIMEOUT=nhanh\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (
        "NQSYNC_HTTP_TIMEOUT (trong tệp .env) cần số giây lớn hơn 0, ví dụ 30; đang là «nhanh»"
    )


def test_an_unreadable_dotenv_is_a_settings_error(tmp_path: Path) -> None:
    """A .env that is not UTF-8 text is reported as such, not as a traceback."""
    (tmp_path / ".env").write_bytes(b"NQSYNC_HTTP_TIMEOUT=\xff\xfe\n")
    with pytest.raises(SettingsError, match=r"Không đọc được tệp \.env"):
        load_settings()


def test_a_database_password_is_not_shown_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A database URL with a password is shown with the password masked."""
    monkeypatch.setenv("NQSYNC_DATABASE_URL", "postgresql//nqsync:db-pass-42@db.local/nqsync")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "NQSYNC_DATABASE_URL" in str(caught.value) and "db-pass-42" not in str(caught.value)


def test_secret_values_lists_the_configured_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """secret_values() gives the password, client secret and database password, for redaction."""
    monkeypatch.setenv("NQSYNC_THEODOINQ_PASSWORD", PROD_PASSWORD)
    monkeypatch.setenv("NQSYNC_NQ71_CLIENT_SECRET", PROD_SECRET)
    monkeypatch.setenv("NQSYNC_DATABASE_URL", "postgresql://nqsync:db%40pass-42@db.local/nqsync")
    values = Settings().secret_values()
    assert PROD_PASSWORD in values and PROD_SECRET in values
    assert "db@pass-42" in values and "db%40pass-42" in values
    assert "nqsync" not in values


def test_secret_values_skips_empty_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty secret is not a value to redact."""
    monkeypatch.setenv("NQSYNC_THEODOINQ_PASSWORD", "")
    assert Settings().secret_values() == (DEV_NQ71_CLIENT_SECRET,)


def test_get_settings_is_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    """get_settings() reads the environment once; cache_clear() makes it read again."""
    first = get_settings()
    monkeypatch.setenv("NQSYNC_NQ71_MA_DON_VI", "22222")
    assert get_settings() is first
    assert first.nq71_ma_don_vi == DEV_NQ71_MA_DON_VI
    get_settings.cache_clear()
    assert get_settings().nq71_ma_don_vi == "22222"


def test_env_name_is_the_prefixed_upper_case_field() -> None:
    """env_name maps a field to the variable users set."""
    assert settings_module.env_name("nq71_client_secret") == "NQSYNC_NQ71_CLIENT_SECRET"
