"""The HTTP client factory every connector uses."""

from urllib.parse import urlsplit

import httpx

from models.net import is_loopback_host

USER_AGENT = "nqsync/0.1 (Dai Phuoc commune; Resolution 57 progress sync)"


def make_client(
    base_url: str,
    *,
    timeout: float = 30.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An async client for BASE_URL: per-request TIMEOUT, a User-Agent, TLS verified off loopback.

    Tests pass a TRANSPORT (respx or `httpx.ASGITransport`) instead of patching.
    """
    host = urlsplit(base_url).hostname or ""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        verify=not is_loopback_host(host),
        transport=transport,
        follow_redirects=False,
    )
