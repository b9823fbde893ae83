"""Shared pieces for adapter tests: records, evidence files, a ledger, mock state."""

import io
import re
import zipfile
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx

from connectors.http.retry import RetryPolicy
from models.records import EvidenceFile, ProgressRecord, SourceRef, Status

FAST = RetryPolicy(
    max_attempts=5, initial_backoff=0.01, max_backoff=0.05, jitter=0.01,
    settle_window=0.3, settle_interval=0.05,
)


def evidence(root: Path, name: str, content: bytes) -> EvidenceFile:
    """Write an evidence file under ROOT and describe it as the reader would."""
    path = root / name
    path.write_bytes(content)
    return EvidenceFile(path=name, sha256=sha256(content).hexdigest(), size=len(content))


def pdf(text: str = "bien ban") -> bytes:
    """A small PDF-looking file."""
    return b"%PDF-1.4\n" + text.encode() + b"\n%%EOF\n"


def docx() -> bytes:
    """A minimal DOCX-shaped ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def record(
    code: str,
    *,
    period: str = "2026-11",
    actual: float | None = None,
    progress: float | None = None,
    status: Status = Status.IN_PROGRESS,
    note: str = "",
    files: tuple[EvidenceFile, ...] = (),
    unit: str = "VHXH",
) -> ProgressRecord:
    """A canonical record as the reader would produce it."""
    return ProgressRecord(
        unit_code=unit,
        target_code=code,
        period=period,
        actual=actual,
        progress_percent=progress,
        status=status,
        note=note,
        reporter="Nguyễn Văn A",
        evidence=files,
        source=SourceRef(file=f"{unit}.xlsx", sheet="Báo cáo", row=4),
    )


async def admin(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    """Call the mock's /_admin surface and return its JSON."""
    response = await client.request(method, f"/_admin/{path}", **kwargs)
    response.raise_for_status()
    return response.json()


class LosingTransport(httpx.AsyncBaseTransport):
    """Carries every request out, but loses the answer of those a rule names (a lost reply)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.rules: list[list[Any]] = []

    def lose(self, method: str, pattern: str, times: int = 1) -> None:
        """Lose the answers of the next TIMES requests of METHOD whose URL matches PATTERN."""
        self.rules.append([method, pattern, times])

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        for rule in self.rules:
            method, pattern, times = rule
            if times and request.method == method and re.search(pattern, str(request.url)):
                rule[2] = times - 1
                await response.aread()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return response
