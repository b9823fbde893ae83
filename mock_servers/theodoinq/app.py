"""The theodoinq mock as a FastAPI app: routers, error answers, gateway, faults, drift, freeze."""

import asyncio
import time

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from mock_servers.common.clock import Clock, Sleep, system_clock
from mock_servers.common.layers import install_layers
from mock_servers.theodoinq.auth import Accounts
from mock_servers.theodoinq.config import TheodoinqMockConfig
from mock_servers.theodoinq.context import Mock
from mock_servers.theodoinq.docs import install_openapi
from mock_servers.theodoinq.errors import ApiError, error_response, html_error
from mock_servers.theodoinq.ratelimit import Gateway, TokenBucket
from mock_servers.theodoinq.routes import admin, auth, files, grants, rows
from mock_servers.theodoinq.shapes import TheodoinqFaultShapes
from mock_servers.theodoinq.store import Store

ROUTERS = (auth.router, grants.router, rows.router, files.router, admin.router)


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _invalid_request(_: Request, exc: Exception) -> Response:
    return error_response("INVALID_REQUEST", http_status=400)


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    routes = [r for r in request.app.routes if isinstance(r, BaseRoute)]
    allowed = [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response("NOT_FOUND", http_status=404)
    if exc.status_code == 405:
        headers = {"Allow": _allowed_methods(request)}
        return error_response("METHOD_NOT_ALLOWED", http_status=405, headers=headers)
    if exc.status_code >= 500:
        return html_error(exc.status_code)
    return error_response("INVALID_REQUEST", http_status=exc.status_code, headers=exc.headers)


async def _crash(_: Request, exc: Exception) -> Response:
    return html_error(500)


def create_app(
    config: TheodoinqMockConfig | None = None,
    *,
    clock: Clock | None = None,
    sleep: Sleep = asyncio.sleep,
) -> FastAPI:
    """A fresh, seeded theodoinq mock (no background threads; mountable with httpx.ASGITransport).

    With `config.data_dir`, the state lives in `data_dir/theodoinq.sqlite3` and is kept across
    restarts when it was seeded with the same seed (and holds grants of the configured
    organisation and year); otherwise it is seeded anew. `clock` (default: the system's) drives
    token expiry, the rate limiter's refills and `updateTime`; `sleep` does the waiting of the
    base latency and of delay faults. Tests inject both.
    """
    config = config or TheodoinqMockConfig()
    now = clock or system_clock
    store = Store(config.database_path)
    accounts = Accounts(store, config, clock=lambda: now().timestamp())
    bucket_clock = time.monotonic if clock is None else (lambda: now().timestamp())
    bucket = TokenBucket(config.rate, config.burst, clock=bucket_clock)
    mock = Mock(config=config, store=store, accounts=accounts, bucket=bucket, clock=now)
    if store.seeded_with() != config.seed or not store.grants(config.organisation, config.year):
        mock.reset()

    app = FastAPI(
        title="theodoinq (mock)",
        version="1.0",
        description="Mô phỏng hệ thống theo dõi thực hiện Nghị quyết (theodoinq) cho kiểm thử.",
        redoc_url=None,
    )
    app.state.mock = mock
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _crash)
    install_layers(
        app,
        mock,
        shapes=TheodoinqFaultShapes(accounts),
        sleep=sleep,
        gateway=lambda app: app.add_middleware(
            Gateway,
            bucket=bucket,
            holder=accounts.holder,
            on_request=lambda: store.bump("requests"),
            on_throttled=lambda: store.bump("rateLimited"),
            latency_ms=config.latency_ms,
            sleep=sleep,
        ),
        payload_key="data",
        admin=admin,
    )
    install_openapi(app)
    return app
