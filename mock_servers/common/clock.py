"""Time as the mocks see it: an injectable clock and an injectable sleep, so tests never wait.

Both remotes write times in Vietnam's local time (UTC+7), day first, without an offset.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

Sleep = Callable[[float], Awaitable[None]]
"""Waits that many seconds (`asyncio.sleep` unless a test injects another)."""

VIETNAM = timezone(timedelta(hours=7))


class Clock(Protocol):
    """A source of the current time (timezone-aware); tests inject one they can move."""

    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    """The real current time, in UTC."""
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """`dd/mm/yyyy HH:MM:SS` in UTC+7, as both remotes write a moment."""
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S")
