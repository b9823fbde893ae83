"""`/file_api/api/…`: evidence uploads (never deduplicated) and look-ups by hash or id."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import JSONResponse

from mock_servers.theodoinq.docs import UPLOAD_BODY, api_responses
from mock_servers.theodoinq.errors import ApiError
from mock_servers.theodoinq.files import read_upload, sniff
from mock_servers.theodoinq.routes.deps import Account, MockDep, ok
from mock_servers.theodoinq.schemas import Envelope, FileMeta

router = APIRouter(tags=["file"])


@router.post(
    "/file_api/api/upload",
    response_model=Envelope[FileMeta],
    responses=api_responses(upload=True),
    openapi_extra=UPLOAD_BODY,
)
async def upload(request: Request, mock: MockDep, user: Account) -> JSONResponse:
    """Store an evidence file; every upload is a new file, even of the same bytes."""
    received = await read_upload(request.headers.get("content-type"), request.stream())
    try:
        if received.too_large:
            raise ApiError("FILE_TOO_LARGE", http_status=413)
        kind = sniff(received.content)
        if kind is None:
            raise ApiError("UNSUPPORTED_FILE_TYPE")
        await mock.gate.admit_write()
        record = mock.store.add_file(
            user, received.file_name, received.sha256, kind, received.content,
            received.size, mock.stamp(),
        )
        mock.store.bump("uploads")
        mock.gate.record_write()
    finally:
        received.close()
    return ok(record.wire())


@router.get(
    "/file_api/api/files", response_model=Envelope[list[FileMeta]], responses=api_responses()
)
async def find_files(
    mock: MockDep,
    user: Account,
    sha256: Annotated[str, Query(pattern="^[0-9a-fA-F]{64}$", description="SHA-256 (hex).")],
) -> JSONResponse:
    """The account's files with that hash, oldest first."""
    return ok([f.wire() for f in mock.store.files(user, sha256.lower())])


@router.get(
    "/file_api/api/files/{fileId}", response_model=Envelope[FileMeta], responses=api_responses()
)
async def file_meta(
    mock: MockDep, user: Account, fileId: Annotated[str, Path(description="Mã tệp.")]
) -> JSONResponse:
    """A file's metadata; another account's or an unknown file is NOT_FOUND."""
    found = mock.store.file(fileId)
    if found is None or found.owner != user:
        raise ApiError("NOT_FOUND", f"Không tìm thấy tệp {fileId}.")
    return ok(found.wire())
