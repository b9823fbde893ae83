"""A small, complete world for reliability tests: both mocks on loopback, a CSV source with
evidence, the environment pointing at them, and views of what each remote holds."""

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from flows.pipeline import SyncRequest, SyncResult, run_sync
from mock_servers.common.server import serving
from mock_servers.nq71 import Nq71MockConfig
from mock_servers.nq71 import create_app as create_nq71
from mock_servers.theodoinq import TheodoinqMockConfig
from mock_servers.theodoinq import create_app as create_theodoinq
from models.ledger import Ledger
from models.settings import get_settings

PERIOD = "2026-11"
AS_OF = date(2026, 11, 27)
HEADERS = (
    "Mã chỉ tiêu", "Tên chỉ tiêu", "Kỳ báo cáo", "Giá trị thực hiện", "Tỷ lệ hoàn thành (%)",
    "Tình trạng", "Ghi chú", "Người báo cáo", "Tệp minh chứng", "Số hiệu văn bản",
    "Ngày ban hành",
)
ROWS = (
    '1.5.17,,11/2026,"87,5","87,5",Đang thực hiện,"Đạt 87,5%",Nguyễn Văn A,vneid.pdf,'
    "60/KH-UBND,01/11/2026",
    "1.5.24,,11/2026,100,100,Hoàn thành,Đã triển khai,Nguyễn Văn A,bien_ban.pdf,"
    "61/BB-UBND,20/11/2026",
    "1.2.4,,11/2026,60,60,Đang thực hiện,,Nguyễn Văn A,,,",
)
WRITE_ENDPOINTS = {
    "theodoinq": (("PUT", "rp_objidx_data$"), ("POST", "/file_api/api/upload$")),
    "nq71": (
        ("POST", "/bao-cao$"), ("PUT", "/bao-cao/[0-9]+$"), ("POST", "/minh-chung$"),
        ("POST", "/khoi-tao$"), ("PUT", "/phan/[0-9]+$"), ("POST", "/hoan-tat$"),
    ),
}


def pdf(text: str) -> bytes:
    """A small, real-looking PDF."""
    return b"%PDF-1.4\n%" + text.encode() + b"\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def write_source(folder: Path) -> Path:
    """One unit's CSV report for 11/2026 and its two evidence files."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [",".join(HEADERS), *ROWS]
    (folder / "VHXH_2026-11.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    (folder / "vneid.pdf").write_bytes(pdf("VNeID"))
    (folder / "bien_ban.pdf").write_bytes(pdf("Biên bản"))
    return folder


@dataclass
class World:
    """Both mocks, the source, and the settings that point at them."""

    urls: dict[str, str]
    source: Path
    env: dict[str, str]
    root: Path

    def admin(self, system: str, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method, f"{self.urls[system]}/_admin/{path}", json=body, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def state(self, system: str) -> dict[str, Any]:
        data: dict[str, Any] = self.admin(system, "GET", "state")
        return data

    def faults(self, rules: dict[str, list[dict[str, Any]]], seed: int) -> None:
        for system in self.urls:
            self.admin(system, "POST", "faults", {"seed": seed, "rules": rules.get(system, [])})

    def clear_faults(self) -> None:
        for system in self.urls:
            self.admin(system, "DELETE", "faults")

    def sync(self, **fields: Any) -> SyncResult:
        request = SyncRequest(source=self.source, periods=(PERIOD,), as_of=AS_OF, **fields)
        get_settings.cache_clear()
        return asyncio.run(run_sync(request))

    def open_intents(self) -> int:
        with Ledger.open(self.env["NQSYNC_DATABASE_URL"]) as ledger:
            return sum(len(v) for s in self.urls for v in ledger.open_intents(s).values())

    def view(self) -> dict[str, Any]:
        """What both remotes hold for the period, by content (ids aside), and their extras."""
        return {"theodoinq": theodoinq_view(self.state("theodoinq")),
                "nq71": nq71_view(self.state("nq71"))}


def theodoinq_view(state: dict[str, Any]) -> dict[str, Any]:
    shas = {f["fileId"]: f["sha256"] for f in state["files"]}
    rows = {}
    for grant in state["grants"]:
        if grant["periodType"] != "THANG" or grant["fromDate"] != "01/11/2026":
            continue
        sections = {r["idxId"]: r["idxName"].split()[0] for r in grant["rows"]
                    if r["idxType"] == "GROUP"}
        for row in grant["rows"]:
            if row["idxValue"] or row["idxContent"] or row["fileIds"]:
                files = sorted(shas.get(f, f) for f in row["fileIds"])
                key = (sections.get(row["parentId"]), row["idxOrder"])
                rows[key] = (row["idxValue"], row["idxContentRaw"], files)
    per_sha = Counter(f["sha256"] for f in state["files"])
    return {"rows": rows, "files": dict(per_sha)}


def nq71_view(state: dict[str, Any]) -> dict[str, Any]:
    reports = Counter((r["ma_chi_tieu"], r["ky_bao_cao"]) for r in state["reports"])
    content = {
        (r["ma_chi_tieu"], r["ky_bao_cao"]): (
            r["gia_tri_thuc_hien"], r["ty_le_hoan_thanh"], r["tinh_trang"], r["ghi_chu"],
            sorted(a["sha256"] for a in r["minh_chung"]),
        )
        for r in state["reports"]
    }
    documents = Counter(d["sha256"] for d in state["documents"])
    return {"reports": dict(reports), "content": content, "documents": dict(documents)}


def duplicates(view: dict[str, Any]) -> list[str]:
    """Every report, document, attachment or file the remotes hold more than once."""
    found = [f"theodoinq file {sha}" for sha, n in view["theodoinq"]["files"].items() if n > 1]
    found += [f"nq71 report {key}" for key, n in view["nq71"]["reports"].items() if n > 1]
    found += [f"nq71 document {sha}" for sha, n in view["nq71"]["documents"].items() if n > 1]
    for key, content in view["nq71"]["content"].items():
        shas = content[4]
        found += [f"nq71 attachment {key} {sha}" for sha in set(shas) if shas.count(sha) > 1]
    return found


@contextmanager
def world(root: Path, *, seed: int = 7, timeout: float = 1.0) -> Iterator[World]:
    """Fresh mocks on loopback and the environment pointing at them, for one test."""
    source = write_source(root / "source")
    with ExitStack() as stack:
        theodoinq = stack.enter_context(
            serving(create_theodoinq(TheodoinqMockConfig(seed=seed, rate=200, burst=100)))
        )
        nq71 = stack.enter_context(serving(create_nq71(Nq71MockConfig(seed=seed))))
        env = {
            "NQSYNC_ENV": "development",
            "NQSYNC_THEODOINQ_URL": theodoinq,
            "NQSYNC_NQ71_URL": nq71,
            "NQSYNC_DATABASE_URL": f"sqlite:///{root / 'ledger.db'}",
            "NQSYNC_REPORT_DIR": str(root / "reports"),
            "NQSYNC_HTTP_TIMEOUT": str(timeout),
        }
        saved = {name: os.environ.get(name) for name in [*env, "NQSYNC_ASSIGNMENTS"]}
        os.environ.update(env)
        os.environ.pop("NQSYNC_ASSIGNMENTS", None)
        get_settings.cache_clear()
        try:
            yield World({"theodoinq": theodoinq, "nq71": nq71}, source, env, root)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            get_settings.cache_clear()


def statuses(result: SyncResult) -> dict[str, Counter[str]]:
    """Entry statuses per system."""
    return {
        name: Counter(e.status.value for e in report.entries)
        for name, report in result.report.systems.items()
    }
