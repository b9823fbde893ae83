"""theodoinq's error answers: envelope errors (often with HTTP 200) and the gateway's HTML pages."""

from collections.abc import Mapping
from http import HTTPStatus

from starlette.responses import HTMLResponse, JSONResponse

from mock_servers.theodoinq.schemas import error_envelope

MESSAGES: dict[str, str] = {
    "INVALID_CREDENTIALS": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "MISSING_CHECK_AUTH": "Thiếu tiêu đề x-check-auth.",
    "TOKEN_EXPIRED": "Phiên đăng nhập đã hết hạn hoặc không hợp lệ, vui lòng đăng nhập lại.",
    "RATE_LIMITED": "Quá nhiều yêu cầu, vui lòng thử lại sau.",
    "FORBIDDEN": "Tài khoản không có quyền với nhiệm vụ báo cáo này.",
    "NOT_FOUND": "Không tìm thấy dữ liệu yêu cầu.",
    "GRANT_LOCKED": "Nhiệm vụ báo cáo đã khóa hoặc đã gửi, không thể cập nhật.",
    "INVALID_ACTION": "Thao tác không hợp lệ.",
    "INVALID_REQUEST": "Yêu cầu không hợp lệ.",
    "FILE_TOO_LARGE": "Tệp vượt quá dung lượng cho phép (10 MB).",
    "UNSUPPORTED_FILE_TYPE": (
        "Định dạng tệp không được hỗ trợ (chỉ nhận PDF, JPEG, PNG, DOCX, XLSX)."
    ),
    "METHOD_NOT_ALLOWED": "Phương thức không được hỗ trợ.",
}


class ApiError(Exception):
    """A business or request error, answered as an envelope with `status` ERROR."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        http_status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message if message is not None else MESSAGES[code]
        self.http_status = http_status
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        """The envelope answer for this error."""
        return error_response(self.code, self.message, self.http_status, self.headers)


def error_response(
    code: str,
    message: str | None = None,
    http_status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An envelope error answer with the given HTTP status."""
    text = message if message is not None else MESSAGES[code]
    return JSONResponse(
        error_envelope(code, text), status_code=http_status, headers=dict(headers or {})
    )


def html_error(status: int) -> HTMLResponse:
    """The gateway's HTML error page (nginx style) for a 5xx status."""
    phrase = HTTPStatus(status).phrase
    title = f"{status} {phrase}"
    body = (
        "<html>\r\n"
        f"<head><title>{title}</title></head>\r\n"
        "<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n"
        "</body>\r\n"
        "</html>\r\n"
    )
    return HTMLResponse(body, status_code=status)


def token_expired() -> JSONResponse:
    """HTTP 401 `TOKEN_EXPIRED`."""
    return error_response("TOKEN_EXPIRED", http_status=401)


def rate_limited(retry_after: int) -> JSONResponse:
    """HTTP 429 `RATE_LIMITED` with an integer `Retry-After` (seconds, at least 1)."""
    return error_response(
        "RATE_LIMITED", http_status=429, headers={"Retry-After": str(max(1, retry_after))}
    )
