"""Pacing: each system's own limit, kept by the client instead of learned from 429s."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

_EPSILON = 1e-9
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Pacer(Protocol):
    """Hands out slots for requests; `pause` holds every new request back for a while."""

    def slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Wait for permission to send one request; held for the request's duration."""
        ...

    def pause(self, seconds: float) -> None:
        """Send nothing new for SECONDS (after a 429)."""
        ...


class _Pause:
    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._until = 0.0
        self._clock = clock
        self._sleep = sleep
        self.paused = 0.0
        """Seconds of pause asked for so far (after 429s)."""

    def pause(self, seconds: float) -> None:
        self.paused += max(seconds, 0.0)
        self._until = max(self._until, self._clock() + max(seconds, 0.0))

    async def wait(self) -> None:
        delay = self._until - self._clock()
        if delay > 0:
            await self._sleep(delay)


class TokenBucket(_Pause):
    """At most RATE requests per second on average, bursts up to BURST (theodoinq)."""

    def __init__(
        self, rate: float, burst: int, *, clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(clock, sleep)
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst ≥ 1")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Take one token, waiting for it when the bucket is empty."""
        async with self._lock:
            await self.wait()
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1 - _EPSILON:
                    self._tokens = max(self._tokens - 1, 0.0)
                    return
                await self._sleep((1 - self._tokens) / self.rate)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Take a token; the slot needs no release."""
        await self.acquire()
        yield


class InFlightLimit(_Pause):
    """At most LIMIT requests in flight at once (nq71's gateway)."""

    def __init__(
        self, limit: int, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        super().__init__(clock, sleep)
        if limit < 1:
            raise ValueError("limit must be ≥ 1")
        self.limit = limit
        self._semaphore = asyncio.Semaphore(limit)
        self.in_flight = 0
        self.peak = 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the LIMIT places while the request is in flight."""
        async with self._semaphore:
            await self.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1
