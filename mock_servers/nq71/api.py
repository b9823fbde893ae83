"""What every back-end route shares: gateway security, the agency header, documented errors."""

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2

from mock_servers.nq71.config import API_PREFIX, TOKEN_PATH
from mock_servers.nq71.context import Nq71Context, get_context
from mock_servers.nq71.errors import (
    AGENCY_HEADER,
    BusinessError,
    missing_agency_message,
    wrong_agency_message,
)
from mock_servers.nq71.schemas import Envelope, Fault

T = TypeVar("T")

gateway_oauth2 = OAuth2(
    flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_PATH)),
    scheme_name="LGSP",
    description="OAuth2 client credentials at the gateway (`POST /token`, HTTP Basic).",
    auto_error=False,
)

_HTML = {"text/html": {"schema": {"type": "string"}}}
API_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Envelope[None], "description": "THIEU_MA_DINH_DANH: no `X-Ma-Dinh-Danh`."},
    401: {
        "model": Fault,
        "description": "Gateway fault 900901: missing, unknown or expired token.",
    },
    429: {"model": Fault, "description": "Gateway fault 900800: too many requests in flight."},
    500: {"content": _HTML, "description": "Back-end error (HTML page)."},
    502: {"content": _HTML, "description": "Back end unreachable (HTML page)."},
    503: {"content": _HTML, "description": "Back end unavailable (HTML page)."},
}

Ctx = Annotated[Nq71Context, Depends(get_context)]

MAX_PAGE = 50
Page = Annotated[int, Query(ge=1, description="Trang, đánh số từ 1.")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Số dòng mỗi trang (≤ 50).")]
UnitFilter = Annotated[str, Query(description="Mã đơn vị; để trống: đơn vị của ứng dụng.")]


async def _check_agency(
    ctx: Ctx, x_ma_dinh_danh: Annotated[str, Header(alias=AGENCY_HEADER)]
) -> None:
    """THIEU_MA_DINH_DANH (HTTP 400) when blank; KHONG_CO_QUYEN when not the application's."""
    if not x_ma_dinh_danh.strip():
        raise BusinessError("THIEU_MA_DINH_DANH", missing_agency_message(), 400)
    if x_ma_dinh_danh != ctx.config.ma_dinh_danh:
        raise BusinessError("KHONG_CO_QUYEN", wrong_agency_message())


def api_router() -> APIRouter:
    """A router under `/nq71/1.0` with the gateway's security and the agency check."""
    return APIRouter(
        prefix=API_PREFIX,
        dependencies=[Security(gateway_oauth2), Depends(_check_agency)],
        responses=API_RESPONSES,
    )


def ok(du_lieu: T) -> Envelope[T]:
    """A success envelope."""
    return Envelope(thanh_cong=True, du_lieu=du_lieu)


def check_unit(ctx: Nq71Context, ma_don_vi: str) -> None:
    """KHONG_CO_QUYEN unless `ma_don_vi` is blank or the application's unit."""
    if ma_don_vi and ma_don_vi != ctx.config.ma_don_vi:
        raise BusinessError(
            "KHONG_CO_QUYEN", f"Ứng dụng không có quyền truy cập dữ liệu của đơn vị {ma_don_vi}."
        )


def not_found(thong_bao: str) -> BusinessError:
    """KHONG_TIM_THAY."""
    return BusinessError("KHONG_TIM_THAY", thong_bao)


def invalid(thong_bao: str) -> BusinessError:
    """DU_LIEU_KHONG_HOP_LE."""
    return BusinessError("DU_LIEU_KHONG_HOP_LE", thong_bao)
