"""`nqsync mock-servers`: both mocks on loopback until SIGINT or SIGTERM."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

import typer
from pydantic import SecretStr

from mock_servers.common.server import base_url, bind
from models.net import is_loopback_host


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
    if not is_loopback_host(options.host) and not options.allow_remote:
        typer.echo(
            f"Từ chối địa chỉ {options.host}: máy chủ giả lập chỉ chạy trên loopback "
            "(thêm --allow-remote nếu thật sự cần).",
            err=True,
        )
        return 2
    from mock_servers.nq71 import create_app as create_nq71
    from mock_servers.nq71.config import Nq71MockConfig
    from mock_servers.theodoinq import create_app as create_theodoinq
    from mock_servers.theodoinq.config import TheodoinqMockConfig
    from models.settings import get_settings

    settings = get_settings()
    ttl = {} if options.token_ttl is None else {"token_ttl": options.token_ttl}
    if options.data_dir is not None:
        options.data_dir.mkdir(parents=True, exist_ok=True)
    theodoinq = create_theodoinq(
        TheodoinqMockConfig(
            seed=options.seed,
            latency_ms=options.latency_ms,
            rate=options.rate,
            burst=options.burst,
            username=settings.theodoinq_username,
            password=SecretStr(settings.theodoinq_password.get_secret_value()),
            data_dir=options.data_dir,
            **ttl,
        )
    )
    nq71 = create_nq71(
        Nq71MockConfig(
            seed=options.seed,
            latency_ms=options.latency_ms,
            max_in_flight=options.max_in_flight,
            client_id=settings.nq71_client_id,
            client_secret=SecretStr(settings.nq71_client_secret.get_secret_value()),
            ma_don_vi=settings.nq71_ma_don_vi,
            ma_dinh_danh=settings.nq71_ma_dinh_danh,
            data_dir=options.data_dir,
            **ttl,
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
    from mock_servers.common.server import serve_forever

    asyncio.run(serve_forever([(theodoinq, sockets[0]), (nq71, sockets[1])]))
    typer.echo("Đã dừng máy chủ giả lập.")
    return 0
