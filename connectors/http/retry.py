"""One retry policy for every connector: tenacity, always bounded, honouring Retry-After."""

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
)

from connectors.http.errors import Action, RemoteError

T = TypeVar("T")


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


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, RemoteError) and exc.retryable


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
) -> T:
    """Await CALL until it succeeds, fails for good, or the policy's bounds are reached.

    Only `RemoteError`s whose decision is retry or rate-limited are retried; the last error is
    re-raised. BEFORE_RETRY runs before each new attempt (e.g. to look a write up again).
    """
    last: RemoteError | None = None
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(_retryable),
        stop=_stop(policy),
        wait=_wait(policy),
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


async def write_once(
    write: Callable[[], Awaitable[T]],
    find: Callable[[], Awaitable[T | None]],
    policy: RetryPolicy,
) -> T:
    """Carry out a write the remote does not deduplicate, at most once.

    WRITE is tried under the policy; before every try after the first, FIND looks for the
    write's result on the remote (the failed try may have happened) and, when found, ends the
    loop with it instead of writing again.
    """
    first = True

    async def attempt() -> T:
        nonlocal first
        if not first:
            found = await find()
            if found is not None:
                return found
        first = False
        return await write()

    return await with_retry(attempt, policy)
