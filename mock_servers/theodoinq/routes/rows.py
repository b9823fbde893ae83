"""`/report_api/api/rp_objidx_data`: a report's rows, read whole and saved whole; submission."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import TypeAdapter, ValidationError
from starlette.responses import JSONResponse

from mock_servers.theodoinq.docs import SAVE_BODY, api_responses
from mock_servers.theodoinq.errors import ApiError
from mock_servers.theodoinq.reports import plan_save
from mock_servers.theodoinq.routes.deps import Account, MockDep, ok, own_grant
from mock_servers.theodoinq.schemas import MAX_ID, Envelope, ReportRow, RowInput

REPORT_PATH = "/report_api/api/rp_objidx_data"
GrantIdQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="Mã nhiệm vụ báo cáo.")]

router = APIRouter(tags=["report"])
_rows_body = TypeAdapter(list[RowInput])


def _rows_from(raw: bytes) -> list[RowInput]:
    try:
        return _rows_body.validate_json(raw)
    except ValidationError as exc:
        raise ApiError(
            "INVALID_REQUEST", "Nội dung báo cáo phải là mảng các dòng có idxId.", http_status=400
        ) from exc


@router.get(REPORT_PATH, response_model=Envelope[list[ReportRow]], responses=api_responses())
async def read_report(mock: MockDep, _user: Account, grant_id: GrantIdQuery) -> JSONResponse:
    """The whole report of a grant as one flat array of rows (a tree by parentId)."""
    own_grant(mock, grant_id)
    return ok([row.wire() for row in mock.store.rows(grant_id)])


@router.put(
    REPORT_PATH,
    response_model=Envelope[None],
    responses=api_responses(),
    openapi_extra=SAVE_BODY,
)
async def save_report(
    request: Request,
    mock: MockDep,
    user: Account,
    grant_id: GrantIdQuery,
    action: Annotated[str | None, Query(description="input hoặc submit.")] = None,
) -> JSONResponse:
    """Replace the whole report (rows left out are cleared); `action=submit` also submits it."""
    if action is None:
        raise ApiError("INVALID_ACTION", "Thiếu tham số action.", http_status=400)
    if action not in ("input", "submit"):
        raise ApiError("INVALID_ACTION", f"Thao tác không hợp lệ: {action}.", http_status=400)
    raw = await request.body()
    body = _rows_from(raw) if raw.strip() else None
    if body is None and action == "input":
        raise ApiError("INVALID_REQUEST", "Thiếu nội dung báo cáo.", http_status=400)
    store = mock.store
    await mock.gate.admit_write()
    with store.locked():
        grant = own_grant(mock, grant_id)
        if grant.status != "OPEN":
            raise ApiError("GRANT_LOCKED")
        if body is not None:
            changes = plan_save(
                store.rows(grant_id), body, lambda ids: store.owned_file_ids(user, ids)
            )
            store.write_rows(changes, user, mock.stamp())
            store.bump("saves")
        if action == "submit":
            store.set_grant_status(grant_id, "SUBMITTED")
            store.bump("submits")
        mock.gate.record_write()
    return ok()
