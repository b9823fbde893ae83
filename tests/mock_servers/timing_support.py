"""Time for the mock tests without the wall clock: a movable clock and sleeps that never wait."""

import asyncio
from datetime import UTC, datetime, timedelta

SAFETY_TIMEOUT = 60
"""Seconds after which a hung wait fails the test (a safety net, never a bound asserted)."""


class MovableClock:
    """A clock that stands still until moved."""

    def __init__(self, start: datetime = datetime(2026, 11, 27, 7, 5, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class RecordingSleep:
    """An injected sleep that records what it was asked and returns at once."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


class HeldSleep:
    """An injected sleep that records what it was asked and, while holding, holds its sleepers.

    It holds from the start, or from `hold()` when made with `holding=False` (so that a setup
    step can pass first); `release()` lets every sleeper, present and future, go on.
    """

    def __init__(self, *, holding: bool = True) -> None:
        self.asked: list[float] = []
        self.sleeping = 0
        self._released = asyncio.Event()
        if not holding:
            self._released.set()

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        self.sleeping += 1
        try:
            await self._released.wait()
        finally:
            self.sleeping -= 1

    def hold(self) -> None:
        """Hold every sleeper from now on, until released."""
        self._released.clear()

    async def until_sleeping(self, count: int) -> None:
        """Wait until COUNT sleepers are being held."""

        async def poll() -> None:
            while self.sleeping < count:
                await asyncio.sleep(0)

        await asyncio.wait_for(poll(), SAFETY_TIMEOUT)

    def release(self) -> None:
        """Let every sleeper, present and future, go on."""
        self._released.set()
