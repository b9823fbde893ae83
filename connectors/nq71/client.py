"""nq71 behind the LGSP gateway: client-credentials token, `X-Ma-Dinh-Danh`, 4 in flight."""

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from connectors.http.auth import SingleFlightToken
from connectors.http.errors import FAIL_CONFIG, RemoteError
from connectors.http.pacing import InFlightLimit, Pacer
from connectors.http.retry import RetryPolicy
from connectors.http.session import ApiSession, json_body
from connectors.logs import register_secret
from connectors.nq71.errors import TABLE, TOKEN_REFUSED

SYSTEM = "nq71"
API = "/nq71/1.0"
PAGE_SIZE = 50


def interpret(response: httpx.Response) -> Any:
    """The envelope's `du_lieu`, or a classified error (WSO2 faults, HTTP-200 errors, HTML 5xx)."""
    body = json_body(response)
    if isinstance(body, dict) and isinstance(body.get("fault"), dict):
        fault = body["fault"]
        code = str(fault.get("code", ""))
        raise RemoteError(
            SYSTEM,
            f"cổng LGSP: {fault.get('message') or code}",
            TABLE.by_code.get(code) or TABLE.for_status(response.status_code),
            code=code,
            status=response.status_code,
        )
    if isinstance(body, dict) and "thanh_cong" in body:
        if body["thanh_cong"] is True and response.is_success:
            return body.get("du_lieu")
        error_code: str | None = body.get("ma_loi")
        raise RemoteError(
            SYSTEM,
            str(body.get("thong_bao") or error_code or f"HTTP {response.status_code}"),
            TABLE.for_code(error_code) if error_code else TABLE.for_status(response.status_code),
            code=error_code,
            status=response.status_code,
        )
    raise RemoteError(
        SYSTEM,
        f"HTTP {response.status_code} không có dữ liệu JSON",
        TABLE.for_status(response.status_code),
        status=response.status_code,
    )


def _token_response(response: httpx.Response) -> Any:
    if response.status_code == 200:
        return response.json()
    try:
        interpret(response)
    except RemoteError as error:
        if error.code == TOKEN_REFUSED or response.status_code == 401:
            raise RemoteError(
                SYSTEM, "cổng LGSP từ chối khóa ứng dụng (client id/secret)", FAIL_CONFIG,
                code=error.code, status=response.status_code,
            ) from None
        raise
    raise RemoteError(SYSTEM, "cổng LGSP trả lời không hợp lệ", FAIL_CONFIG)


class Nq71Client:
    """Typed calls to nq71, paced and authenticated; idempotent calls retried by the session."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        client_id: str,
        client_secret: SecretStr,
        ma_don_vi: str,
        ma_dinh_danh: str,
        *,
        pacer: Pacer | None = None,
        policy: RetryPolicy | None = None,
        share_token: bool = False,
        observe: Callable[[httpx.Response], None] | None = None,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self.ma_don_vi = ma_don_vi
        share = f"{SYSTEM} {http.base_url} {client_id}" if share_token else None
        self.auth = SingleFlightToken(self._fetch_token, share)
        self.session = ApiSession(
            system=SYSTEM,
            client=http,
            table=TABLE,
            pacer=pacer or InFlightLimit(4),
            interpret=interpret,
            auth=self.auth,
            auth_headers=lambda token: {
                "Authorization": f"Bearer {token.get_secret_value()}",
                "X-Ma-Dinh-Danh": ma_dinh_danh,
            },
            policy=policy or RetryPolicy(),
            observe=observe,
        )
        self._gateway = self.session.without_auth(_token_response)

    async def _fetch_token(self) -> SecretStr:
        data = await self._gateway.request(
            "POST",
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(self._client_id, self._client_secret.get_secret_value()),
            retry=False,
        )
        token = SecretStr(str(data["access_token"]))
        register_secret(token)
        return token

    async def _pages(self, path: str, params: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
        page = 1
        while True:
            data = await self.session.request(
                "GET", f"{API}{path}", params={**params, "trang": page, "so_dong": PAGE_SIZE}
            )
            items = list(data.get("danh_sach") or [])
            for item in items:
                yield dict(item)
            if not items or page * PAGE_SIZE >= int(data.get("tong_so") or 0):
                return
            page += 1

    async def indicators(self) -> list[dict[str, Any]]:
        """Every indicator of the unit, across all pages (1-based)."""
        return [item async for item in self._pages("/chi-tieu", {"ma_don_vi": self.ma_don_vi})]

    async def reports(
        self, period: str | None = None, indicator: str | None = None
    ) -> list[dict[str, Any]]:
        """The unit's reports, optionally for one period (`MM/YYYY`) and one indicator."""
        params: dict[str, Any] = {"ma_don_vi": self.ma_don_vi}
        if period:
            params["ky_bao_cao"] = period
        if indicator:
            params["ma_chi_tieu"] = indicator
        return [item async for item in self._pages("/bao-cao", params)]

    async def create_report(self, fields: Mapping[str, Any]) -> int:
        """POST a new report (one attempt: the remote does not deduplicate)."""
        body = {**fields, "ma_don_vi": self.ma_don_vi}
        data = await self.session.request("POST", f"{API}/bao-cao", json=body, retry=False)
        return int(data["id"])

    async def update_report(self, report_id: int, fields: Mapping[str, Any]) -> None:
        """PUT a report's full replacement (idempotent: retried)."""
        body = {**fields, "ma_don_vi": self.ma_don_vi}
        await self.session.request("PUT", f"{API}/bao-cao/{report_id}", json=body)

    async def attachments(self, report_id: int) -> list[dict[str, Any]]:
        """A report's evidence attachments with their reviews."""
        data = await self.session.request("GET", f"{API}/bao-cao/{report_id}/minh-chung")
        return [dict(item) for item in data.get("danh_sach") or []]

    async def attach(self, report_id: int, fields: Mapping[str, Any]) -> None:
        """Attach a finished document (one attempt: attaching twice makes two attachments)."""
        await self.session.request(
            "POST", f"{API}/bao-cao/{report_id}/minh-chung", json=dict(fields), retry=False
        )

    async def start_upload(self, fields: Mapping[str, Any]) -> tuple[str, int]:
        """Open a chunked upload; the upload id and the part size.

        Retried only when the try surely did not happen: an upload session cannot be looked
        up, so a lost answer is not answered with a second session.
        """
        data = await self.session.request(
            "POST", f"{API}/tai-lieu/khoi-tao", json=dict(fields), retry_unknown=False
        )
        return str(data["upload_id"]), int(data["kich_thuoc_phan"])

    async def put_part(self, upload_id: str, number: int, chunk: bytes) -> None:
        """Send one part (re-sending a received part is a no-op, so it is retried)."""
        await self.session.request(
            "PUT",
            f"{API}/tai-lieu/{upload_id}/phan/{number}",
            content=chunk,
            headers={"Content-Type": "application/octet-stream"},
        )

    async def upload_status(self, upload_id: str) -> tuple[set[int], bool]:
        """Which parts the server holds, and whether the upload is finished."""
        data = await self.session.request("GET", f"{API}/tai-lieu/{upload_id}")
        return {int(n) for n in data.get("da_nhan") or []}, bool(data.get("hoan_tat"))

    async def finish_upload(self, upload_id: str) -> str:
        """Finish an upload (size and sha256 checked by the server); the document id.

        One try: the caller settles a lost answer with `upload_status` first.
        """
        data = await self.session.request(
            "POST", f"{API}/tai-lieu/{upload_id}/hoan-tat", retry=False
        )
        return str(data["tai_lieu_id"])
