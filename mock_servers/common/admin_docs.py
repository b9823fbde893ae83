"""The mocks' two OpenAPI documents: the system's API (`/openapi.json`) and `/_admin`'s own."""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from mock_servers.common.surface import ADMIN_PREFIX, is_admin

_SCHEMA_REF = "#/components/schemas/"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            yield ref.removeprefix(_SCHEMA_REF)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def select_paths(document: dict[str, Any], keep: Callable[[str], bool]) -> dict[str, Any]:
    """DOCUMENT with only the paths KEEP accepts and the schemas they still reference."""
    paths = {path: item for path, item in document.get("paths", {}).items() if keep(path)}
    components = dict(document.get("components", {}))
    schemas: dict[str, Any] = components.get("schemas", {})
    reachable: set[str] = set()
    pending = list(_refs(paths))
    while pending:
        name = pending.pop()
        if name in reachable or name not in schemas:
            continue
        reachable.add(name)
        pending.extend(_refs(schemas[name]))
    components["schemas"] = {name: s for name, s in schemas.items() if name in reachable}
    return {**document, "paths": paths, "components": components}


def api_document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document without `/_admin` (the real system's API only)."""
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    return select_paths(document, lambda path: not is_admin(path))


def install_admin_openapi(app: FastAPI, description: str) -> None:
    """Serve `GET /_admin/openapi.json`: the `/_admin` routes, described by DESCRIPTION."""
    document: dict[str, Any] = {}

    @app.get(ADMIN_PREFIX + "/openapi.json", include_in_schema=False)
    def admin_openapi() -> dict[str, Any]:
        """The OpenAPI document of the mock's `/_admin` surface."""
        if not document:
            full = get_openapi(
                title=f"{app.title}: /_admin",
                version=app.version,
                description=description,
                routes=app.routes,
            )
            document.update(select_paths(full, is_admin))
        return document
