"""OpenAPI details: the documented non-200 answers and the touches on the generated document."""

from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from mock_servers.common.admin_docs import api_document
from mock_servers.theodoinq.files import MAX_FILE_SIZE
from mock_servers.theodoinq.schemas import ErrorEnvelope, RowInput

_HTML = {"text/html": {"schema": {"type": "string"}}}
_SERVER_TROUBLE: dict[int | str, dict[str, Any]] = {
    status: {"description": "Lỗi máy chủ hoặc cổng (trang HTML).", "content": _HTML}
    for status in (500, 502, 503, 504)
}
_THROTTLED: dict[str, Any] = {
    "model": ErrorEnvelope,
    "description": "RATE_LIMITED: vượt giới hạn tốc độ.",
    "headers": {
        "Retry-After": {
            "description": "Số giây phải chờ (số nguyên ≥ 1).",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def public_responses() -> dict[int | str, dict[str, Any]]:
    """Non-200 answers of calls without a token (login)."""
    return {
        400: {"model": ErrorEnvelope, "description": "INVALID_REQUEST: yêu cầu sai cấu trúc."},
        429: _THROTTLED,
        **_SERVER_TROUBLE,
    }


def api_responses(*, upload: bool = False) -> dict[int | str, dict[str, Any]]:
    """Non-200 answers of calls with a token; `upload` adds 413."""
    responses: dict[int | str, dict[str, Any]] = {
        400: {
            "model": ErrorEnvelope,
            "description": "MISSING_CHECK_AUTH, INVALID_REQUEST hoặc INVALID_ACTION.",
        },
        401: {"model": ErrorEnvelope, "description": "TOKEN_EXPIRED: token hết hạn hoặc sai."},
        429: _THROTTLED,
        **_SERVER_TROUBLE,
    }
    if upload:
        responses[413] = {
            "model": ErrorEnvelope,
            "description": f"FILE_TOO_LARGE: tệp lớn hơn {MAX_FILE_SIZE} byte.",
        }
    return responses


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


_ROWS_SCHEMA = TypeAdapter(list[RowInput]).json_schema(
    ref_template="#/components/schemas/{model}"
)
_ROWS_DEFS: dict[str, Any] = _ROWS_SCHEMA.pop("$defs", {})
SAVE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "description": "Toàn bộ báo cáo (mảng dòng). Bắt buộc với action=input.",
        "content": {"application/json": {"schema": _ROWS_SCHEMA}},
    }
}


def _finish(document: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = document.get("paths", {})
    for operations in paths.values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") == "x-check-auth":
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "enum": ["true"]}
                if parameter.get("in") == "query" and parameter.get("name") == "action":
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "enum": ["input", "submit"]}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_ROWS_DEFS)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve the API's document without /_admin, with the headers and answers as documented."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _finish(api_document(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
