import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
import structlog.testing
from pydantic import SecretStr

from connectors.factory import log_pacing
from connectors.http.auth import SingleFlightToken
from connectors.http.client import make_client
from connectors.http.errors import (
    FAIL_CONFIG,
    RATE_LIMITED,
    REFRESH,
    RETRY,
    RETRY_UNKNOWN,
    ErrorTable,
    RemoteError,
)
from connectors.http.pacing import HEAD_START, InFlightLimit, TokenBucket, Usage
from connectors.http.retry import RetryPolicy, with_retry, write_once
from connectors.http.session import ApiSession
from models.net import is_loopback_host

FAST = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.02, jitter=0.0)
TABLE = ErrorTable(by_code={"BAD": FAIL_CONFIG}, by_status={401: REFRESH, 429: RATE_LIMITED})


def interpret(response: httpx.Response) -> Any:
    if response.status_code == 200:
        body = response.json()
        if body.get("status") == "ERROR":
            raise RemoteError("demo", body["code"], TABLE.for_code(body["code"]), code=body["code"])
        return body["data"]
    retry_after = response.headers.get("Retry-After")
    raise RemoteError(
        "demo",
        f"HTTP {response.status_code}",
        TABLE.for_status(response.status_code),
        status=response.status_code,
        retry_after=float(retry_after) if retry_after else None,
    )


def session(logins: list[int], pacer: Any = None) -> ApiSession:
    async def login() -> SecretStr:
        logins.append(1)
        await asyncio.sleep(0.01)
        return SecretStr(f"token-{len(logins)}")

    return ApiSession(
        system="demo",
        client=make_client("http://127.0.0.1:9"),
        table=TABLE,
        pacer=pacer or InFlightLimit(4),
        interpret=interpret,
        auth=SingleFlightToken(login),
        auth_headers=lambda token: {"Authorization": f"Bearer {token.get_secret_value()}"},
        policy=FAST,
    )


def test_loopback_hosts_only_skip_tls_checks() -> None:
    """TLS verification is off only for loopback hosts."""
    assert is_loopback_host("127.0.0.1") and is_loopback_host("localhost")
    assert is_loopback_host("[::1]")
    assert not is_loopback_host("theodoinq.dcs.vn") and not is_loopback_host("10.0.0.1")


async def test_retry_stops_after_the_policy_bound() -> None:
    """A retryable error is tried max_attempts times, then re-raised."""
    calls = 0

    async def flaky() -> int:
        nonlocal calls
        calls += 1
        raise RemoteError("demo", "down", RETRY)

    with pytest.raises(RemoteError):
        await with_retry(flaky, FAST)
    assert calls == 4


async def test_retry_does_not_repeat_a_final_failure() -> None:
    """A fail decision is raised at once."""
    calls = 0

    async def bad() -> int:
        nonlocal calls
        calls += 1
        raise RemoteError("demo", "bad", FAIL_CONFIG)

    with pytest.raises(RemoteError):
        await with_retry(bad, FAST)
    assert calls == 1


class FakeTime:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_retry_honours_retry_after_up_to_the_cap() -> None:
    """Retry-After is waited for, capped by the policy."""
    fake = FakeTime()
    policy = RetryPolicy(
        max_attempts=3, retry_after_cap=0.3, initial_backoff=0.01, jitter=0, sleep=fake.sleep
    )
    calls = 0

    async def limited() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise RemoteError("demo", "slow", RATE_LIMITED, retry_after=100)
        return "ok"

    assert await with_retry(limited, policy) == "ok"
    assert fake.slept == [0.3, 0.3]


async def test_before_retry_runs_between_attempts() -> None:
    """The hook sees the error before each new attempt (to look a write up again)."""
    seen: list[str] = []
    calls = 0

    async def once_unknown() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RemoteError("demo", "timeout", RETRY)
        return "done"

    async def hook(error: RemoteError) -> None:
        seen.append(error.message)

    assert await with_retry(once_unknown, FAST, before_retry=hook) == "done"
    assert seen == ["timeout"]


async def test_token_bucket_paces_under_its_rate() -> None:
    """After the burst, a bucket of 50/s lets 20 more through in no less than 0.4 s."""
    fake = FakeTime()
    bucket = TokenBucket(rate=50, burst=5, clock=fake.clock, sleep=fake.sleep)
    started = fake.now
    for _ in range(25):
        await bucket.run(nothing)
    assert fake.now - started == pytest.approx(0.4)
    assert len(fake.slept) == 20


async def nothing() -> None:
    """A request that does nothing."""


async def test_in_flight_limit_never_exceeds_its_limit() -> None:
    """No more than LIMIT requests run at once, each caller gets its own answer, and no
    worker is left once none waits."""
    limit = InFlightLimit(4)
    running: list[int] = []

    async def work(i: int) -> int:
        running.append(limit.in_flight)
        await asyncio.sleep(0.01)
        return i

    assert await asyncio.gather(*(limit.run(lambda i=i: work(i)) for i in range(20))) == list(
        range(20)
    )
    assert limit.peak == 4 and max(running) == 4
    assert limit.in_flight == 0 and not limit._workers


async def test_in_flight_limit_counts_the_request_seconds_its_places_are_held() -> None:
    """Two requests of 1 s side by side, then one of 2 s: 3 requests, 4 request-seconds held
    over 3 s; a token bucket counts its requests and pauses."""
    fake = FakeTime()
    limit = InFlightLimit(2, clock=fake.clock, sleep=fake.sleep)
    gates = [asyncio.Event(), asyncio.Event()]

    async def held(gate: asyncio.Event) -> None:
        await gate.wait()

    both = [asyncio.create_task(limit.run(lambda g=g: held(g))) for g in gates]
    while limit.in_flight < 2:
        await asyncio.sleep(0)
    fake.now += 1
    for gate in gates:
        gate.set()
    await asyncio.gather(*both)
    await limit.run(lambda: fake.sleep(2))
    usage = limit.usage()
    assert (usage.requests, usage.held_seconds, usage.limit) == (3, pytest.approx(4.0), 2)
    bucket = TokenBucket(rate=10, burst=2, clock=fake.clock, sleep=fake.sleep)
    bucket.pause(1.5)
    for _ in range(3):
        await bucket.run(nothing)
    assert (bucket.usage().requests, bucket.usage().paused_seconds) == (3, 1.5)
    assert bucket.usage().held_seconds is None


def test_pacing_is_logged_only_when_requests_were_sent() -> None:
    """`log_pacing`: requests, pause, and the mean held over the stage; nothing for none."""
    with structlog.testing.capture_logs() as logs:
        log_pacing("nq71", "push", Usage(10, 0.5, 30.0, 4), 10.0)
        log_pacing("nq71", "fetch", Usage(0, 0.0, 0.0, 4), 1.0)
    assert logs == [{
        "event": "pacing", "log_level": "info", "system": "nq71", "stage": "push",
        "requests": 10, "seconds": 10.0, "paused_seconds": 0.5, "held_seconds": 30.0,
        "mean_in_flight": 3.0, "limit": 4,
    }]


async def test_in_flight_limit_starts_the_next_request_at_once() -> None:
    """When a request ends, the next waiting one starts in the same step of the event loop,
    before the finished request's caller resumes."""
    limit = InFlightLimit(1)
    gate = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        await gate.wait()
        order.append("first done")

    async def second() -> None:
        order.append("second started")

    async def call_first() -> None:
        await limit.run(first)
        order.append("first's caller resumed")

    calls = [asyncio.create_task(call_first()), asyncio.create_task(limit.run(second))]
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(*calls)
    assert order == ["first done", "second started", "first's caller resumed"]


async def test_an_answer_goes_back_once_the_next_request_has_had_its_head_start() -> None:
    """With a request waiting, an answer reaches its caller only after the next request has had
    HEAD_START turns of the loop, and no later even if that request is still running; with none
    waiting, at the next turn."""
    limit = InFlightLimit(1)
    first_gate, second_gate = asyncio.Event(), asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        await first_gate.wait()

    async def second() -> None:
        for turn in range(1, HEAD_START + 1):
            order.append(f"second's turn {turn}")
            await asyncio.sleep(0)
        await second_gate.wait()

    async def call_first() -> None:
        await limit.run(first)
        order.append("first's caller resumed")

    calls = [asyncio.create_task(call_first()), asyncio.create_task(limit.run(second))]
    await asyncio.sleep(0)
    first_gate.set()
    for _ in range(HEAD_START + 2):
        await asyncio.sleep(0)
    assert order == [*(f"second's turn {t}" for t in range(1, HEAD_START + 1)),
                     "first's caller resumed"]
    second_gate.set()
    await asyncio.gather(*calls)

    turns = 0

    async def ticker() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = turns
    await limit.run(nothing)
    ticking.cancel()
    assert turns - before <= 2


async def test_in_flight_limit_hands_errors_over_and_drops_cancelled_callers() -> None:
    """A request's error reaches its caller only; a caller cancelled while waiting is never
    sent."""
    limit = InFlightLimit(1)
    gate = asyncio.Event()
    sent: list[str] = []

    async def slow() -> str:
        await gate.wait()
        raise RuntimeError("refused")

    async def request(name: str) -> str:
        sent.append(name)
        return name

    failing = asyncio.create_task(limit.run(slow))
    await asyncio.sleep(0)
    dropped = asyncio.create_task(limit.run(lambda: request("dropped")))
    kept = asyncio.create_task(limit.run(lambda: request("kept")))
    await asyncio.sleep(0)
    dropped.cancel()
    gate.set()
    with pytest.raises(RuntimeError, match="refused"):
        await failing
    assert await kept == "kept"
    with pytest.raises(asyncio.CancelledError):
        await dropped
    assert sent == ["kept"]


@respx.mock
async def test_concurrent_401s_cause_one_login() -> None:
    """Eight requests that all see 401 with the old token cause exactly one new login."""
    logins: list[int] = []
    api = session(logins)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer token-1":
            return httpx.Response(401, json={"status": "ERROR", "code": "TOKEN_EXPIRED"})
        return httpx.Response(200, json={"status": "OK", "data": 1})

    respx.get("http://127.0.0.1:9/x").mock(side_effect=answer)
    await api.auth.get()  # type: ignore[union-attr]
    results = await asyncio.gather(*(api.request("GET", "/x") for _ in range(8)))
    assert results == [1] * 8
    assert len(logins) == 2


@respx.mock
async def test_http_200_error_is_an_error() -> None:
    """An envelope error with HTTP 200 raises, classified by the table, without retrying."""
    route = respx.get("http://127.0.0.1:9/y").mock(
        return_value=httpx.Response(200, json={"status": "ERROR", "code": "BAD", "data": None})
    )
    with pytest.raises(RemoteError) as caught:
        await session([]).request("GET", "/y")
    assert caught.value.code == "BAD" and caught.value.decision == FAIL_CONFIG
    assert route.call_count == 1


@respx.mock
async def test_transport_errors_are_classified_and_retried() -> None:
    """A reset connection is retried as an unknown outcome; a timeout too."""
    route = respx.post("http://127.0.0.1:9/z").mock(
        side_effect=[
            httpx.RemoteProtocolError("peer closed"),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json={"status": "OK", "data": "saved"}),
        ]
    )
    unknown: list[bool] = []

    async def hook(error: RemoteError) -> None:
        unknown.append(error.outcome_unknown)

    assert await session([]).request("POST", "/z", before_retry=hook) == "saved"
    assert route.call_count == 3
    assert unknown == [True, True]


@respx.mock
async def test_429_pauses_the_pacer_and_retries() -> None:
    """A 429 with Retry-After pauses new requests, then the call succeeds."""
    respx.get("http://127.0.0.1:9/r").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0.2"}, json={"status": "ERROR"}),
            httpx.Response(200, json={"status": "OK", "data": "fine"}),
        ]
    )
    fake = FakeTime()
    pacer = InFlightLimit(4, clock=fake.clock, sleep=fake.sleep)
    assert await session([], pacer).request("GET", "/r") == "fine"
    assert pacer.paused == pytest.approx(0.2)
    assert sum(fake.slept) == pytest.approx(0.2)


@respx.mock
async def test_args_are_rebuilt_for_each_attempt() -> None:
    """A streamed body is built afresh for every attempt."""
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        if len(bodies) == 1:
            return httpx.Response(503, text="<html>busy</html>")
        return httpx.Response(200, json={"status": "OK", "data": json.loads(bodies[-1])})

    respx.put("http://127.0.0.1:9/b").mock(side_effect=answer)

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in (b'{"a"', b": 1}"):
            yield chunk

    def args() -> dict[str, Any]:
        return {"content": chunks()}

    assert await session([]).request("PUT", "/b", args=args) == {"a": 1}
    assert bodies == [b'{"a": 1}', b'{"a": 1}']


async def test_rate_limited_calls_get_their_own_larger_budget() -> None:
    """429s (never carried out) are retried past max_attempts, up to their own cap."""
    policy = RetryPolicy(
        max_attempts=2, max_rate_limited_attempts=5, initial_backoff=0.001, jitter=0
    )
    calls = 0

    async def limited() -> str:
        nonlocal calls
        calls += 1
        raise RemoteError("demo", "slow", RATE_LIMITED, retry_after=0)

    with pytest.raises(RemoteError):
        await with_retry(limited, policy)
    assert calls == 5


async def test_shared_tokens_are_reused_by_later_clients_of_the_same_account() -> None:
    """Two clients with one share key log in once; a different key logs in again."""
    logins: list[str] = []

    async def login() -> SecretStr:
        logins.append("x")
        return SecretStr(f"shared-{len(logins)}")

    first = SingleFlightToken(login, "demo http://a.test user-test-share")
    assert (await first.get()).get_secret_value() == "shared-1"
    second = SingleFlightToken(login, "demo http://a.test user-test-share")
    assert (await second.get()).get_secret_value() == "shared-1"
    other = SingleFlightToken(login, "demo http://b.test user-test-share")
    assert (await other.get()).get_secret_value() == "shared-2"
    assert len(logins) == 2


async def test_write_once_finds_a_write_that_happened_instead_of_repeating_it() -> None:
    """After an unknown outcome the lookup finds the write: no second write."""
    writes: list[int] = []

    async def write() -> str:
        writes.append(1)
        raise RemoteError("demo", "timeout", RETRY_UNKNOWN)

    async def find() -> str | None:
        return "made-by-the-first-try" if writes else None

    assert await write_once(write, find, FAST) == "made-by-the-first-try"
    assert writes == [1]


async def test_write_once_writes_again_when_the_lookup_finds_nothing() -> None:
    """A write that surely did not happen is tried again without waiting or looking."""
    writes: list[int] = []
    looks: list[int] = []

    async def write() -> str:
        writes.append(1)
        if len(writes) < 3:
            raise RemoteError("demo", "down", RETRY)
        return "made"

    async def find() -> str | None:
        looks.append(1)
        return None

    assert await write_once(write, find, FAST) == "made"
    assert (len(writes), len(looks)) == (3, 0)


async def test_write_once_waits_out_the_window_in_which_the_original_may_land() -> None:
    """A write that lands late (after the client gave up) is found, never written twice."""
    fake = FakeTime()
    policy = RetryPolicy(
        initial_backoff=0.01, jitter=0, settle_window=6.0, settle_interval=1.0,
        sleep=fake.sleep, clock=fake.clock,
    )
    writes: list[float] = []
    lands_at = fake.now + 4.5

    async def write() -> str:
        writes.append(fake.now)
        raise RemoteError("demo", "timeout", RETRY_UNKNOWN)

    async def find() -> str | None:
        return "late-original" if fake.now >= lands_at else None

    assert await write_once(write, find, policy) == "late-original"
    assert len(writes) == 1


async def test_write_once_writes_again_only_after_the_whole_window() -> None:
    """With nothing found, the second write waits the settle window out, with spaced looks."""
    fake = FakeTime()
    policy = RetryPolicy(
        initial_backoff=0.01, jitter=0, settle_window=6.0, settle_interval=2.0,
        sleep=fake.sleep, clock=fake.clock,
    )
    writes: list[float] = []
    looks: list[float] = []

    async def write() -> str:
        writes.append(fake.now)
        if len(writes) == 1:
            raise RemoteError("demo", "timeout", RETRY_UNKNOWN)
        return "second"

    async def find() -> str | None:
        looks.append(fake.now)
        return None

    assert await write_once(write, find, policy) == "second"
    assert writes[1] - writes[0] >= 6.0
    assert len(looks) == 4 and all(b - a == 2.0 for a, b in itertools.pairwise(looks))


async def test_a_token_refused_again_and_again_is_renewed_each_time() -> None:
    """Several expiries in a row cost one login each, and the request still succeeds."""
    refusals = 3

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal refusals
        if refusals:
            refusals -= 1
            return httpx.Response(401)
        return httpx.Response(200, json={"status": "OK", "data": "fine"})

    logins: list[int] = []
    with respx.mock:
        respx.get("http://127.0.0.1:9/r").mock(side_effect=answer)
        assert await session(logins).request("GET", "/r", retry=False) == "fine"
    assert len(logins) == 4


async def test_credentials_refused_once_are_not_a_configuration_error() -> None:
    """A login refused once then accepted goes on; refused every time it is a config error."""
    fake = FakeTime()
    answers = ["no", "yes"]

    async def flaky() -> SecretStr:
        if answers.pop(0) == "no":
            raise RemoteError("demo", "refused", FAIL_CONFIG)
        return SecretStr("fresh")

    assert (await SingleFlightToken(flaky, sleep=fake.sleep).get()).get_secret_value() == "fresh"

    async def never() -> SecretStr:
        raise RemoteError("demo", "refused", FAIL_CONFIG)

    with pytest.raises(RemoteError):
        await SingleFlightToken(never, sleep=fake.sleep).get()
    assert len(fake.slept) == 3


async def test_a_back_end_error_answer_is_settled_by_one_look() -> None:
    """After a 500 answer the back end is done with the request: one look, no waiting."""
    fake = FakeTime()
    policy = RetryPolicy(
        initial_backoff=0.01, jitter=0, settle_window=60.0, settle_interval=1.0,
        sleep=fake.sleep, clock=fake.clock,
    )
    looks: list[float] = []
    writes: list[int] = []

    async def write() -> str:
        writes.append(1)
        if len(writes) == 1:
            raise RemoteError("demo", "HTTP 500", RETRY_UNKNOWN, status=500)
        return "second"

    async def find() -> str | None:
        looks.append(fake.now)
        return None

    assert await write_once(write, find, policy) == "second"
    assert len(looks) == 1 and sum(fake.slept) < 1.0
