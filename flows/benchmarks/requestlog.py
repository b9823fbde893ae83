"""What a mock was asked, timed at the mock: an ASGI middleware that logs every request, and
the figures drawn from the log (requests by kind, listings per period, mean in flight).

`RequestLog(app)` records, for each request to APP but the mock's own `/_admin` surface,
its method, path, query, answer status and the `time.monotonic()` instants it arrived and its
answer was sent in full. CLOCK_MONOTONIC is one clock for every process of a Linux machine,
so the log's instants compare with those a benchmark takes in its own process. It serves the
log itself under `/_bench`: `GET /_bench/requests` (a JSON list of `Exchange` objects) and
`POST /_bench/clear`.
"""

import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_servers.common.surface import is_admin

BENCH_PREFIX = "/_bench"
NQ71_API = "/nq71/1.0"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request as the mock saw it: what was asked, the answer's status, when."""

    method: str
    path: str
    query: str
    status: int
    start: float
    end: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Exchange":
        """An exchange from its JSON object."""
        return cls(
            str(data["method"]), str(data["path"]), str(data["query"]), int(data["status"]),
            float(data["start"]), float(data["end"]),
        )


class RequestLog:
    """ASGI middleware: logs every request but `/_admin`'s, serves the log under `/_bench`."""

    def __init__(self, app: ASGIApp, clock: Any = time.monotonic) -> None:
        self.app = app
        self.clock = clock
        self.exchanges: list[Exchange] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_admin(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(BENCH_PREFIX):
            await self._own(scope, send)
            return
        start = self.clock()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            query = bytes(scope.get("query_string") or b"").decode("latin-1")
            self.exchanges.append(
                Exchange(scope["method"], scope["path"], query, status, start, self.clock())
            )

    async def _own(self, scope: Scope, send: Send) -> None:
        if scope["path"] == f"{BENCH_PREFIX}/requests" and scope["method"] == "GET":
            status, body = 200, json.dumps([asdict(e) for e in self.exchanges]).encode()
        elif scope["path"] == f"{BENCH_PREFIX}/clear" and scope["method"] == "POST":
            self.exchanges.clear()
            status, body = 200, b"{}"
        else:
            status, body = 404, b'{"detail": "Not Found"}'
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        })
        await send({"type": "http.response.body", "body": body})


# what each request was ------------------------------------------------------------------------

_THEODOINQ_KINDS: tuple[tuple[str, str, str], ...] = (
    ("POST", r"/auth_api/api/login", "login"),
    ("GET", r"/report_api/api/rp_grant", "grant listing"),
    ("GET", r"/report_api/api/rp_objidx_data", "report listing"),
    ("PUT", r"/report_api/api/rp_objidx_data", "save"),
    ("POST", r"/file_api/api/upload", "upload"),
    ("GET", r"/file_api/api/files", "file lookup"),
    ("GET", r"/file_api/api/files/[^/]+", "file read"),
)
_NQ71_KINDS: tuple[tuple[str, str, str], ...] = (
    ("POST", r"/token", "token"),
    ("GET", NQ71_API + r"/chi-tieu", "indicator listing"),
    ("GET", NQ71_API + r"/bao-cao", "report listing"),
    ("POST", NQ71_API + r"/bao-cao", "create"),
    ("GET", NQ71_API + r"/bao-cao/\d+", "report read"),
    ("PUT", NQ71_API + r"/bao-cao/\d+", "update"),
    ("GET", NQ71_API + r"/bao-cao/\d+/minh-chung", "attachment read"),
    ("POST", NQ71_API + r"/bao-cao/\d+/minh-chung", "attach"),
    ("POST", NQ71_API + r"/tai-lieu/khoi-tao", "upload start"),
    ("PUT", NQ71_API + r"/tai-lieu/[^/]+/phan/\d+", "upload part"),
    ("GET", NQ71_API + r"/tai-lieu/[^/]+", "upload status"),
    ("POST", NQ71_API + r"/tai-lieu/[^/]+/hoan-tat", "upload finish"),
)
KINDS: dict[str, tuple[tuple[str, re.Pattern[str], str], ...]] = {
    system: tuple((method, re.compile(path + "$"), kind) for method, path, kind in table)
    for system, table in (("theodoinq", _THEODOINQ_KINDS), ("nq71", _NQ71_KINDS))
}
"""Per system, (method, path pattern, kind) of each endpoint of its contract."""

LISTINGS = {"theodoinq": ("report listing", "grant_id"), "nq71": ("report listing", "ky_bao_cao")}
"""Per system, the kind of a period's listing and the query parameter naming its period."""

PER_REPORT_READS = {"theodoinq": ("file read",), "nq71": ("report read", "attachment read")}
"""Per system, the kinds of request that read one report (or one of its files)."""


def kind_of(system: str, exchange: Exchange) -> str:
    """What EXCHANGE was on SYSTEM (`other` for a request outside the contract)."""
    for method, pattern, kind in KINDS[system]:
        if exchange.method == method and pattern.match(exchange.path):
            return kind
    return "other"


def by_kind(system: str, exchanges: Iterable[Exchange]) -> dict[str, int]:
    """How many requests of each kind, the most frequent first."""
    counts = Counter(kind_of(system, e) for e in exchanges)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def listings_per_period(system: str, exchanges: Iterable[Exchange]) -> dict[str, int]:
    """How many listings of each period's reports (keyed by the period's query value; `*` for
    a listing of every period). Each page read counts as one listing."""
    kind, parameter = LISTINGS[system]
    counts: Counter[str] = Counter()
    for exchange in exchanges:
        if kind_of(system, exchange) == kind:
            values = parse_qs(exchange.query).get(parameter) or ["*"]
            counts[values[0]] += 1
    return dict(counts)


def per_report_reads(system: str, exchanges: Iterable[Exchange]) -> int:
    """How many requests read a single report or file."""
    kinds = PER_REPORT_READS[system]
    return sum(kind_of(system, e) in kinds for e in exchanges)


def within(exchanges: Iterable[Exchange], start: float, end: float) -> list[Exchange]:
    """The exchanges that arrived between START and END."""
    return [e for e in exchanges if start <= e.start <= end]


def mean_in_flight(exchanges: Sequence[Exchange], start: float, end: float) -> float:
    """The mean number of EXCHANGES in flight over [START, END]: the time each one spent in
    the window, summed, over the window's length (0 for an empty window)."""
    if end <= start:
        return 0.0
    busy = sum(max(0.0, min(e.end, end) - max(e.start, start)) for e in exchanges)
    return busy / (end - start)
