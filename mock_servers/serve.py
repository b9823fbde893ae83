"""`nqsync mock-servers`: both mocks on loopback until SIGINT or SIGTERM."""

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from mock_servers.common.server import base_url, bind
from mock_servers.nq71.config import Nq71MockConfig
from mock_servers.theodoinq.config import TheodoinqMockConfig

_THEODOINQ = TheodoinqMockConfig()
_NQ71 = Nq71MockConfig()


class _MockAccounts(BaseSettings):
    """The accounts the mocks accept: the `NQSYNC_*` variables nqsync logs in with (or `.env`).

    The mocks read them themselves, as two independent systems configured alike would.
    """

    model_config = SettingsConfigDict(
        env_prefix="NQSYNC_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
    )

    theodoinq_username: str = _THEODOINQ.username
    theodoinq_password: SecretStr = _THEODOINQ.password
    nq71_client_id: str = _NQ71.client_id
    nq71_client_secret: SecretStr = _NQ71.client_secret
    nq71_ma_don_vi: str = _NQ71.ma_don_vi
    nq71_ma_dinh_danh: str = _NQ71.ma_dinh_danh


def is_loopback(host: str) -> bool:
    """Whether HOST is the loopback interface (`localhost`, 127.0.0.0/8, `::1`)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeOptions:
    """What `nqsync mock-servers` was asked for."""

    host: str = "127.0.0.1"
    theodoinq_port: int = 8701
    nq71_port: int = 8702
    seed: int = 0
    token_ttl: int | None = None
    latency_ms: int = 0
    rate: float = 10.0
    burst: int = 20
    max_in_flight: int = 4
    data_dir: Path | None = None
    allow_remote: bool = False


def serve_command(options: ServeOptions) -> int:
    """Serve both mocks with the accounts of the `NQSYNC_*` settings; return the exit code."""
    if not is_loopback(options.host) and not options.allow_remote:
        typer.echo(
            f"Từ chối địa chỉ {options.host}: máy chủ giả lập chỉ chạy trên loopback "
            "(thêm --allow-remote nếu thật sự cần).",
            err=True,
        )
        return 2
    from mock_servers.nq71 import create_app as create_nq71
    from mock_servers.theodoinq import create_app as create_theodoinq

    settings = _MockAccounts()
    shared: dict[str, Any] = {
        "seed": options.seed,
        "latency_ms": options.latency_ms,
        "data_dir": options.data_dir,
    }
    if options.token_ttl is not None:
        shared["token_ttl"] = options.token_ttl
    if options.data_dir is not None:
        options.data_dir.mkdir(parents=True, exist_ok=True)
    theodoinq = create_theodoinq(
        TheodoinqMockConfig(
            rate=options.rate,
            burst=options.burst,
            username=settings.theodoinq_username,
            password=settings.theodoinq_password,
            **shared,
        )
    )
    nq71 = create_nq71(
        Nq71MockConfig(
            max_in_flight=options.max_in_flight,
            client_id=settings.nq71_client_id,
            client_secret=settings.nq71_client_secret,
            ma_don_vi=settings.nq71_ma_don_vi,
            ma_dinh_danh=settings.nq71_ma_dinh_danh,
            **shared,
        )
    )
    try:
        sockets = [bind(options.host, port) for port in (options.theodoinq_port, options.nq71_port)]
    except OSError as exc:
        typer.echo(f"Không mở được cổng trên {options.host}: {exc.strerror or exc}", err=True)
        return 2
    theodoinq_url, nq71_url = (base_url(sock) for sock in sockets)
    typer.echo(f"theodoinq (giả lập): {theodoinq_url}  tài khoản {settings.theodoinq_username}")
    typer.echo(f"nq71 (giả lập): {nq71_url}/nq71/1.0  ứng dụng {settings.nq71_client_id}")
    typer.echo("Nhấn Ctrl+C để dừng.")
    from mock_servers.common.server import run_forever

    run_forever([(theodoinq, sockets[0]), (nq71, sockets[1])])
    typer.echo("Đã dừng máy chủ giả lập.")
    return 0
