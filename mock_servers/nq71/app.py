"""The nq71 mock app: the WSO2 gateway, the back end under `/nq71/1.0`, and `/_admin`."""

from fastapi import FastAPI

from mock_servers.common.crash import HtmlOnCrash
from mock_servers.common.faults import install_faults
from mock_servers.nq71 import documents, reports
from mock_servers.nq71.admin import install_admin
from mock_servers.nq71.config import Clock, Nq71MockConfig, system_clock
from mock_servers.nq71.context import Nq71Context
from mock_servers.nq71.errors import html_error, install_error_handlers
from mock_servers.nq71.gateway import GatewayMiddleware, Nq71FaultShapes, token_router
from mock_servers.nq71.openapi import Resources, strip_unused_responses
from mock_servers.nq71.store import Store, make_engine


def create_app(config: Nq71MockConfig | None = None, *, clock: Clock | None = None) -> FastAPI:
    """A fresh nq71 mock, its state seeded from `config.seed` (kept if `data_dir` holds it).

    `clock` (default: the system's, UTC) drives token expiry, upload expiry and `ngay_cap_nhat`;
    tests pass one they can move.
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
    app.state.nq71 = Nq71Context(config=config, store=store, clock=clock)
    install_error_handlers(app, config)
    api = [reports.build_router(), documents.build_router()]
    app.include_router(token_router())
    for router in api:
        app.include_router(router)
    app.add_middleware(HtmlOnCrash, page=html_error)
    engine = install_faults(app, Nq71FaultShapes(store))
    install_admin(app, engine)
    app.add_middleware(
        GatewayMiddleware, config=config, store=store, clock=clock, resources=Resources(api)
    )
    strip_unused_responses(app)
    return app
