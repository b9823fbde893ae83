"""Time as the mocks see it: an injectable clock and an injectable sleep, so tests never wait."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

Sleep = Callable[[float], Awaitable[None]]
"""Waits that many seconds (`asyncio.sleep` unless a test injects another)."""


class Clock(Protocol):
    """A source of the current time (timezone-aware); tests inject one they can move."""

    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    """The real current time, in UTC."""
    return datetime.now(UTC)

