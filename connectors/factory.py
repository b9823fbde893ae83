"""Adapters built from settings: one place that knows how each system is reached."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

import httpx

from connectors.base import TargetAdapter
from connectors.http.client import make_client
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


@contextlib.asynccontextmanager
async def open_adapter(
    system: System,
    settings: Settings,
    ledger: Ledger,
    evidence_root: Path,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[TargetAdapter]:
    """The adapter for SYSTEM with its HTTP client, closed when the block ends."""
    policy = policy_for_timeout(settings.http_timeout)
    shapes = ShapeRecorder(system)
    if system == "theodoinq":
        http = make_client(settings.theodoinq_url, timeout=settings.http_timeout,
                           transport=transport)
        adapter: TargetAdapter = TheodoinqAdapter(
            TheodoinqClient(
                http, settings.theodoinq_username, settings.theodoinq_password,
                share_token=True, policy=policy, observe=shapes.observe_response,
            ),
            ledger,
            evidence_root,
        )
    else:
        http = make_client(settings.nq71_url, timeout=settings.http_timeout, transport=transport)
        adapter = Nq71Adapter(
            Nq71Client(
                http,
                settings.nq71_client_id,
                settings.nq71_client_secret,
                settings.nq71_ma_don_vi,
                settings.nq71_ma_dinh_danh,
                share_token=True,
                policy=policy,
                observe=shapes.observe_response,
            ),
            ledger,
            evidence_root,
            settings.nq71_mapping,
        )
    adapter.shapes = shapes
    async with http:
        yield adapter
