"""Helpers for the theodoinq mock tests: an in-process client, login, sample files, row look-ups."""

import io
import re
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from mock_servers.common.clock import Clock, Sleep
from mock_servers.theodoinq import TheodoinqMockConfig, create_app

BASE_URL = "http://theodoinq.test"
USERNAME = "dp.vhxh"
PASSWORD = "nqsync-dev-password"
LOGIN = "/auth_api/api/login"
GRANTS = "/report_api/api/rp_grant"
REPORT = "/report_api/api/rp_objidx_data"
UPLOAD = "/file_api/api/upload"
FILES = "/file_api/api/files"
STAMP = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")
MIB = 1024 * 1024


def config(**changes: Any) -> TheodoinqMockConfig:
    """A mock config with a generous rate limit unless told otherwise."""
    values: dict[str, Any] = {"rate": 1000.0, "burst": 1000}
    values.update(changes)
    return TheodoinqMockConfig(**values)


@asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to APP in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


async def login(client: httpx.AsyncClient) -> dict[str, str]:
    """Log in as the mock's account; the headers every further call needs."""
    response = await client.post(LOGIN, json={"username": USERNAME, "password": PASSWORD})
    token = response.json()["data"]["accessToken"]
    return {"Authorization": f"Bearer {token}", "x-check-auth": "true"}


def ok(data: Any = None) -> dict[str, Any]:
    """A success envelope."""
    return {"status": "OK", "code": None, "message": None, "data": data}


async def monthly_grants(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[int, int]:
    """Month number → grantId of the account's THANG 57-NQ/TW grants."""
    grants = (await client.get(GRANTS, params={"year": 2026}, headers=headers)).json()["data"]
    return {
        int(g["fromDate"][3:5]): g["grantId"]
        for g in grants
        if g["periodType"] == "THANG" and g["resolution"] == "57-NQ/TW"
    }


async def report(
    client: httpx.AsyncClient, headers: dict[str, str], grant_id: int
) -> list[dict[str, Any]]:
    """A grant's rows as served."""
    response = await client.get(REPORT, params={"grant_id": grant_id}, headers=headers)
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


def row_at(rows: list[dict[str, Any]], code: str) -> dict[str, Any]:
    """The row of plan code `1.<section>.<item>` (or section `1.<section>`), by tree position."""
    parts = code.split(".")
    section_order = int(parts[1])
    section = next(r for r in rows if r["parentId"] is None and r["idxOrder"] == section_order)
    if len(parts) == 2:
        return section
    item = int(parts[2])
    return next(r for r in rows if r["parentId"] == section["idxId"] and r["idxOrder"] == item)


def with_changes(
    rows: list[dict[str, Any]], changes: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows as read, with some rows' fields replaced (by idxId)."""
    return [{**r, **changes.get(r["idxId"], {})} for r in rows]


async def save(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    grant_id: int,
    body: Any,
    action: str = "input",
) -> httpx.Response:
    """PUT a whole report."""
    return await client.put(
        REPORT, params={"grant_id": grant_id, "action": action}, headers=headers, json=body
    )


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, content: bytes
) -> httpx.Response:
    """POST one file."""
    return await client.post(UPLOAD, headers=headers, files={"file": (name, content)})


async def state(client: httpx.AsyncClient) -> dict[str, Any]:
    """GET /_admin/state."""
    body: dict[str, Any] = (await client.get("/_admin/state")).json()
    return body


def pdf(text: str = "minh chứng") -> bytes:
    """A small PDF-looking file."""
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + text.encode() + b"\n%%EOF\n"


def png() -> bytes:
    """A PNG signature and a little more."""
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(13)


def jpeg() -> bytes:
    """A JPEG start-of-image and a little more."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(16)


def zip_with(*names: str) -> bytes:
    """A ZIP archive holding empty entries with these names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def new_app(clock: Clock | None = None, sleep: Sleep | None = None, **changes: Any) -> FastAPI:
    """A fresh mock app (config changes as `TheodoinqMockConfig` fields; clock and sleep
    injected when given)."""
    extra = {} if sleep is None else {"sleep": sleep}
    return create_app(config(**changes), clock=clock, **extra)
