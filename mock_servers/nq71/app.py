"""The nq71 mock app: the WSO2 gateway, the back end under `/nq71/1.0`, and `/_admin`."""

import asyncio

from fastapi import FastAPI

from mock_servers.common.clock import Clock, Sleep, system_clock
from mock_servers.common.layers import install_layers
from mock_servers.nq71 import admin, documents, indicators, reports
from mock_servers.nq71.config import Nq71MockConfig
from mock_servers.nq71.context import Nq71Context
from mock_servers.nq71.errors import install_error_handlers
from mock_servers.nq71.gateway import GatewayMiddleware, Nq71FaultShapes, token_router
from mock_servers.nq71.openapi import Resources, install_openapi
from mock_servers.nq71.store import Store, make_engine


def create_app(
    config: Nq71MockConfig | None = None,
    *,
    clock: Clock | None = None,
    sleep: Sleep = asyncio.sleep,
) -> FastAPI:
    """A fresh nq71 mock, its state seeded from `config.seed` (kept if `data_dir` holds it).

    `clock` (default: the system's, UTC) drives token expiry, upload expiry and `ngay_cap_nhat`;
    `sleep` does the waiting of the base latency and of delay faults. Tests inject both.
    """
    config = config or Nq71MockConfig()
    clock = clock or system_clock
    store = Store(make_engine(config.data_dir))
    store.open(config.seed)
    app = FastAPI(
        title="nq71 (mock)",
        version="1.0",
        description="Provincial Resolution 71 monitoring system behind the LGSP (WSO2) gateway.",
    )
    ctx = Nq71Context(config=config, store=store, clock=clock)
    app.state.nq71 = ctx
    install_error_handlers(app, config)
    api = [indicators.build_router(), reports.build_router(), documents.build_router()]
    app.include_router(token_router())
    for router in api:
        app.include_router(router)
    app.include_router(admin.router)
    install_layers(
        app,
        ctx,
        shapes=Nq71FaultShapes(store),
        sleep=sleep,
        gateway=lambda app: app.add_middleware(
            GatewayMiddleware,
            config=config,
            store=store,
            clock=clock,
            resources=Resources(api),
            sleep=sleep,
        ),
        payload_key="du_lieu",
        admin=admin,
    )
    install_openapi(app)
    return app
