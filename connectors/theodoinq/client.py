"""theodoinq over HTTP: login with `x-check-auth`, grants, whole reports, uploads."""

import mimetypes
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from connectors.http.auth import SingleFlightToken
from connectors.http.errors import RemoteError
from connectors.http.pacing import Pacer, TokenBucket
from connectors.http.retry import RetryPolicy
from connectors.http.session import ApiSession, json_body
from connectors.logs import register_secret
from connectors.theodoinq.errors import TABLE

SYSTEM = "theodoinq"
PACE, BURST = 9.8, 19
"""The contract's 10 requests/s with bursts of 20, less 2 % and one request of margin for the
jitter between when a request leaves and when the gateway counts it."""


def interpret(response: httpx.Response) -> Any:
    """The envelope's `data`, or a classified error (HTTP-200 errors included; HTML on 5xx)."""
    body = json_body(response)
    if isinstance(body, dict) and "status" in body:
        if body["status"] == "OK" and response.is_success:
            return body.get("data")
        code = body.get("code")
        decision = TABLE.for_code(code) if code else TABLE.for_status(response.status_code)
        raise RemoteError(
            SYSTEM,
            str(body.get("message") or code or f"HTTP {response.status_code}"),
            decision,
            code=code,
            status=response.status_code,
            retry_after=_retry_after(response),
        )
    raise RemoteError(
        SYSTEM,
        f"HTTP {response.status_code} không có dữ liệu JSON",
        TABLE.for_status(response.status_code),
        status=response.status_code,
        retry_after=_retry_after(response),
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class TheodoinqClient:
    """Typed calls to theodoinq, paced and authenticated; idempotent ones retried by the session."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        username: str,
        password: SecretStr,
        *,
        pacer: Pacer | None = None,
        policy: RetryPolicy | None = None,
        share_token: bool = False,
        observe: Callable[[httpx.Response], None] | None = None,
    ) -> None:
        self._username = username
        self._password = password
        share = f"{SYSTEM} {http.base_url} {username}" if share_token else None
        self.auth = SingleFlightToken(self._login, share)
        self.session = ApiSession(
            system=SYSTEM,
            client=http,
            table=TABLE,
            pacer=pacer or TokenBucket(rate=PACE, burst=BURST),
            interpret=interpret,
            auth=self.auth,
            auth_headers=lambda token: {
                "Authorization": f"Bearer {token.get_secret_value()}",
                "x-check-auth": "true",
            },
            policy=policy or RetryPolicy(),
            observe=observe,
        )
        self._anonymous = self.session.without_auth()

    async def _login(self) -> SecretStr:
        data = await self._anonymous.request(
            "POST",
            "/auth_api/api/login",
            json={"username": self._username, "password": self._password.get_secret_value()},
            retry=False,
        )
        token = SecretStr(str(data["accessToken"]))
        register_secret(token)
        return token

    async def grants(self, year: int) -> list[dict[str, Any]]:
        """The account's reporting assignments for YEAR."""
        data = await self.session.request(
            "GET", "/report_api/api/rp_grant", params={"year": year}
        )
        return list(data or [])

    async def report(self, grant_id: int) -> list[dict[str, Any]]:
        """The whole report of a grant as its flat array of rows."""
        data = await self.session.request(
            "GET", "/report_api/api/rp_objidx_data", params={"grant_id": grant_id}
        )
        return list(data or [])

    @property
    def username(self) -> str:
        """The account nqsync writes as (`updateUser` on the rows it saved)."""
        return self._username

    async def save(
        self,
        grant_id: int,
        rows: Sequence[Mapping[str, Any]],
        *,
        submit: bool = False,
        retry: bool = True,
    ) -> None:
        """Replace the whole report (every row of it) and, when SUBMIT, submit it.

        A save is a whole replacement, so it is retried; a submit is not (RETRY false): the
        caller settles a lost answer by reading the grant's status.
        """
        await self.session.request(
            "PUT",
            "/report_api/api/rp_objidx_data",
            params={"grant_id": grant_id, "action": "submit" if submit else "input"},
            json=list(rows),
            retry=retry,
        )

    async def upload(self, path: Path, name: str | None = None) -> dict[str, Any]:
        """Upload one file in a stream (one attempt: uploads are not idempotent)."""
        filename = name or path.name
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        with path.open("rb") as stream:
            data = await self.session.request(
                "POST",
                "/file_api/api/upload",
                files={"file": (filename, stream, mime)},
                retry=False,
            )
        return dict(data)

    async def files_by_sha256(self, sha256: str) -> list[dict[str, Any]]:
        """This account's files with that content hash."""
        data = await self.session.request(
            "GET", "/file_api/api/files", params={"sha256": sha256}
        )
        return list(data or [])

    async def file(self, file_id: str) -> dict[str, Any]:
        """One file's metadata."""
        return dict(await self.session.request("GET", f"/file_api/api/files/{file_id}"))
