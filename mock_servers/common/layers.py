"""The layers every mock wraps its routes in, and the documentation of its `/_admin` surface."""

from collections.abc import Callable
from types import ModuleType

from fastapi import FastAPI

from mock_servers.common import drift, faults, freeze
from mock_servers.common.admin_docs import install_admin_openapi
from mock_servers.common.clock import Sleep
from mock_servers.common.context import MockContext
from mock_servers.common.crash import HtmlOnCrash
from mock_servers.common.drift import install_drift
from mock_servers.common.faults import FaultShapes, install_faults
from mock_servers.common.freeze import install_freeze


def install_layers(
    app: FastAPI,
    ctx: MockContext,
    *,
    shapes: FaultShapes,
    sleep: Sleep,
    gateway: Callable[[FastAPI], None],
    payload_key: str,
    admin: ModuleType,
) -> None:
    """Wrap APP's routes, innermost first: the system's HTML page for a crash, CTX's fault
    rules, the system's GATEWAY, the drift rules (on the envelope's PAYLOAD_KEY), the write
    freeze (its held requests get the 503 page); then `/_admin/openapi.json`, described by the
    docstrings of the system's ADMIN module and of the three engines."""
    app.add_middleware(HtmlOnCrash, page=shapes.html_error)
    install_faults(app, shapes, sleep, ctx.faults)
    gateway(app)
    install_drift(app, ctx.drift, payload_key=payload_key)
    install_freeze(app, ctx.gate, page=lambda: shapes.html_error(503))
    description = "\n\n".join(module.__doc__ or "" for module in (admin, faults, drift, freeze))
    install_admin_openapi(app, description)
