"""The mock's `/_admin` surface (no auth; not in the real system); see the package docstring."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from mock_servers.theodoinq.clock import now_stamp
from mock_servers.theodoinq.context import Mock
from mock_servers.theodoinq.errors import ApiError
from mock_servers.theodoinq.reports import content_text
from mock_servers.theodoinq.schemas import MAX_ID, HumanEditRequest, LockRequest, ReviewRequest
from mock_servers.theodoinq.store import RowContent, RowRecord


def _not_found(what: str) -> ApiError:
    return ApiError("NOT_FOUND", f"Không tìm thấy {what}.", http_status=404)


def _admin_row(row: RowRecord) -> dict[str, Any]:
    return {**row.wire(), "saves": row.saves}


def state_of(mock: Mock, grant_id: int | None = None) -> dict[str, Any]:
    """Everything the mock holds, as `GET /_admin/state` serves it."""
    store = mock.store
    grants = [g for g in store.grants() if grant_id is None or g.grant_id == grant_id]
    return {
        "seed": mock.config.seed,
        "generation": store.generation(),
        "organisation": mock.config.organisation,
        "username": mock.config.username,
        "grants": [
            {
                **g.wire(),
                "organisation": g.organisation,
                "year": g.year,
                "rows": [_admin_row(r) for r in store.rows(g.grant_id)],
            }
            for g in grants
        ],
        "files": [
            {**f.wire(), "owner": f.owner, "fileType": f.file_type} for f in store.files()
        ],
        "counts": store.counts(),
    }


def build_admin(mock: Mock) -> APIRouter:
    """The `/_admin` routes of one mock (left out of the OpenAPI document)."""
    router = APIRouter(prefix="/_admin", include_in_schema=False)
    store = mock.store

    def existing_row(grant_id: int, idx_id: int) -> RowRecord:
        if store.grant(grant_id) is None:
            raise _not_found(f"nhiệm vụ báo cáo {grant_id}")
        row = store.row(grant_id, idx_id)
        if row is None:
            raise _not_found(f"chỉ tiêu {idx_id} trong nhiệm vụ {grant_id}")
        return row

    @router.post("/reset")
    async def reset() -> JSONResponse:
        """Empty the state and re-seed with new ids; tokens, buckets and fault rules go too."""
        mock.reset()
        return JSONResponse({"generation": store.generation()})

    @router.get("/state")
    async def state(
        grant_id: Annotated[int | None, Query(alias="grantId", ge=1, le=MAX_ID)] = None,
    ) -> JSONResponse:
        """Every grant (or one), its rows with save counts, every file, and the counters."""
        return JSONResponse(state_of(mock, grant_id))

    @router.post("/human-edit")
    async def human_edit(edit: HumanEditRequest) -> JSONResponse:
        """Change a row as a person on the web would: no checks, stamped with that person."""
        with store.locked():
            row = existing_row(edit.grantId, edit.idxId)
            content = row.idx_content if edit.idxContent is None else edit.idxContent
            change = RowContent(
                idx_id=row.idx_id,
                value=row.idx_value if edit.idxValue is None else edit.idxValue,
                content=content,
                content_raw=content_text(content),
                file_ids=row.file_ids if edit.fileIds is None else tuple(edit.fileIds),
            )
            store.write_rows([change], edit.user, now_stamp())
            return JSONResponse(_admin_row(existing_row(edit.grantId, edit.idxId)))

    @router.post("/review")
    async def review(verdict: ReviewRequest) -> JSONResponse:
        """Set a row's review status and comment (the row's updateTime is untouched)."""
        with store.locked():
            existing_row(verdict.grantId, verdict.idxId)
            store.set_review(verdict.idxId, verdict.evalStatus, verdict.evalComment)
            return JSONResponse(_admin_row(existing_row(verdict.grantId, verdict.idxId)))

    @router.post("/lock")
    async def lock(change: LockRequest) -> JSONResponse:
        """Lock, submit or reopen a grant."""
        if not store.set_grant_status(change.grantId, change.grantStatus):
            raise _not_found(f"nhiệm vụ báo cáo {change.grantId}")
        grant = store.grant(change.grantId)
        return JSONResponse(None if grant is None else grant.wire())

    return router
