"""A full run and a no-op rerun on the 264-record set, the push rates, and a naive client.

`sync_runs(months, naive)`:
1. writes the record set (`datasets.write_record_set`: 44 targets × MONTHS months, one PDF
   each) and starts both mocks, each in a process of its own, with issue 11's limits
   (`mocks.running_mocks`: 20 ms latency, theodoinq 10 requests/s with bursts of 20, nq71 4 in
   flight), each mock logging every request it gets (`requestlog.RequestLog`);
2. runs `flows.pipeline.run_sync` in this process on a fresh ledger, twice: the full run,
   then the rerun with nothing to change (the no-op). For each: wall and CPU time (this
   process's: nqsync's own work; and the mocks' processes'), requests per
   system by kind (from the mocks' logs) and in total, 429s and writes (from
   `GET /_admin/state` before and after), listings per system and period, per-report reads;
3. from the full run's push stages (timed by the stage runner given to `run_sync`, on the
   same monotonic clock as the mocks' logs): theodoinq's accepted requests per second and
   share of 429s; nq71's mean requests in flight at nqsync's HTTP client (the places its
   pacer held, from the run's `pacing` event: `mean_held`) and timed at the mock
   (`mean_in_flight`);
4. a naive sequential client against the same mocks: a plain loop of NAIVE uploads of the
   set's PDFs, one request at a time, resending at once after a 429 (theodoinq: one
   `upload` each; nq71: `khoi-tao`, one part, `hoan-tat` each), with the same figures;
5. the same nq71 uploads from four workers sharing one `httpx.AsyncClient` and doing nothing
   else (the files read beforehand): the mean in flight any httpx client gets from this mock
   on this machine, beside nqsync's.

`python -m flows.benchmarks.sync_bench --size MONTHS [--naive N] --json`
"""

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import httpx

from connectors.logs import configure_logging, quiet_console, run_log
from flows.benchmarks.datasets import RecordSet, write_record_set
from flows.benchmarks.measure import per_second, run_cli
from flows.benchmarks.mocks import BURST, MAX_IN_FLIGHT, RATE, Mocks, running_mocks
from flows.benchmarks.requestlog import (
    NQ71_API,
    Exchange,
    by_kind,
    listings_per_period,
    mean_in_flight,
    per_report_reads,
    within,
)
from flows.pipeline import SyncRequest, run_sync
from models import settings as defaults
from models.catalogue import DEADLINE

P = ParamSpec("P")
T = TypeVar("T")
SYSTEMS = ("theodoinq", "nq71")
RATE_LIMITED = 429


class StageClock:
    """A stage runner (`flows.pipeline.StageRunner`) that notes when each stage ran."""

    def __init__(self) -> None:
        self.spans: dict[str, tuple[float, float]] = {}

    async def __call__(
        self, name: str, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run FN as stage NAME, noting its start and end (`time.monotonic`)."""
        start = time.monotonic()
        try:
            return await fn(*args, **kwargs)
        finally:
            self.spans[name] = (start, time.monotonic())


def sync_runs(months: int, naive: int | None = None) -> dict[str, Any]:
    """Figures of a full run, a no-op rerun and a naive client (see the module's docstring);
    NAIVE uploads (default: one per record)."""
    with tempfile.TemporaryDirectory(prefix="nqsync-sync-bench-") as folder:
        root = Path(folder)
        records = write_record_set(root / "source", months)
        with running_mocks() as mocks:
            return _measure(mocks, records, root, records.records if naive is None else naive)


def _environment(mocks: Mocks, root: Path) -> dict[str, str]:
    return {
        "NQSYNC_ENV": "development",
        "NQSYNC_THEODOINQ_URL": mocks.urls["theodoinq"],
        "NQSYNC_THEODOINQ_USERNAME": defaults.DEV_THEODOINQ_USERNAME,
        "NQSYNC_THEODOINQ_PASSWORD": defaults.DEV_THEODOINQ_PASSWORD,
        "NQSYNC_NQ71_URL": mocks.urls["nq71"],
        "NQSYNC_NQ71_CLIENT_ID": defaults.DEV_NQ71_CLIENT_ID,
        "NQSYNC_NQ71_CLIENT_SECRET": defaults.DEV_NQ71_CLIENT_SECRET,
        "NQSYNC_NQ71_MA_DON_VI": defaults.DEV_NQ71_MA_DON_VI,
        "NQSYNC_NQ71_MA_DINH_DANH": defaults.DEV_NQ71_MA_DINH_DANH,
        "NQSYNC_DATABASE_URL": f"sqlite:///{root / 'ledger.db'}",
        "NQSYNC_REPORT_DIR": str(root / "reports"),
    }


@contextlib.contextmanager
def _settings_for(mocks: Mocks, root: Path) -> Iterator[None]:
    """nqsync's settings pointing at MOCKS and ROOT for the block, restored afterwards."""
    saved = dict(os.environ)
    os.environ.update(_environment(mocks, root))
    for name in ("NQSYNC_NQ71_MAPPING", "NQSYNC_ASSIGNMENTS"):
        os.environ.pop(name, None)
    defaults.get_settings.cache_clear()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        defaults.get_settings.cache_clear()


def _measure(mocks: Mocks, records: RecordSet, root: Path, naive: int) -> dict[str, Any]:
    with _settings_for(mocks, root):
        configure_logging()
        return _measure_runs(mocks, records, naive)


def _measure_runs(mocks: Mocks, records: RecordSet, naive: int) -> dict[str, Any]:
    request = SyncRequest(
        source=records.source, periods=records.periods,
        as_of=date(DEADLINE.year, len(records.periods), 28),
    )
    full, full_clock = _run(mocks, request)
    noop, _ = _run(mocks, request.model_copy(update={"run_id": request.run_id + "-noop"}))
    figures: dict[str, Any] = {
        "benchmark": "sync",
        "records": records.records,
        "periods": list(records.periods),
        "full": full,
        "noop": noop,
        "noop_ratio": round(noop["wall_seconds"] / full["wall_seconds"], 4),
        "push": _push_rates(full_clock, full.pop("exchanges"), full["pacing"]),
    }
    noop.pop("exchanges")
    pdfs = sorted(records.source.rglob("*.pdf"))[:naive]
    figures["naive"] = {
        "theodoinq": _naive_theodoinq(mocks, pdfs),
        "nq71": _naive_nq71(mocks, pdfs),
    }
    figures["four_workers"] = {"nq71": _four_workers_nq71(mocks, pdfs)}
    return figures


def _run(mocks: Mocks, request: SyncRequest) -> tuple[dict[str, Any], StageClock]:
    before = {s: mocks.state(s) for s in SYSTEMS}
    mocks.clear()
    clock = StageClock()
    mock_cpu = mocks.cpu_seconds()
    cpu, started = time.process_time(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nqsync-bench-log-") as folder:
        log_path = Path(folder) / "run.log"
        with quiet_console(), run_log(log_path):
            result = asyncio.run(run_sync(request, stage=clock))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        pacing = _pacing_events(log_path)
    mock_after = mocks.cpu_seconds()
    after = {s: mocks.state(s) for s in SYSTEMS}
    exchanges = {s: mocks.requests(s) for s in SYSTEMS}
    errors = {name: r.error for name, r in result.report.systems.items() if r.error}
    if errors:
        raise RuntimeError(f"the run failed: {errors}")
    throttled = {"theodoinq": "rateLimited", "nq71": "throttled"}
    return {
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "mock_cpu_seconds": (
            None if mock_cpu is None or mock_after is None else round(mock_after - mock_cpu, 2)
        ),
        "summary": {name: r.summary for name, r in result.report.systems.items()},
        "requests": {s: len(exchanges[s]) for s in SYSTEMS},
        "requests_by_kind": {s: by_kind(s, exchanges[s]) for s in SYSTEMS},
        "rate_limited": {
            s: _delta(before[s], after[s], "counts", throttled[s]) for s in SYSTEMS
        },
        "writes": {s: int(after[s]["writes"]) - int(before[s]["writes"]) for s in SYSTEMS},
        "listings_per_period": {s: listings_per_period(s, exchanges[s]) for s in SYSTEMS},
        "most_listings_per_period": {
            s: max(listings_per_period(s, exchanges[s]).values(), default=0) for s in SYSTEMS
        },
        "per_report_reads": {s: per_report_reads(s, exchanges[s]) for s in SYSTEMS},
        "stages": {
            name: round(end - start, 3) for name, (start, end) in clock.spans.items()
        },
        "pacing": pacing,
        "exchanges": exchanges,
    }, clock


def _pacing_events(path: Path) -> list[dict[str, Any]]:
    """The `pacing` events of a run's log (`connectors.factory.log_pacing`)."""
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [e for e in events if e.get("event") == "pacing"]


def _delta(before: dict[str, Any], after: dict[str, Any], group: str, name: str) -> int:
    return int(after[group].get(name, 0)) - int(before[group].get(name, 0))


def _push_rates(
    clock: StageClock, exchanges: dict[str, list[Exchange]], pacing: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    theodoinq = clock.spans.get("theodoinq-push")
    if theodoinq is not None:
        figures["theodoinq"] = _paced(within(exchanges["theodoinq"], *theodoinq), *theodoinq)
    nq71 = clock.spans.get("nq71-push")
    if nq71 is not None:
        figures["nq71"] = _in_flight(exchanges["nq71"], *nq71)
        held = [
            float(e["held_seconds"]) for e in pacing
            if e.get("system") == "nq71" and e.get("stage") == "push" and "held_seconds" in e
        ]
        if held and nq71[1] > nq71[0]:
            figures["nq71"]["mean_held"] = round(sum(held) / (nq71[1] - nq71[0]), 3)
    return figures


def _paced(exchanges: Sequence[Exchange], start: float, end: float) -> dict[str, Any]:
    """Accepted requests per second over [START, END] and the share answered 429."""
    limited = sum(e.status == RATE_LIMITED for e in exchanges)
    accepted = len(exchanges) - limited
    return {
        "seconds": round(end - start, 3),
        "requests": len(exchanges),
        "accepted": accepted,
        "rate_limited": limited,
        "accepted_per_second": per_second(accepted, end - start),
        "share_429": round(limited / len(exchanges), 4) if exchanges else 0.0,
    }


def _in_flight(exchanges: Sequence[Exchange], start: float, end: float) -> dict[str, Any]:
    """Mean API requests in flight over [START, END] (429s and token requests left out)."""
    api = [
        e for e in exchanges if e.path.startswith(NQ71_API + "/") and e.status != RATE_LIMITED
    ]
    inside = within(api, start, end)
    return {
        "seconds": round(end - start, 3),
        "requests": len(inside),
        "requests_per_second": per_second(len(inside), end - start),
        "throttled": sum(e.status == RATE_LIMITED for e in within(exchanges, start, end)),
        "mean_in_flight": round(mean_in_flight(api, start, end), 3),
    }


# the naive client -----------------------------------------------------------------------------


def _naive_theodoinq(mocks: Mocks, pdfs: Sequence[Path]) -> dict[str, Any]:
    """One upload after another; a 429 is resent at once. Starts when the account's bucket
    has filled again, as the push did."""
    url = mocks.urls["theodoinq"]
    time.sleep(BURST / RATE)
    with httpx.Client(base_url=url, timeout=120) as http:
        login = http.post(
            "/auth_api/api/login",
            json={
                "username": defaults.DEV_THEODOINQ_USERNAME,
                "password": defaults.DEV_THEODOINQ_PASSWORD,
            },
        )
        token = login.json()["data"]["accessToken"]
        http.headers.update({"Authorization": f"Bearer {token}", "x-check-auth": "true"})
        mocks.clear()
        start = time.monotonic()
        for pdf in pdfs:
            content = pdf.read_bytes()
            while True:
                answer = http.post(
                    "/file_api/api/upload", files={"file": (pdf.name, content, "application/pdf")}
                )
                if answer.status_code != RATE_LIMITED:
                    _check(answer, answer.json().get("status") == "OK")
                    break
        end = time.monotonic()
    return _paced(within(mocks.requests("theodoinq"), start, end), start, end)


def _naive_nq71(mocks: Mocks, pdfs: Sequence[Path]) -> dict[str, Any]:
    """Each file uploaded in three requests (start, one part, finish), one at a time."""
    url = mocks.urls["nq71"]
    with httpx.Client(base_url=url, timeout=120, headers=_nq71_headers(url)) as http:
        mocks.clear()
        start = time.monotonic()
        for pdf in pdfs:
            content = pdf.read_bytes()
            started = _nq71_call(
                http, "POST", "/tai-lieu/khoi-tao", json=_upload_start(pdf.name, content)
            )
            upload = started["upload_id"]
            _nq71_call(
                http, "PUT", f"/tai-lieu/{upload}/phan/0", content=content,
                headers={"content-type": "application/octet-stream"},
            )
            _nq71_call(http, "POST", f"/tai-lieu/{upload}/hoan-tat")
        end = time.monotonic()
    return _in_flight(mocks.requests("nq71"), start, end)


def _four_workers_nq71(mocks: Mocks, pdfs: Sequence[Path]) -> dict[str, Any]:
    """The naive client's nq71 uploads from MAX_IN_FLIGHT workers on one `httpx.AsyncClient`,
    each file's three requests one after another, nothing else done while they run."""
    url = mocks.urls["nq71"]
    files = deque((pdf.name, pdf.read_bytes()) for pdf in pdfs)
    headers = _nq71_headers(url)

    async def upload(http: httpx.AsyncClient, name: str, content: bytes) -> None:
        started = await _nq71_acall(
            http, "POST", "/tai-lieu/khoi-tao", json=_upload_start(name, content)
        )
        upload_id = started["upload_id"]
        await _nq71_acall(
            http, "PUT", f"/tai-lieu/{upload_id}/phan/0", content=content,
            headers={"content-type": "application/octet-stream"},
        )
        await _nq71_acall(http, "POST", f"/tai-lieu/{upload_id}/hoan-tat")

    async def run() -> tuple[float, float]:
        async with httpx.AsyncClient(base_url=url, timeout=120, headers=headers) as http:

            async def worker() -> None:
                while files:
                    await upload(http, *files.popleft())

            start = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(MAX_IN_FLIGHT)))
            return start, time.monotonic()

    mocks.clear()
    start, end = asyncio.run(run())
    return _in_flight(mocks.requests("nq71"), start, end)


def _upload_start(name: str, content: bytes) -> dict[str, Any]:
    """The body of nq71's `tai-lieu/khoi-tao` for a file NAME holding CONTENT."""
    return {
        "ten_tep": name, "kich_thuoc": len(content),
        "sha256": hashlib.sha256(content).hexdigest(), "loai_tai_lieu": "van_ban",
    }


def _nq71_headers(url: str) -> dict[str, str]:
    """A fresh token's headers for nq71's API."""
    with httpx.Client(base_url=url, timeout=120) as http:
        token = http.post(
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(defaults.DEV_NQ71_CLIENT_ID, defaults.DEV_NQ71_CLIENT_SECRET),
        ).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "X-Ma-Dinh-Danh": defaults.DEV_NQ71_MA_DINH_DANH}


def _nq71_call(http: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    while True:
        answer = http.request(method, NQ71_API + path, **kwargs)
        if answer.status_code != RATE_LIMITED:
            return _nq71_data(answer)


async def _nq71_acall(http: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    while True:
        answer = await http.request(method, NQ71_API + path, **kwargs)
        if answer.status_code != RATE_LIMITED:
            return _nq71_data(answer)


def _nq71_data(answer: httpx.Response) -> Any:
    body = answer.json()
    _check(answer, body.get("thanh_cong") is True)
    return body["du_lieu"]


def _check(answer: httpx.Response, ok: bool) -> None:
    if answer.status_code != 200 or not ok:
        raise RuntimeError(
            f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
            f"{answer.text[:300]}"
        )


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--naive", type=int, default=None,
        help="uploads of the naive client on each system (default: one per record)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: `--size` is the number of months of the record set (1–12)."""
    return run_cli(
        "python -m flows.benchmarks.sync_bench",
        argv,
        lambda args: sync_runs(args.size, args.naive),
        _arguments,
    )


if __name__ == "__main__":
    sys.exit(main())
