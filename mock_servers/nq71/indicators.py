"""Back-end route for the unit's indicators (chỉ tiêu)."""

from fastapi import APIRouter

from mock_servers.nq71.api import (
    MAX_PAGE,
    Ctx,
    Page,
    PageSize,
    UnitFilter,
    api_router,
    check_unit,
    ok,
)
from mock_servers.nq71.schemas import ChiTieu, ChiTieuPage, Envelope


def build_router() -> APIRouter:
    """The route `chi-tieu`."""
    router = api_router()

    @router.get("/chi-tieu", response_model=Envelope[ChiTieuPage])
    async def list_indicators(
        ctx: Ctx, ma_don_vi: UnitFilter = "", trang: Page = 1, so_dong: PageSize = MAX_PAGE
    ) -> Envelope[ChiTieuPage]:
        """The unit's indicators in `ma_chi_tieu` order, one page."""
        check_unit(ctx, ma_don_vi)
        rows = ctx.store.indicators()
        start = (trang - 1) * so_dong
        page = [
            ChiTieu.model_validate(r, from_attributes=True) for r in rows[start : start + so_dong]
        ]
        return ok(ChiTieuPage(danh_sach=page, tong_so=len(rows), trang=trang, so_dong=so_dong))

    return router
