"""theodoinq's API: login, grants, report rows (read, whole-report save, submit) and files."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter, ValidationError
from starlette.responses import JSONResponse

from mock_servers.theodoinq.clock import now_stamp
from mock_servers.theodoinq.context import Mock
from mock_servers.theodoinq.docs import (
    SAVE_BODY,
    UPLOAD_BODY,
    api_responses,
    public_responses,
)
from mock_servers.theodoinq.errors import ApiError
from mock_servers.theodoinq.files import read_upload, sniff
from mock_servers.theodoinq.reports import plan_save
from mock_servers.theodoinq.schemas import (
    MAX_ID,
    Envelope,
    FileMeta,
    Grant,
    LoginData,
    LoginRequest,
    ReportRow,
    RowInput,
    envelope,
)
from mock_servers.theodoinq.store import GrantRecord

_bearer = HTTPBearer(auto_error=False, description="Token từ /auth_api/api/login.")
_rows_body = TypeAdapter(list[RowInput])

GrantIdQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="Mã nhiệm vụ báo cáo.")]


def _ok(data: object = None) -> JSONResponse:
    return JSONResponse(envelope(data))


def _rows_from(raw: bytes) -> list[RowInput]:
    try:
        return _rows_body.validate_json(raw)
    except ValidationError as exc:
        raise ApiError(
            "INVALID_REQUEST", "Nội dung báo cáo phải là mảng các dòng có idxId.", http_status=400
        ) from exc


def build_api(mock: Mock) -> APIRouter:
    """The API routes of one mock."""
    router = APIRouter()
    store = mock.store

    async def account(
        request: Request,
        x_check_auth: Annotated[str | None, Header(alias="x-check-auth")] = None,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
    ) -> str:
        if (x_check_auth or "").strip() != "true":
            raise ApiError("MISSING_CHECK_AUTH", http_status=400)
        return mock.accounts.account(request.headers.get("authorization"))

    Account = Annotated[str, Depends(account)]

    def own_grant(grant_id: int) -> GrantRecord:
        grant = store.grant(grant_id)
        if grant is None:
            raise ApiError("NOT_FOUND", f"Không tìm thấy nhiệm vụ báo cáo {grant_id}.")
        if grant.organisation != mock.accounts.organisation:
            raise ApiError("FORBIDDEN")
        return grant

    @router.post(
        "/auth_api/api/login",
        response_model=Envelope[LoginData],
        responses=public_responses(),
        tags=["auth"],
    )
    async def login(credentials: LoginRequest) -> JSONResponse:
        """Log in; a wrong user or password is HTTP 200 INVALID_CREDENTIALS."""
        token, ttl = mock.accounts.login(credentials.username, credentials.password)
        return _ok({"accessToken": token, "expiresIn": ttl})

    @router.get(
        "/report_api/api/rp_grant",
        response_model=Envelope[list[Grant]],
        responses=api_responses(),
        tags=["report"],
    )
    async def list_grants(
        _user: Account,
        year: Annotated[int | None, Query(ge=1, le=9999, description="Năm.")] = None,
    ) -> JSONResponse:
        """The account's organisation's grants (of one year if given)."""
        grants = store.grants(mock.accounts.organisation, year)
        return _ok([g.wire() for g in grants])

    @router.get(
        "/report_api/api/rp_objidx_data",
        response_model=Envelope[list[ReportRow]],
        responses=api_responses(),
        tags=["report"],
    )
    async def read_report(_user: Account, grant_id: GrantIdQuery) -> JSONResponse:
        """The whole report of a grant as one flat array of rows (a tree by parentId)."""
        own_grant(grant_id)
        return _ok([row.wire() for row in store.rows(grant_id)])

    @router.put(
        "/report_api/api/rp_objidx_data",
        response_model=Envelope[None],
        responses=api_responses(),
        openapi_extra=SAVE_BODY,
        tags=["report"],
    )
    async def save_report(
        request: Request,
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
        with store.locked():
            grant = own_grant(grant_id)
            if grant.status != "OPEN":
                raise ApiError("GRANT_LOCKED")
            if body is not None:
                changes = plan_save(
                    store.rows(grant_id), body, lambda ids: store.owned_file_ids(user, ids)
                )
                store.write_rows(changes, user, now_stamp())
                store.bump("saves")
            if action == "submit":
                store.set_grant_status(grant_id, "SUBMITTED")
                store.bump("submits")
        return _ok()

    @router.post(
        "/file_api/api/upload",
        response_model=Envelope[FileMeta],
        responses=api_responses(upload=True),
        openapi_extra=UPLOAD_BODY,
        tags=["file"],
    )
    async def upload(request: Request, user: Account) -> JSONResponse:
        """Store an evidence file; every upload is a new file, even of the same bytes."""
        received = await read_upload(request.headers.get("content-type"), request.stream())
        try:
            if received.too_large:
                raise ApiError("FILE_TOO_LARGE", http_status=413)
            kind = sniff(received.content)
            if kind is None:
                raise ApiError("UNSUPPORTED_FILE_TYPE")
            record = store.add_file(
                user, received.file_name, received.sha256, kind, received.content,
                received.size, now_stamp(),
            )
            store.bump("uploads")
        finally:
            received.close()
        return _ok(record.wire())

    @router.get(
        "/file_api/api/files",
        response_model=Envelope[list[FileMeta]],
        responses=api_responses(),
        tags=["file"],
    )
    async def find_files(
        user: Account,
        sha256: Annotated[str, Query(pattern="^[0-9a-fA-F]{64}$", description="SHA-256 (hex).")],
    ) -> JSONResponse:
        """The account's files with that hash, oldest first."""
        return _ok([f.wire() for f in store.files(user, sha256.lower())])

    @router.get(
        "/file_api/api/files/{fileId}",
        response_model=Envelope[FileMeta],
        responses=api_responses(),
        tags=["file"],
    )
    async def file_meta(
        user: Account, fileId: Annotated[str, Path(description="Mã tệp.")]
    ) -> JSONResponse:
        """A file's metadata; another account's or an unknown file is NOT_FOUND."""
        found = store.file(fileId)
        if found is None or found.owner != user:
            raise ApiError("NOT_FOUND", f"Không tìm thấy tệp {fileId}.")
        return _ok(found.wire())

    return router
