"""`nqsync demo`: both mock servers on free loopback ports, sample data, one real sync.

Everything lives in the work folder (sample workbooks, the mocks' state, the ledger, the
reports), so running the demo again in the same folder finds nothing to change.
"""

import contextlib
import os
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

import httpx
import typer

from models.clock import today_in_vietnam

DEMO_SEED = 57
_WRITES = {
    "theodoinq": ("saves", "uploads", "submits"),
    "nq71": ("posts", "puts", "attachments", "parts"),
}


def _writes(urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for system, url in urls.items():
        state = httpx.get(f"{url}/_admin/state", timeout=30).json()["counts"]
        counts[system] = sum(int(state[key]) for key in _WRITES[system])
    return counts


@contextlib.contextmanager
def _environment(values: Mapping[str, str], drop: tuple[str, ...] = ()) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    for name in drop:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def demo_command(
    workdir: Path | None,
    today: date | None = None,
    *,
    prefect: bool = False,
    verbose: bool = False,
) -> int:
    """Run the demo in WORKDIR (default `./nqsync-demo`); the exit code of the sync.

    Like `nqsync sync`, it runs in-process unless a Prefect API is configured or PREFECT asks.
    """
    from flows.commands import RunOptions, check_settings, execute, print_summary
    from flows.demo_data import write_demo_source
    from mock_servers.common.server import serving
    from mock_servers.nq71 import Nq71MockConfig
    from mock_servers.nq71 import create_app as create_nq71
    from mock_servers.theodoinq import TheodoinqMockConfig
    from mock_servers.theodoinq import create_app as create_theodoinq
    from models import settings as defaults

    folder = (workdir or Path("nqsync-demo")).resolve()
    day = today or today_in_vietnam()
    mock_dir = folder / "mock-data"
    mock_dir.mkdir(parents=True, exist_ok=True)
    demo = write_demo_source(folder, day)
    typer.echo(f"Dữ liệu mẫu (không phải số liệu thật) trong {demo.source}")
    theodoinq = create_theodoinq(
        TheodoinqMockConfig(seed=DEMO_SEED, data_dir=mock_dir, year=day.year)
    )
    nq71 = create_nq71(Nq71MockConfig(seed=DEMO_SEED, data_dir=mock_dir))
    with serving(theodoinq) as theodoinq_url, serving(nq71) as nq71_url:
        urls = {"theodoinq": theodoinq_url, "nq71": nq71_url}
        settings = {
            "NQSYNC_ENV": "development",
            "NQSYNC_THEODOINQ_URL": theodoinq_url,
            "NQSYNC_THEODOINQ_USERNAME": defaults.DEV_THEODOINQ_USERNAME,
            "NQSYNC_THEODOINQ_PASSWORD": defaults.DEV_THEODOINQ_PASSWORD,
            "NQSYNC_NQ71_URL": nq71_url,
            "NQSYNC_NQ71_CLIENT_ID": defaults.DEV_NQ71_CLIENT_ID,
            "NQSYNC_NQ71_CLIENT_SECRET": defaults.DEV_NQ71_CLIENT_SECRET,
            "NQSYNC_NQ71_MA_DON_VI": defaults.DEV_NQ71_MA_DON_VI,
            "NQSYNC_NQ71_MA_DINH_DANH": defaults.DEV_NQ71_MA_DINH_DANH,
            "NQSYNC_DATABASE_URL": f"sqlite:///{folder / 'nqsync.db'}",
            "NQSYNC_REPORT_DIR": str(folder / "reports"),
            "NQSYNC_ASSIGNMENTS": str(demo.assignments),
        }
        typer.echo(f"Máy chủ giả lập: theodoinq {theodoinq_url}, nq71 {nq71_url}/nq71/1.0")
        with _environment(settings, drop=("NQSYNC_NQ71_MAPPING",)):
            problem = check_settings()
            if problem:
                typer.echo(f"Lỗi: {problem}", err=True)
                return 2
            before = _writes(urls)
            options = RunOptions(demo.source, as_of=day, prefect=prefect, verbose=verbose)
            outcome = execute(options)
            after = _writes(urls)
        defaults.get_settings.cache_clear()
        if isinstance(outcome, int):
            return outcome
    print_summary(outcome)
    writes = ", ".join(f"{s} {after[s] - before[s]}" for s in urls)
    typer.echo(f"Số lần ghi lên hệ thống trong lần chạy này: {writes}")
    return 1 if outcome["failed"] else 0
