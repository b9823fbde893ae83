"""Error shapes of nq71: envelope business errors (HTTP 200), WSO2 faults, HTML pages on 5xx."""

import html
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from mock_servers.nq71.config import API_PREFIX, TOKEN_PATH, Nq71MockConfig

AGENCY_HEADER = "X-Ma-Dinh-Danh"

_REASONS = {
    500: ("Internal Server Error", "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."),
    502: ("Bad Gateway", "Không kết nối được tới hệ thống nghiệp vụ. Vui lòng thử lại sau."),
    503: ("Service Unavailable", "Hệ thống đang bảo trì hoặc quá tải. Vui lòng thử lại sau."),
}


class BusinessError(Exception):
    """A back-end error answered in the envelope: HTTP 200 unless said otherwise."""

    def __init__(self, ma_loi: str, thong_bao: str, status_code: int = 200) -> None:
        super().__init__(ma_loi)
        self.ma_loi = ma_loi
        self.thong_bao = thong_bao
        self.status_code = status_code


def _envelope_error(ma_loi: str, thong_bao: str, status_code: int = 200) -> JSONResponse:
    """The envelope of a business error."""
    body = {"thanh_cong": False, "du_lieu": None, "ma_loi": ma_loi, "thong_bao": thong_bao}
    return JSONResponse(body, status_code=status_code)


def html_error(status: int) -> HTMLResponse:
    """The back end's HTML error page for a 5xx status."""
    reason, text = _REASONS.get(status, (f"Error {status}", "Hệ thống đang gặp sự cố."))
    page = (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{status} {html.escape(reason)}</title></head>\n"
        f"<body><h1>{status} {html.escape(reason)}</h1><p>{html.escape(text)}</p>"
        "<hr><address>Hệ thống theo dõi Nghị quyết 71 - Tỉnh Đồng Nai</address></body></html>\n"
    )
    return HTMLResponse(page, status_code=status)


def invalid_credentials(description: str) -> JSONResponse:
    """WSO2 fault 900901 (HTTP 401)."""
    fault = {"code": 900901, "message": "Invalid Credentials", "description": description}
    return JSONResponse({"fault": fault}, status_code=401)


def throttled_out() -> JSONResponse:
    """WSO2 fault 900800 (HTTP 429), with no `Retry-After`."""
    fault = {
        "code": 900800,
        "message": "Message throttled out",
        "description": "You have exceeded your quota. Too many requests in flight for this "
        "application.",
    }
    return JSONResponse({"fault": fault}, status_code=429)


def no_matching_resource(status: int, allow: list[str] | None = None) -> JSONResponse:
    """WSO2 fault 900906: no resource for this path (404) or this method (405, with `Allow`)."""
    fault = {
        "code": 900906,
        "message": "No matching resource found for given API Request",
        "description": "The requested resource (path and method) is not defined in the API.",
    }
    headers = {"Allow": ", ".join(allow)} if allow is not None else None
    return JSONResponse({"fault": fault}, status_code=status, headers=headers)


def _field_of(loc: Sequence[int | str]) -> str:
    names = [str(p) for p in loc[1:] if not isinstance(p, int)]
    return ".".join(names) if names else ""


def _validation_message(errors: Sequence[Any]) -> str:
    if not errors:
        return "Dữ liệu gửi lên không hợp lệ."
    first = errors[0]
    loc = tuple(first.get("loc", ()))
    field = _field_of(loc)
    if first.get("type") == "json_invalid" or not field:
        return "Nội dung yêu cầu không phải JSON hợp lệ."
    where = "Tham số" if loc and loc[0] in ("query", "path") else "Trường"
    if first.get("type") == "missing":
        return f"Thiếu {where.lower()} bắt buộc: {field}."
    return f"{where} {field} không hợp lệ."


def _agency_error(request: Request, config: Nq71MockConfig) -> Response | None:
    agency = request.headers.get(AGENCY_HEADER, "")
    if not agency.strip():
        return _envelope_error("THIEU_MA_DINH_DANH", missing_agency_message(), 400)
    if agency != config.ma_dinh_danh:
        return _envelope_error("KHONG_CO_QUYEN", wrong_agency_message())
    return None


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX + "/")


async def _on_validation_error(
    request: Request, exc: Exception, config: Nq71MockConfig
) -> Response:
    assert isinstance(exc, RequestValidationError)
    if request.url.path == TOKEN_PATH:
        return invalid_credentials("Unsupported grant type or malformed token request.")
    if not _is_api(request):
        return await request_validation_exception_handler(request, exc)
    return _agency_error(request, config) or _envelope_error(
        "DU_LIEU_KHONG_HOP_LE", _validation_message(exc.errors())
    )


async def _on_http_error(request: Request, exc: Exception, config: Nq71MockConfig) -> Response:
    assert isinstance(exc, HTTPException)
    if not _is_api(request) or exc.status_code not in (400, 404, 405):
        return await http_exception_handler(request, exc)
    if exc.status_code in (404, 405):
        allow = (exc.headers or {}).get("Allow")
        return no_matching_resource(exc.status_code, allow.split(", ") if allow else None)
    return _agency_error(request, config) or _envelope_error(
        "DU_LIEU_KHONG_HOP_LE", "Nội dung yêu cầu không đọc được (không phải JSON UTF-8 hợp lệ)."
    )


def missing_agency_message() -> str:
    """`thong_bao` of THIEU_MA_DINH_DANH."""
    return f"Thiếu mã định danh cơ quan (tiêu đề {AGENCY_HEADER})."


def wrong_agency_message() -> str:
    """`thong_bao` of KHONG_CO_QUYEN for a wrong agency code."""
    return "Mã định danh cơ quan không có quyền truy cập dữ liệu này."


def install_error_handlers(app: FastAPI, config: Nq71MockConfig) -> None:
    """Business errors and validation failures as envelopes; anything unhandled as HTML 500."""

    async def on_business(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BusinessError)
        return _envelope_error(exc.ma_loi, exc.thong_bao, exc.status_code)

    async def on_validation(request: Request, exc: Exception) -> Response:
        return await _on_validation_error(request, exc, config)

    async def on_http(request: Request, exc: Exception) -> Response:
        return await _on_http_error(request, exc, config)

    async def on_unhandled(request: Request, exc: Exception) -> Response:
        return html_error(500)

    app.add_exception_handler(BusinessError, on_business)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_unhandled)

