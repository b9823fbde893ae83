import hashlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from theodoinq_support import (
    FILES,
    MIB,
    STAMP,
    UPLOAD,
    client_for,
    jpeg,
    login,
    new_app,
    ok,
    pdf,
    png,
    state,
    upload,
    zip_with,
)


class Files:
    """A logged-in client for the file API."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def upload(self, name: str, content: bytes) -> httpx.Response:
        return await upload(self.client, self.headers, name, content)

    async def by_hash(self, sha256: str) -> httpx.Response:
        return await self.client.get(FILES, params={"sha256": sha256}, headers=self.headers)


@pytest.fixture
async def files() -> AsyncIterator[Files]:
    async with client_for(new_app()) as client:
        yield Files(client, await login(client))


def error(code: str, message: str) -> dict[str, Any]:
    return {"status": "ERROR", "code": code, "message": message, "data": None}


UNSUPPORTED = error(
    "UNSUPPORTED_FILE_TYPE",
    "Định dạng tệp không được hỗ trợ (chỉ nhận PDF, JPEG, PNG, DOCX, XLSX).",
)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("bien-ban.pdf", pdf(), "PDF"),
        ("anh.jpg", jpeg(), "JPEG"),
        ("anh.png", png(), "PNG"),
        ("bao-cao.docx", zip_with("word/document.xml"), "DOCX"),
        ("so-lieu.xlsx", zip_with("xl/workbook.xml", "xl/worksheets/sheet1.xml"), "XLSX"),
        ("khong-duoi", pdf(), "PDF"),
    ],
)
async def test_supported_types_are_stored(
    files: Files, name: str, content: bytes, kind: str
) -> None:
    """PDF, JPEG, PNG, DOCX and XLSX (judged by content) upload to new file metadata."""
    response = await files.upload(name, content)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["code"], body["message"]) == ("OK", None, None)
    data = body["data"]
    assert data | {"fileId": "", "uploadTime": ""} == {
        "fileId": "",
        "fileName": name,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "uploadTime": "",
    }
    assert STAMP.fullmatch(data["uploadTime"])
    stored = (await state(files.client))["files"]
    assert [(f["fileId"], f["fileType"], f["owner"]) for f in stored] == [
        (data["fileId"], kind, "dp.vhxh")
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("ghi-chu.txt", "Báo cáo tháng 11".encode()),
        ("gia-pdf.pdf", b"<html>%PDF-</html>"),
        ("rong.pdf", b""),
        ("nen.zip", zip_with("docs/readme.txt")),
        ("hong.docx", b"PK\x03\x04" + bytes(40)),
        ("anh.gif", b"GIF89a" + bytes(10)),
    ],
)
async def test_other_contents_are_unsupported(files: Files, name: str, content: bytes) -> None:
    """A file whose bytes are none of the five types → HTTP 200 UNSUPPORTED_FILE_TYPE."""
    response = await files.upload(name, content)
    assert response.status_code == 200
    assert response.json() == UNSUPPORTED
    assert (await state(files.client))["files"] == []


async def test_over_10_mib_is_413(files: Files) -> None:
    """A file over 10 MiB → HTTP 413 FILE_TOO_LARGE; nothing stored."""
    response = await files.upload("lon.pdf", pdf() + bytes(10 * MIB))
    assert response.status_code == 413
    assert response.json() == error("FILE_TOO_LARGE", "Tệp vượt quá dung lượng cho phép (10 MB).")
    snapshot = await state(files.client)
    assert (snapshot["files"], snapshot["counts"]["uploads"]) == ([], 0)


async def test_exactly_10_mib_is_accepted_and_kept_whole(tmp_path: Path) -> None:
    """A file of exactly 10 MiB is stored, byte for byte, in the mock's database."""
    app = new_app(data_dir=tmp_path)
    async with client_for(app) as client:
        content = pdf() + bytes(range(256)) * (10 * MIB // 256 - 1)
        content += bytes(10 * MIB - len(content))
        response = await upload(client, await login(client), "vua.pdf", content)
        assert response.json()["status"] == "OK"
        data = response.json()["data"]
        assert data["size"] == 10 * MIB
    with closing(sqlite3.connect(tmp_path / "theodoinq.sqlite3")) as database:
        stored = database.execute(
            "SELECT content FROM files WHERE file_id = ?", (data["fileId"],)
        ).fetchone()
    assert bytes(stored[0]) == content


async def test_same_bytes_twice_are_two_files(files: Files) -> None:
    """Uploads are not idempotent: the same bytes uploaded twice give two fileIds."""
    first = (await files.upload("a.pdf", pdf())).json()["data"]
    second = (await files.upload("a.pdf", pdf())).json()["data"]
    assert first["fileId"] != second["fileId"]
    assert first["sha256"] == second["sha256"]
    snapshot = await state(files.client)
    assert len(snapshot["files"]) == 2
    assert snapshot["counts"]["uploads"] == 2


async def test_lookup_by_hash_lists_the_accounts_files(files: Files) -> None:
    """GET files?sha256= lists every file of the account with that hash, oldest first."""
    first = (await files.upload("a.pdf", pdf())).json()["data"]
    await files.upload("b.pdf", pdf("khác"))
    second = (await files.upload("c.pdf", pdf())).json()["data"]
    response = await files.by_hash(first["sha256"].upper())
    assert response.status_code == 200
    assert response.json() == ok([first, second])
    assert (await files.by_hash("0" * 64)).json() == ok([])


@pytest.mark.parametrize("sha256", ["abc", "g" * 64, "0" * 65])
async def test_lookup_needs_a_hex_sha256(files: Files, sha256: str) -> None:
    """A sha256 that is not 64 hex digits → HTTP 400 INVALID_REQUEST."""
    response = await files.by_hash(sha256)
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"


async def test_file_metadata_by_id(files: Files) -> None:
    """GET files/{fileId} gives the file's metadata; an unknown id is HTTP 200 NOT_FOUND."""
    data = (await files.upload("Biên bản nghiệm thu.pdf", pdf())).json()["data"]
    assert data["fileName"] == "Biên bản nghiệm thu.pdf"
    response = await files.client.get(f"{FILES}/{data['fileId']}", headers=files.headers)
    assert response.json() == ok(data)
    missing = await files.client.get(f"{FILES}/khong-co", headers=files.headers)
    assert missing.status_code == 200
    assert missing.json() == error("NOT_FOUND", "Không tìm thấy tệp khong-co.")


async def test_file_name_loses_its_folders(files: Files) -> None:
    """A client-side path in the file name is cut to its last part."""
    content = pdf()
    response = await files.client.post(
        UPLOAD,
        headers=files.headers,
        files={"file": ("C:\\Users\\vhxh\\bien-ban.pdf", content, "application/pdf")},
    )
    assert response.json()["data"]["fileName"] == "bien-ban.pdf"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"note": "x"}, "files": {"other": ("a.pdf", pdf())}},
        {"files": [("file", ("a.pdf", pdf())), ("file", ("b.pdf", pdf()))]},
        {"json": {"file": "abc"}},
        {
            "content": b"--x\r\nbroken",
            "headers": {"content-type": "multipart/form-data; boundary=x"},
        },
    ],
)
async def test_upload_needs_exactly_one_file_part(
    files: Files, request_kwargs: dict[str, Any]
) -> None:
    """A body that is not multipart with exactly one `file` part → HTTP 400 INVALID_REQUEST."""
    headers = {**files.headers, **request_kwargs.pop("headers", {})}
    response = await files.client.post(UPLOAD, headers=headers, **request_kwargs)
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"
    assert (await state(files.client))["files"] == []


async def test_upload_needs_a_token() -> None:
    """Uploads, like every call but login, need x-check-auth and a valid token."""
    async with client_for(new_app()) as client:
        no_check = await client.post(UPLOAD, files={"file": ("a.pdf", pdf())})
        assert (no_check.status_code, no_check.json()["code"]) == (400, "MISSING_CHECK_AUTH")
        no_token = await client.post(
            UPLOAD, headers={"x-check-auth": "true"}, files={"file": ("a.pdf", pdf())}
        )
        assert (no_token.status_code, no_token.json()["code"]) == (401, "TOKEN_EXPIRED")
