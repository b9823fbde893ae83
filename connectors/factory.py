"""Adapters built from settings: one place that knows how each system is reached."""

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

import httpx
import structlog

from connectors.base import TargetAdapter
from connectors.http.client import make_client
from connectors.http.pacing import Usage
from connectors.http.retry import policy_for_timeout
from connectors.nq71.adapter import Nq71Adapter
from connectors.nq71.client import Nq71Client
from connectors.shapes import ShapeRecorder
from connectors.theodoinq.adapter import TheodoinqAdapter
from connectors.theodoinq.client import TheodoinqClient
from models.ledger import Ledger
from models.settings import Settings

System = Literal["theodoinq", "nq71"]
SYSTEMS: tuple[System, ...] = ("theodoinq", "nq71")

log = structlog.get_logger("nqsync.http")


@contextlib.asynccontextmanager
async def open_adapter(
    system: System,
    settings: Settings,
    ledger: Ledger,
    evidence_root: Path,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    stage: str | None = None,
) -> AsyncIterator[TargetAdapter]:
    """The adapter for SYSTEM with its HTTP client, closed when the block ends; then, if it
    sent anything, a `pacing` event says how (`log_pacing`), naming STAGE."""
    policy = policy_for_timeout(settings.http_timeout)
    shapes = ShapeRecorder(system)
    if system == "theodoinq":
        http = make_client(settings.theodoinq_url, timeout=settings.http_timeout,
                           transport=transport)
        theodoinq = TheodoinqClient(
            http, settings.theodoinq_username, settings.theodoinq_password,
            share_token=True, policy=policy, observe=shapes.observe_response,
        )
        pacer = theodoinq.session.pacer
        adapter: TargetAdapter = TheodoinqAdapter(theodoinq, ledger, evidence_root)
    else:
        http = make_client(settings.nq71_url, timeout=settings.http_timeout, transport=transport)
        nq71 = Nq71Client(
            http,
            settings.nq71_client_id,
            settings.nq71_client_secret,
            settings.nq71_ma_don_vi,
            settings.nq71_ma_dinh_danh,
            share_token=True,
            policy=policy,
            observe=shapes.observe_response,
        )
        pacer = nq71.session.pacer
        adapter = Nq71Adapter(nq71, ledger, evidence_root, settings.nq71_mapping)
    adapter.shapes = shapes
    started = time.monotonic()
    try:
        async with http:
            yield adapter
    finally:
        log_pacing(system, stage, pacer.usage(), time.monotonic() - started)


def log_pacing(system: str, stage: str | None, usage: Usage, seconds: float) -> None:
    """Log how SYSTEM's requests were paced over SECONDS (nothing when none was sent): how
    many, how long paused after 429s, and under a limit on requests in flight, the mean held."""
    if not usage.requests:
        return
    fields: dict[str, object] = {
        "system": system, "stage": stage, "requests": usage.requests,
        "seconds": round(seconds, 3), "paused_seconds": round(usage.paused_seconds, 3),
    }
    if usage.held_seconds is not None:
        fields["held_seconds"] = round(usage.held_seconds, 3)
        fields["mean_in_flight"] = round(usage.held_seconds / seconds, 3) if seconds > 0 else 0.0
        fields["limit"] = usage.limit
    log.info("pacing", **fields)
