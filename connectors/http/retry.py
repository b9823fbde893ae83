"""One retry policy for every connector: tenacity, always bounded, honouring Retry-After."""

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
)

from connectors.http.errors import Action, RemoteError

T = TypeVar("T")
log = structlog.get_logger("nqsync.http")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry loop: attempts and elapsed time, backoff and the Retry-After cap."""

    max_attempts: int = 6
    max_rate_limited_attempts: int = 20
    max_elapsed: float = 180.0
    initial_backoff: float = 0.5
    max_backoff: float = 20.0
    jitter: float = 0.5
    retry_after_cap: float = 30.0
    settle_window: float = 35.0
    """After a write whose outcome is unknown, how long the original may still land: at least
    the request timeout plus a margin (the client factory sets it from the timeout)."""
    settle_interval: float = 2.0
    """Seconds between the look-ups made while waiting out the settle window."""
    sleep: Sleep = field(default=asyncio.sleep, compare=False)
    clock: Clock = field(default=time.monotonic, compare=False)


def policy_for_timeout(timeout: float) -> RetryPolicy:
    """The retry policy for requests that time out after TIMEOUT seconds.

    The settle window is the timeout plus half of it (at least one second): an original that
    the remote is still carrying out when the client gives up lands within it.
    """
    window = timeout + max(1.0, timeout / 2)
    return RetryPolicy(settle_window=window, settle_interval=min(2.0, window / 4))


def _stop(policy: RetryPolicy) -> Callable[[RetryCallState], bool]:
    """Stop on time, or on attempts: a rate-limited request (not carried out) has more."""

    def stop(state: RetryCallState) -> bool:
        if (state.seconds_since_start or 0.0) >= policy.max_elapsed:
            return True
        exc = state.outcome.exception() if state.outcome else None
        limited = isinstance(exc, RemoteError) and exc.decision.action is Action.RATE_LIMITED
        cap = policy.max_rate_limited_attempts if limited else policy.max_attempts
        return state.attempt_number >= cap

    return stop


def _retryable(retry_unknown: bool) -> Callable[[BaseException], bool]:
    def retryable(exc: BaseException) -> bool:
        if not isinstance(exc, RemoteError) or not exc.retryable:
            return False
        return retry_unknown or not exc.outcome_unknown

    return retryable


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RemoteError) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), policy.retry_after_cap)
        backoff: float = policy.initial_backoff * 2.0 ** (state.attempt_number - 1)
        return min(backoff + random.uniform(0, policy.jitter), policy.max_backoff)

    return wait


async def with_retry(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    before_retry: Callable[[RemoteError], Awaitable[None]] | None = None,
    retry_unknown: bool = True,
) -> T:
    """Await CALL until it succeeds, fails for good, or the policy's bounds are reached.

    Only `RemoteError`s whose decision is retry or rate-limited are retried, and, without
    RETRY_UNKNOWN, only those that surely did not happen; the last error is re-raised.
    BEFORE_RETRY runs before each new attempt (e.g. to look a write up again).
    """
    last: RemoteError | None = None
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(_retryable(retry_unknown)),
        stop=_stop(policy),
        wait=_wait(policy),
        sleep=policy.sleep,
        before_sleep=_log_retry,
        reraise=True,
    ):
        with attempt:
            try:
                if last is not None and before_retry is not None:
                    await before_retry(last)
                return await call()
            except RemoteError as error:
                last = error
                raise
    raise AssertionError("unreachable: tenacity re-raises the last error")


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, RemoteError):
        event = "rate_limited_pause" if exc.decision.action is Action.RATE_LIMITED else "retry"
        log.info(
            event, system=exc.system, attempt=state.attempt_number, code=exc.code,
            status=exc.status, wait=round(state.upcoming_sleep, 2),
        )


STILL_IN_FLIGHT = (502, 504)
"""Gateway answers after which the back end may still be carrying the request out."""


def may_still_land(error: RemoteError) -> bool:
    """Whether the original request may still be carried out after ERROR: no answer came (a
    timeout, a reset) or a gateway gave up on the back end; a back end's own 500 or 503
    answer means it is done with the request, so one look-up settles it."""
    return error.status is None or error.status in STILL_IN_FLIGHT


async def settle(find: Callable[[], Awaitable[T | None]], policy: RetryPolicy) -> T | None:
    """Look for a write whose outcome is unknown until found or the settle window is over.

    The original request may still be in flight at the remote: it is looked up at once, then
    every `settle_interval` seconds, for `settle_window` seconds (a bounded number of looks).
    """
    deadline = policy.clock() + policy.settle_window
    looks = 0
    while True:
        looks += 1
        found = await find()
        if found is not None:
            log.info("unknown_outcome_settled", found=True, looks=looks)
            return found
        if policy.clock() >= deadline:
            log.info("unknown_outcome_settled", found=False, looks=looks)
            return None
        await policy.sleep(policy.settle_interval)


async def write_once(
    write: Callable[[], Awaitable[T]],
    find: Callable[[], Awaitable[T | None]],
    policy: RetryPolicy,
) -> T:
    """Carry out a write the remote does not deduplicate, at most once.

    WRITE is tried under the policy. After a try whose outcome is unknown, the write is looked
    up with FIND (until the settle window is over when the original may still land, see
    `may_still_land`) and, when found, the loop ends with it instead of writing again. A try
    that surely did not happen (refused connection, rate limit) is simply tried again.
    """
    last: RemoteError | None = None

    async def attempt() -> T:
        nonlocal last
        if last is not None and last.outcome_unknown:
            log.info("unknown_outcome_lookup", system=last.system, code=last.code,
                     status=last.status)
            found = await (settle(find, policy) if may_still_land(last) else find())
            if found is not None:
                return found
        try:
            return await write()
        except RemoteError as error:
            last = error
            raise

    return await with_retry(attempt, policy)
