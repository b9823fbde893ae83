"""Serving the mock apps with uvicorn on loopback: in a thread for tests, or in the foreground."""

import asyncio
import contextlib
import signal
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator

import uvicorn
from starlette.types import ASGIApp

STARTUP_SAFETY_TIMEOUT = 120
"""Seconds `serving` waits for a server to start before giving up (a safety net on busy hosts)."""


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its owner."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on HOST:PORT (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def base_url(sock: socket.socket) -> str:
    """The http URL a listening socket answers on."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _server(app: ASGIApp) -> _QuietServer:
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    return _QuietServer(config)


@contextlib.contextmanager
def serving(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve APP in a background thread for the duration of the block; yield its base URL."""
    sock = bind(host, port)
    server = _server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SAFETY_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("mock server did not start")
        time.sleep(0.01)
    try:
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def serve_forever(apps: list[tuple[ASGIApp, socket.socket]]) -> None:
    """Serve each app on its socket until SIGINT or SIGTERM, then shut all down cleanly."""
    servers = [_server(app) for app, _ in apps]
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await asyncio.gather(
            *(server.serve(sockets=[sock]) for server, (_, sock) in zip(servers, apps, strict=True))
        )
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_forever(apps: list[tuple[ASGIApp, socket.socket]]) -> None:
    """`serve_forever` on uvloop when it is installed (as uvicorn itself would choose), else on
    asyncio's own loop."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve_forever(apps))
