"""Pacing: each system's own limit, kept by the client instead of learned from 429s."""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

_EPSILON = 1e-9
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Usage:
    """How a pacer was used: requests run, seconds of pause asked for, and for a limit on
    requests in flight, the request-seconds its places were held (the time-weighted count)."""

    requests: int
    paused_seconds: float
    held_seconds: float | None = None
    limit: int | None = None


class Pacer(Protocol):
    """Runs requests within the system's limit; `pause` holds every new request back a while."""

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        """Await CALL (one request) once the limit allows it; what it returned or raised."""
        ...

    def pause(self, seconds: float) -> None:
        """Send nothing new for SECONDS (after a 429)."""
        ...

    def usage(self) -> Usage:
        """How the pacer was used so far."""
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
        self._requests = 0

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

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        """Take a token, then await CALL."""
        await self.acquire()
        self._requests += 1
        return await call()

    def usage(self) -> Usage:
        """Requests run and pause asked for."""
        return Usage(self._requests, self.paused)


HEAD_START = 4
"""Turns of the event loop the next request gets before the answer of the one before it goes
back to its caller. On a kept-alive connection httpx (0.28, httpcore 1.0) writes a request's
head in the third turn after it is sent and a small body in the fourth (httpcore's trace events
say so); a request still connecting or streaming a large body gets no more than these turns."""


def _hand_back(future: "asyncio.Future[T]", result: T, turns: int) -> None:
    """Set FUTURE's result after TURNS turns of its event loop (unless it is done by then)."""
    if turns > 0:
        future.get_loop().call_soon(_hand_back, future, result, turns - 1)
    elif not future.done():
        future.set_result(result)


class InFlightLimit(_Pause):
    """At most LIMIT requests in flight at once (nq71's gateway).

    Requests wait in one queue served by at most LIMIT workers. A worker that finishes a
    request starts the next waiting one at once, in the same step of the event loop, so a
    place never stands empty while other work runs (a semaphore would wake the next waiter only
    after every callback already due). The caller gets the answer through a future; a caller
    cancelled while its request waits takes it out of the queue.

    When another request was waiting, the answer goes back to its caller only after that next
    request has had `HEAD_START` turns of the event loop: the caller's work on the answer
    (ledger writes, the next request's building) then runs once the next request has left,
    instead of in front of it while a place is held but nothing is on the wire.
    """

    def __init__(
        self, limit: int, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        super().__init__(clock, sleep)
        if limit < 1:
            raise ValueError("limit must be ≥ 1")
        self.limit = limit
        self.in_flight = 0
        self.peak = 0
        self._requests = 0
        self._held = 0.0
        self._changed = clock()
        self._jobs: deque[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]] = deque()
        self._workers: set[asyncio.Task[None]] = set()

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        """Queue CALL; await it once one of the LIMIT places is free."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.append((call, future))
        if len(self._workers) < self.limit:
            self._workers.add(asyncio.create_task(self._work()))
        return await future

    async def _work(self) -> None:
        """Serve queued requests one after another until none waits."""
        try:
            while self._jobs:
                call, future = self._jobs.popleft()
                if not future.done():
                    await self._serve(call, future)
        finally:
            self._workers.discard(asyncio.current_task())

    async def _serve(self, call: Callable[[], Awaitable[Any]], future: asyncio.Future[Any]) -> None:
        await self.wait()
        self._count(1)
        self._requests += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            result = await call()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as error:
            if not future.done():
                future.set_exception(error)
            if not isinstance(error, Exception):
                raise
        else:
            _hand_back(future, result, HEAD_START if self._jobs else 0)
        finally:
            self._count(-1)

    def _count(self, change: int) -> None:
        now = self._clock()
        self._held += self.in_flight * (now - self._changed)
        self._changed = now
        self.in_flight += change

    def usage(self) -> Usage:
        """Requests run, pause asked for, and request-seconds in flight up to now."""
        now = self._clock()
        held = self._held + self.in_flight * (now - self._changed)
        return Usage(self._requests, self.paused, held, self.limit)
