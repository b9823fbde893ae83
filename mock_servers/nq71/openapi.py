"""The OpenAPI document (no `/_admin`, no FastAPI 422: never sent) and the gateway's resources."""

import re
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from mock_servers.common.admin_docs import api_document, select_paths


def install_openapi(app: FastAPI) -> None:
    """Serve the API's document without `/_admin`, 422 responses and their schemas."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = api_document(app)
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            app.openapi_schema = select_paths(schema, lambda _: True)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class Resources:
    """The API's resources (path templates and their methods), matched as the gateway does.

    A concrete path wins over templated ones (`/tai-lieu/khoi-tao` over `/tai-lieu/{upload_id}`).
    """

    def __init__(self, routers: Iterable[APIRouter]) -> None:
        methods: dict[str, set[str]] = {}
        for router in routers:
            for route in router.routes:
                if isinstance(route, APIRoute):
                    methods.setdefault(route.path, set()).update(route.methods or ())
        self._templates = [
            (re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))), path.count("{"), m)
            for path, m in methods.items()
        ]

    def allowed(self, path: str) -> list[str] | None:
        """The methods of the resource at PATH, sorted; None when no resource matches."""
        matches = [
            (params, methods) for rx, params, methods in self._templates if rx.fullmatch(path)
        ]
        if not matches:
            return None
        fewest = min(params for params, _ in matches)
        return sorted(set().union(*(methods for params, methods in matches if params == fewest)))
