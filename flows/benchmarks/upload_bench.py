"""A large evidence file pushed to nq71 through its adapter: growth of the peak resident set.

`large_upload(mib)` writes a PDF-looking file of MIB MiB (random bytes between a PDF header
and trailer, so nothing compresses it), starts both mocks, each in a process of its own
(`mocks.running_mocks`, so the mock's copy of the file is not this process's memory) and, on
a fresh SQLite ledger, has the nq71 adapter fetch, plan and push one in-progress record with
that file as its evidence: report, resumable upload in parts, attachment. The peak RSS is
reset once fetching and planning are done (`measure.reset_peak_rss`); the growth is the peak
at the end of the push over the peak just after the reset (the resident set then). The mock
must then hold the file whole.

`python -m flows.benchmarks.upload_bench --size MIB --json`
"""

import asyncio
import gc
import hashlib
import itertools
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.factory import open_adapter
from flows.benchmarks.measure import (
    MIB,
    peak_rss_mib,
    reset_peak_rss,
    run_cli,
    timed,
)
from flows.benchmarks.mocks import Mocks, running_mocks
from flows.benchmarks.requestlog import by_kind
from models import settings as defaults
from models.ledger import Ledger, RunCreate
from models.records import EvidenceFile, ProgressRecord, SourceRef, Status
from models.status import EntryStatus

PERIOD = "2026-06"
TARGET = "1.2.4"
FILE_NAME = "minh_chung_lon.pdf"


def write_large_pdf(path: Path, mib: int) -> EvidenceFile:
    """A file of MIB MiB that reads as a PDF (random body), written in 1 MiB pieces."""
    digest = hashlib.sha256()
    head, tail = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"
    size = mib * MIB
    with path.open("wb") as stream:
        written = 0
        for piece in itertools.chain(
            (head,), _random_pieces(size - len(head) - len(tail)), (tail,)
        ):
            stream.write(piece)
            digest.update(piece)
            written += len(piece)
    return EvidenceFile(path=path.name, sha256=digest.hexdigest(), size=written)


def _random_pieces(size: int) -> Iterator[bytes]:
    for start in range(0, size, MIB):
        yield os.urandom(min(MIB, size - start))


def large_upload(mib: int) -> dict[str, Any]:
    """Figures of one MIB MiB evidence file pushed to nq71 (see the module's docstring)."""
    with tempfile.TemporaryDirectory(prefix="nqsync-upload-bench-") as folder:
        root = Path(folder)
        evidence = write_large_pdf(root / FILE_NAME, mib)
        with running_mocks() as mocks:
            return asyncio.run(_push(mocks, root, evidence))


async def _push(mocks: Mocks, root: Path, evidence: EvidenceFile) -> dict[str, Any]:
    settings = defaults.Settings(
        env="development",
        database_url=f"sqlite:///{root / 'ledger.db'}",
        report_dir=root / "reports",
        nq71_url=mocks.urls["nq71"],
        nq71_client_id=defaults.DEV_NQ71_CLIENT_ID,
        nq71_client_secret=defaults.DEV_NQ71_CLIENT_SECRET,
        nq71_ma_don_vi=defaults.DEV_NQ71_MA_DON_VI,
        nq71_ma_dinh_danh=defaults.DEV_NQ71_MA_DINH_DANH,
        nq71_mapping=None,
    )
    record = ProgressRecord(
        unit_code="VHXH", target_code=TARGET, period=PERIOD, actual=Decimal(50),
        progress_percent=Decimal(50), status=Status.IN_PROGRESS, note="Tệp minh chứng lớn",
        evidence=(evidence,), source=SourceRef(file="VHXH.xlsx", sheet="Báo cáo", row=4),
    )
    with Ledger.open(settings.database_url) as ledger:
        run = ledger.start_run(RunCreate(dry_run=False, systems=["nq71"], source_files={}))
        async with open_adapter("nq71", settings, ledger, root) as adapter:
            plan = adapter.plan([record], await adapter.fetch([PERIOD]))
            gc.collect()
            reset = reset_peak_rss()
            before = peak_rss_mib()
            with timed() as pushing:
                outcomes = await adapter.apply(plan, run_id=run.run_id)
            peak = peak_rss_mib()
    if [o.outcome for o in outcomes] != [EntryStatus.CREATED]:
        raise RuntimeError(f"the push did not create the report: {outcomes}")
    held = [d for d in mocks.state("nq71")["documents"] if d["sha256"] == evidence.sha256]
    if [d["kich_thuoc"] for d in held] != [evidence.size]:
        raise RuntimeError("the mock does not hold the file whole")
    return {
        "benchmark": "large_upload",
        "file_mib": round(evidence.size / MIB, 1),
        "parts": by_kind("nq71", mocks.requests("nq71")).get("upload part", 0),
        "rss_before_mib": before,
        "peak_rss_mib": peak,
        "rss_growth_mib": round(peak - before, 1),
        "peak_reset": reset,
        "wall_seconds": round(pushing.wall_seconds, 4),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: `--size` is the file's size in MiB."""
    return run_cli(
        "python -m flows.benchmarks.upload_bench",
        argv,
        lambda args: large_upload(args.size),
        lambda parser: None,
    )


if __name__ == "__main__":
    sys.exit(main())
