"""Helpers for the nq71 mock's tests: an HTTP client bound to an app with a movable clock."""

import hashlib
import io
import unicodedata
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from timing_support import MovableClock

from mock_servers.common.clock import Sleep
from mock_servers.nq71 import Nq71MockConfig, create_app

BASE = "/nq71/1.0"
CLIENT_ID = "nqsync-dev-client"
CLIENT_SECRET = "nqsync-dev-secret"
AGENCY = "000.00.32.H19"
UNIT = "26491"
PART = 1024 * 1024


@dataclass
class Nq71:
    """One mock app with a raw client, its clock and a current access token."""

    app: FastAPI
    http: httpx.AsyncClient
    clock: MovableClock
    token: str = ""

    async def fetch_token(self) -> str:
        resp = await self.http.post(
            "/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
        )
        assert resp.status_code == 200, resp.text
        token = resp.json()["access_token"]
        assert isinstance(token, str)
        return token

    async def later(self, seconds: float) -> None:
        """Move the clock on and take a fresh token."""
        self.clock.advance(seconds)
        self.token = await self.fetch_token()

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Ma-Dinh-Danh": AGENCY, **extra}

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return await self.http.request(method, BASE + path, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call and return `du_lieu`, asserting a success envelope."""
        resp = await self.call(method, path, **kwargs)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["thanh_cong"] is True and body["ma_loi"] is None, body
        assert body["thong_bao"] is None
        return body["du_lieu"]

    async def state(self) -> dict[str, Any]:
        resp = await self.http.get("/_admin/state")
        assert resp.status_code == 200
        result: dict[str, Any] = resp.json()
        return result

    async def faults(self, *rules: dict[str, Any], seed: int = 0) -> None:
        resp = await self.http.post("/_admin/faults", json={"seed": seed, "rules": list(rules)})
        assert resp.status_code == 200, resp.text

    async def create_report(self, **fields: Any) -> int:
        new_id = (await self.ok("POST", "/bao-cao", json=report_body(**fields)))["id"]
        assert isinstance(new_id, int)
        return new_id

    async def upload(self, data: bytes, name: str = "bien-ban.pdf") -> str:
        """Upload a file in parts and complete it; its `tai_lieu_id`."""
        started = await self.ok("POST", "/tai-lieu/khoi-tao", json=start_body(data, name))
        upload_id = started["upload_id"]
        for n, chunk in enumerate(chunks(data)):
            await self.ok("PUT", f"/tai-lieu/{upload_id}/phan/{n}", content=chunk)
        done = await self.ok("POST", f"/tai-lieu/{upload_id}/hoan-tat")
        tai_lieu_id = done["tai_lieu_id"]
        assert isinstance(tai_lieu_id, str)
        return tai_lieu_id


@asynccontextmanager
async def open_nq71(
    clock: MovableClock | None = None, sleep: Sleep | None = None, **settings: Any
) -> AsyncIterator[Nq71]:
    """A fresh app (settings as `Nq71MockConfig` fields) with a client and a token."""
    clock = clock or MovableClock()
    extra = {} if sleep is None else {"sleep": sleep}
    app = create_app(Nq71MockConfig(**settings), clock=clock, **extra)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://nq71.test") as http:
        mock = Nq71(app=app, http=http, clock=clock)
        mock.token = await mock.fetch_token()
        yield mock


def report_body(**fields: Any) -> dict[str, Any]:
    """A valid `POST bao-cao` body, with FIELDS overriding."""
    body: dict[str, Any] = {
        "ma_don_vi": UNIT,
        "ma_chi_tieu": "CT07",
        "ky_bao_cao": "11/2026",
        "gia_tri_thuc_hien": "87,5",
        "ty_le_hoan_thanh": "87,5",
        "tinh_trang": 2,
        "ghi_chu": "Đã triển khai tại 5/7 ấp",
        "nguoi_bao_cao": "Nguyễn Văn A",
    }
    return body | fields


def start_body(data: bytes, name: str = "bien-ban.pdf", **fields: Any) -> dict[str, Any]:
    """A valid `khoi-tao` body for DATA."""
    body: dict[str, Any] = {
        "ten_tep": name,
        "kich_thuoc": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "loai_tai_lieu": "van_ban",
    }
    return body | fields


def chunks(data: bytes) -> list[bytes]:
    """DATA cut into 1 MiB parts."""
    return [data[i : i + PART] for i in range(0, len(data), PART)]


def pdf(size: int = 100) -> bytes:
    """A PDF-looking file of SIZE bytes."""
    head = b"%PDF-1.7\n"
    body = bytes(range(251)) * (size // 251 + 1)
    return head + body[: size - len(head)]


def office(folder: str) -> bytes:
    """A ZIP holding `FOLDER/document.xml` (DOCX with `word`, XLSX with `xl`)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return buf.getvalue()


def assert_error(resp: httpx.Response, ma_loi: str, *mentions: str, status: int = 200) -> None:
    """A business-error envelope with that code, its Vietnamese message naming MENTIONS."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/json"
    body = resp.json()
    assert set(body) == {"thanh_cong", "du_lieu", "ma_loi", "thong_bao"}
    assert (body["thanh_cong"], body["du_lieu"], body["ma_loi"]) == (False, None, ma_loi), body
    message = body["thong_bao"]
    assert isinstance(message, str) and message
    assert unicodedata.is_normalized("NFC", message)
    for word in mentions:
        assert word in message, message


def assert_fault(resp: httpx.Response, status: int, code: int, message: str) -> None:
    """A WSO2 fault, with no `Retry-After`."""
    assert resp.status_code == status, resp.text
    assert "retry-after" not in resp.headers
    body = resp.json()
    assert set(body) == {"fault"}
    assert set(body["fault"]) == {"code", "message", "description"}
    assert (body["fault"]["code"], body["fault"]["message"]) == (code, message)
    assert body["fault"]["description"]


def assert_html(resp: httpx.Response, status: int) -> None:
    """An HTML error page with that status."""
    assert resp.status_code == status
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.text.startswith("<!DOCTYPE html>")
    assert f"<title>{status} " in resp.text
    assert "Traceback" not in resp.text
