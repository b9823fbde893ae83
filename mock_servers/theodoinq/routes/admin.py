"""The theodoinq mock's `/_admin` surface (no auth; not in the real system).

- `POST /_admin/reset` → `{"generation": n}`: empty state (grants, rows, files, tokens, counters,
  rate-limit buckets, fault and drift rules, the write count, any freeze), then re-seed with new
  ids.
- `GET /_admin/state[?grantId=n]` → everything the mock holds::

      {"seed": int, "generation": int, "organisation": str, "username": str,
       "grants": [{"grantId", "resolution", "periodType", "fromDate", "toDate", "deadline",
                   "grantStatus", "organisation": str, "year": int,
                   "rows": [{<every field of a report row>, "saves": int}]}],
       "files": [{"fileId", "fileName", "size", "sha256", "uploadTime",
                  "owner": str, "fileType": "PDF" | "JPEG" | "PNG" | "DOCX" | "XLSX"}],
       "counts": {"logins": int, "saves": int, "submits": int, "uploads": int,
                  "requests": int, "rateLimited": int},
       "writes": int, "frozen": bool, "held": int,
       "freeze": null | {"at_writes": int, "hold_answers": bool},
       "drift": [<drift rule as given>]}

  Rows are in the order the API serves them. A row's `saves` counts the writes that changed it
  (a PUT that changed or cleared it, or a human edit). `counts`: `logins` successful logins;
  `saves` PUT requests that saved a body; `submits` successful submissions; `uploads` files
  created; `requests` every API request that reached the gateway (throttled ones included,
  `/_admin` and the documentation excluded); `rateLimited` requests answered 429 by the gateway.
  `writes`: API requests since the last reset that changed the stored state: an accepted PUT
  (a save, a submission, or both in one request: one write) and an upload that stored a file.
  Files appear in upload order; grants by id, with the other organisation's grant too.
- `POST /_admin/human-edit` `{"grantId", "idxId", "idxValue"?, "idxContent"?, "fileIds"?,
  "user"?="web.user"}` → the row (with `saves`); unchecked; stamps `updateUser`/`updateTime`.
- `POST /_admin/review` `{"grantId", "idxId", "evalStatus", "evalComment"?=""}` → the row.
- `POST /_admin/lock` `{"grantId", "grantStatus"}` → the grant.
- `POST`, `DELETE`, `GET /_admin/faults`: fault rules (below).
- `POST`, `DELETE`, `GET /_admin/drift`: drift rules (below); the payload key is `data`.
- `POST`, `DELETE /_admin/freeze`: the freeze (below); a held request is answered with the
  gateway's HTML 503 page.

Unknown grant or row on `/_admin` → HTTP 404 envelope `NOT_FOUND`; a malformed body → HTTP 400
envelope `INVALID_REQUEST`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from mock_servers.common.surface import ADMIN_PREFIX
from mock_servers.theodoinq.context import Mock
from mock_servers.theodoinq.errors import ApiError
from mock_servers.theodoinq.reports import content_text
from mock_servers.theodoinq.routes.deps import MockDep
from mock_servers.theodoinq.schemas import MAX_ID, HumanEditRequest, LockRequest, ReviewRequest
from mock_servers.theodoinq.store import RowContent, RowRecord

router = APIRouter(prefix=ADMIN_PREFIX, tags=["admin"])


def _not_found(what: str) -> ApiError:
    return ApiError("NOT_FOUND", f"Không tìm thấy {what}.", http_status=404)


def _admin_row(row: RowRecord) -> dict[str, Any]:
    return {**row.wire(), "saves": row.saves}


def _existing_row(mock: Mock, grant_id: int, idx_id: int) -> RowRecord:
    if mock.store.grant(grant_id) is None:
        raise _not_found(f"nhiệm vụ báo cáo {grant_id}")
    row = mock.store.row(grant_id, idx_id)
    if row is None:
        raise _not_found(f"chỉ tiêu {idx_id} trong nhiệm vụ {grant_id}")
    return row


def _state_of(mock: Mock, grant_id: int | None = None) -> dict[str, Any]:
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
        **mock.gate.snapshot(),
        "drift": mock.drift.snapshot(),
    }


@router.post("/reset")
async def reset(mock: MockDep) -> JSONResponse:
    """Empty the state and re-seed with new ids; tokens, buckets, fault and drift rules, the
    write count and any freeze go too."""
    mock.reset()
    return JSONResponse({"generation": mock.store.generation()})


@router.get("/state")
async def state(
    mock: MockDep,
    grant_id: Annotated[int | None, Query(alias="grantId", ge=1, le=MAX_ID)] = None,
) -> JSONResponse:
    """Every grant (or one), its rows with save counts, every file, the counters, the write
    count, the freeze and the drift rules."""
    return JSONResponse(_state_of(mock, grant_id))


@router.post("/human-edit")
async def human_edit(mock: MockDep, edit: HumanEditRequest) -> JSONResponse:
    """Change a row as a person on the web would: no checks, stamped with that person."""
    store = mock.store
    with store.locked():
        row = _existing_row(mock, edit.grantId, edit.idxId)
        content = row.idx_content if edit.idxContent is None else edit.idxContent
        change = RowContent(
            idx_id=row.idx_id,
            value=row.idx_value if edit.idxValue is None else edit.idxValue,
            content=content,
            content_raw=content_text(content),
            file_ids=row.file_ids if edit.fileIds is None else tuple(edit.fileIds),
        )
        store.write_rows([change], edit.user, mock.stamp())
        return JSONResponse(_admin_row(_existing_row(mock, edit.grantId, edit.idxId)))


@router.post("/review")
async def review(mock: MockDep, verdict: ReviewRequest) -> JSONResponse:
    """Set a row's review status and comment (the row's updateTime is untouched)."""
    with mock.store.locked():
        _existing_row(mock, verdict.grantId, verdict.idxId)
        mock.store.set_review(verdict.idxId, verdict.evalStatus, verdict.evalComment)
        return JSONResponse(_admin_row(_existing_row(mock, verdict.grantId, verdict.idxId)))


@router.post("/lock")
async def lock(mock: MockDep, change: LockRequest) -> JSONResponse:
    """Lock, submit or reopen a grant."""
    if not mock.store.set_grant_status(change.grantId, change.grantStatus):
        raise _not_found(f"nhiệm vụ báo cáo {change.grantId}")
    grant = mock.store.grant(change.grantId)
    return JSONResponse(None if grant is None else grant.wire())
