"""Back-end routes for reports (báo cáo) and their attachments (minh chứng)."""

from typing import Annotated

from fastapi import APIRouter, Query

from mock_servers.nq71.api import (
    MAX_PAGE,
    Ctx,
    Page,
    PageSize,
    UnitFilter,
    api_router,
    check_unit,
    invalid,
    not_found,
    ok,
)
from mock_servers.nq71.errors import BusinessError
from mock_servers.nq71.schemas import (
    BaoCao,
    BaoCaoIn,
    BaoCaoPage,
    Envelope,
    IdOut,
    MinhChung,
    MinhChungIn,
    MinhChungList,
    ThamDinh,
)
from mock_servers.nq71.tables import Report

COMPLETED = 3

MonthFilter = Annotated[str, Query(pattern=r"^((0[1-9]|1[0-2])/[0-9]{4})?$")]


def _missing_evidence() -> BusinessError:
    return BusinessError(
        "THIEU_MINH_CHUNG", "Báo cáo hoàn thành phải có ít nhất một tài liệu minh chứng."
    )


def _bao_cao(report: Report, so_minh_chung: int) -> BaoCao:
    return BaoCao(so_minh_chung=so_minh_chung, **report.model_dump(exclude={"ma_don_vi", "saves"}))


def build_router() -> APIRouter:
    """The routes `bao-cao`, `bao-cao/{id}` and `bao-cao/{id}/minh-chung`."""
    router = api_router()

    @router.get("/bao-cao", response_model=Envelope[BaoCaoPage])
    async def list_reports(
        ctx: Ctx,
        ma_don_vi: UnitFilter = "",
        ky_bao_cao: MonthFilter = "",
        ma_chi_tieu: str = "",
        trang: Page = 1,
        so_dong: PageSize = MAX_PAGE,
    ) -> Envelope[BaoCaoPage]:
        """Reports by id, filtered by the non-blank filters, one page."""
        check_unit(ctx, ma_don_vi)
        filters = {"ma_don_vi": ctx.config.ma_don_vi}
        filters |= {
            k: v for k, v in (("ky_bao_cao", ky_bao_cao), ("ma_chi_tieu", ma_chi_tieu)) if v
        }
        rows, total = ctx.store.list_reports(filters, (trang - 1) * so_dong, so_dong)
        page = [_bao_cao(r, n) for r, n in rows]
        return ok(BaoCaoPage(danh_sach=page, tong_so=total, trang=trang, so_dong=so_dong))

    def validate(ctx: Ctx, body: BaoCaoIn) -> None:
        check_unit(ctx, body.ma_don_vi)
        if not ctx.store.has_indicator(body.ma_chi_tieu):
            raise invalid(f"Trường ma_chi_tieu không hợp lệ: không có chỉ tiêu {body.ma_chi_tieu}.")

    @router.post("/bao-cao", response_model=Envelope[IdOut])
    async def create_report(ctx: Ctx, body: BaoCaoIn) -> Envelope[IdOut]:
        """A new report, every time (no idempotency); not yet complete, having no evidence."""
        validate(ctx, body)
        if body.tinh_trang == COMPLETED:
            raise _missing_evidence()
        await ctx.gate.admit_write()
        report_id = ctx.store.create_report(body, ctx.stamp())
        ctx.store.bump("posts")
        ctx.gate.record_write()
        return ok(IdOut(id=report_id))

    @router.put("/bao-cao/{id}", response_model=Envelope[None])
    async def replace_report(ctx: Ctx, id: int, body: BaoCaoIn) -> Envelope[None]:
        """Replace a report whole (last write wins); completion needs an attachment."""
        validate(ctx, body)
        if ctx.store.get_report(id) is None:
            raise not_found(f"Không tìm thấy báo cáo {id}.")
        if body.tinh_trang == COMPLETED and ctx.store.attachment_count(id) == 0:
            raise _missing_evidence()
        await ctx.gate.admit_write()
        ctx.store.update_report(id, body.model_dump(), ctx.stamp())
        ctx.store.bump("puts")
        ctx.gate.record_write()
        return ok(None)

    @router.post("/bao-cao/{id}/minh-chung", response_model=Envelope[IdOut])
    async def attach(ctx: Ctx, id: int, body: MinhChungIn) -> Envelope[IdOut]:
        """Attach a document to a report: a new attachment every time, even for the same one."""
        if ctx.store.get_report(id) is None:
            raise not_found(f"Không tìm thấy báo cáo {id}.")
        if ctx.store.get_document(body.tai_lieu_id) is None:
            raise not_found(f"Không tìm thấy tài liệu {body.tai_lieu_id}.")
        await ctx.gate.admit_write()
        attachment_id = ctx.store.add_attachment(id, body)
        ctx.store.bump("attachments")
        ctx.gate.record_write()
        return ok(IdOut(id=attachment_id))

    @router.get("/bao-cao/{id}/minh-chung", response_model=Envelope[MinhChungList])
    async def list_attachments(ctx: Ctx, id: int) -> Envelope[MinhChungList]:
        """A report's attachments with their reviews, by id."""
        if ctx.store.get_report(id) is None:
            raise not_found(f"Không tìm thấy báo cáo {id}.")
        items = [
            MinhChung(
                id=a.id,
                tai_lieu_id=a.tai_lieu_id,
                tieu_de=a.tieu_de,
                sha256=sha,
                tham_dinh=ThamDinh.model_validate({"ket_qua": a.ket_qua, "y_kien": a.y_kien}),
            )
            for a, sha in ctx.store.attachments(id)
        ]
        return ok(MinhChungList(danh_sach=items))

    return router
