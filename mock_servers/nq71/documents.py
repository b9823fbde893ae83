"""Back-end routes for resumable chunked uploads of evidence files (tài liệu)."""

from fastapi import APIRouter, Request

from mock_servers.nq71.api import Ctx, api_router, invalid, not_found, ok
from mock_servers.nq71.context import Nq71Context
from mock_servers.nq71.errors import BusinessError
from mock_servers.nq71.schemas import Envelope, KhoiTaoIn, KhoiTaoOut, TaiLieuOut, UploadStatus
from mock_servers.nq71.tables import Upload
from mock_servers.nq71.uploads import (
    MAX_FILE_SIZE,
    PART_SIZE,
    assemble,
    expected_part_size,
    part_count,
)

_RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _live(ctx: Nq71Context, upload_id: str) -> Upload:
    upload = ctx.store.live_upload(upload_id, ctx.now())
    if upload is None:
        raise not_found(f"Không tìm thấy phiên tải lên {upload_id} (không có hoặc đã hết hạn).")
    return upload


async def _read_capped(request: Request, limit: int) -> bytes:
    """The body, reading no further than one byte past `limit`."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            break
    return bytes(data)


def build_router() -> APIRouter:
    """The routes under `tai-lieu`."""
    router = api_router()

    @router.post("/tai-lieu/khoi-tao", response_model=Envelope[KhoiTaoOut])
    async def start_upload(ctx: Ctx, body: KhoiTaoIn) -> Envelope[KhoiTaoOut]:
        """Start an upload of a file of at most 50 MiB, sent in parts of 1 MiB."""
        if body.kich_thuoc > MAX_FILE_SIZE:
            raise BusinessError("TEP_QUA_LON", "Tệp vượt quá dung lượng cho phép (50 MiB).")
        await ctx.gate.admit_write()
        upload_id = ctx.store.create_upload(body, ctx.now())
        ctx.gate.record_write()
        return ok(KhoiTaoOut(upload_id=upload_id, kich_thuoc_phan=PART_SIZE))

    @router.put(
        "/tai-lieu/{upload_id}/phan/{so_thu_tu}",
        response_model=Envelope[None],
        openapi_extra=_RAW_BODY,
    )
    async def put_part(
        ctx: Ctx, request: Request, upload_id: str, so_thu_tu: int
    ) -> Envelope[None]:
        """Receive part `so_thu_tu` (0-based), 1 MiB except the last; a re-send is a no-op."""
        upload = _live(ctx, upload_id)
        count = part_count(upload.kich_thuoc)
        if not 0 <= so_thu_tu < count:
            raise invalid(f"Tham số so_thu_tu không hợp lệ: phải từ 0 đến {count - 1}.")
        expected = expected_part_size(upload.kich_thuoc, so_thu_tu)
        data = await _read_capped(request, expected)
        if len(data) != expected:
            got = f"{len(data)}" if len(data) <= expected else f"hơn {expected}"
            raise invalid(f"Phần {so_thu_tu} phải có đúng {expected} byte, nhận được {got} byte.")
        await ctx.gate.admit_write()
        if ctx.store.add_part(upload_id, so_thu_tu, data):
            ctx.gate.record_write()
        ctx.store.bump("parts")
        return ok(None)

    @router.get("/tai-lieu/{upload_id}", response_model=Envelope[UploadStatus])
    async def upload_status(ctx: Ctx, upload_id: str) -> Envelope[UploadStatus]:
        """The parts held and whether the upload is complete."""
        upload = _live(ctx, upload_id)
        received = ctx.store.received_parts(upload_id)
        return ok(UploadStatus(da_nhan=received, hoan_tat=upload.tai_lieu_id is not None))

    @router.post("/tai-lieu/{upload_id}/hoan-tat", response_model=Envelope[TaiLieuOut])
    async def complete_upload(ctx: Ctx, upload_id: str) -> Envelope[TaiLieuOut]:
        """Check size, sha256 and type; the document id (the same one when already completed)."""
        upload = _live(ctx, upload_id)
        if upload.tai_lieu_id is not None:
            return ok(TaiLieuOut(tai_lieu_id=upload.tai_lieu_id))
        count = part_count(upload.kich_thuoc)
        held = set(ctx.store.received_parts(upload_id))
        missing = [n for n in range(count) if n not in held]
        if missing:
            listed = ", ".join(str(n) for n in missing)
            raise invalid(f"Chưa nhận đủ các phần của tệp; còn thiếu phần: {listed}.")
        result = assemble(ctx.store.iter_parts(upload_id, count))
        if result.size != upload.kich_thuoc or result.sha256 != upload.sha256.lower():
            raise BusinessError(
                "SAI_MA_BAM", "Kích thước hoặc mã băm SHA-256 của tệp không khớp với khai báo."
            )
        if result.kind is None:
            raise BusinessError(
                "LOAI_TEP_KHONG_HO_TRO",
                "Loại tệp không được hỗ trợ (chỉ nhận PDF, JPEG, PNG, DOCX, XLSX).",
            )
        await ctx.gate.admit_write()
        tai_lieu_id = ctx.store.complete_upload(upload, result.kind)
        ctx.gate.record_write()
        return ok(TaiLieuOut(tai_lieu_id=tai_lieu_id))

    return router
