"""Plan, approve, apply: the approved plan is written exactly, a record whose remote moved
since the plan is `stale` and not written, an old plan is refused."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.pipeline import SyncRequest, run_sync
from flows.plans import PlanFileError, SavedPlan, load_plan, save_plan
from models.audit import AuditTrail
from models.db import make_engine
from models.settings import get_settings
from tests.reliability.support import AS_OF, PERIOD, World, statuses, world

NQSYNC = str(Path(sys.executable).parent / "nqsync")


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as w:
        yield w


def writes(rig: World) -> dict[str, int]:
    return {system: int(rig.state(system)["writes"]) for system in rig.urls}


def plan_to_file(rig: World, path: Path) -> SavedPlan:
    result = rig.sync(dry_run=True)
    saved = SavedPlan(
        created_at=datetime.now(UTC), run_id=result.report.run_id, source=str(rig.source),
        periods=[PERIOD], as_of=AS_OF, systems=result.plans,
    )
    save_plan(path, saved)
    return saved


def apply(rig: World, path: Path, approver: str = "Nguyễn Thị B") -> dict[str, dict[str, str]]:
    saved = load_plan(path, max_age=timedelta(hours=24))
    get_settings.cache_clear()
    request = SyncRequest(source=rig.source, periods=tuple(saved.periods), as_of=saved.as_of,
                          plans=saved.systems, approver=approver)
    result = asyncio.run(run_sync(request))
    return {
        name: {e.target_code: e.status.value for e in report.entries}
        for name, report in result.report.systems.items()
    }


def test_applying_a_plan_writes_exactly_what_was_planned(rig: World, tmp_path: Path) -> None:
    """Planning writes nothing; applying writes the planned values, not the source's newer ones."""
    path = tmp_path / "plan.json"
    saved = plan_to_file(rig, path)
    assert writes(rig) == {"theodoinq": 0, "nq71": 0}
    planned = {
        name: {c.target_code for c in plan.changes if c.action in ("create", "update")}
        for name, plan in saved.systems.items()
    }
    report = rig.source / "VHXH_2026-11.csv"
    report.write_text(report.read_text("utf-8-sig").replace(",60,60,", ",70,70,"), "utf-8-sig")
    applied = apply(rig, path)
    for name, codes in planned.items():
        assert {c for c, s in applied[name].items() if s == "created"} == codes
    values = {c[0] for c in rig.view()["nq71"]["content"].values()}
    assert "60" in values and "70" not in values
    again = statuses(rig.sync(dry_run=True))
    assert again["nq71"]["updated"] == 1


def test_a_remote_edited_after_the_plan_is_stale_and_not_written(
    rig: World, tmp_path: Path
) -> None:
    """A person's edit between plan and apply: that record is `stale`, the rest is written."""
    rig.sync()
    report = rig.source / "VHXH_2026-11.csv"
    report.write_text(report.read_text("utf-8-sig").replace(",60,60,", ",70,70,"), "utf-8-sig")
    path = tmp_path / "plan.json"
    plan_to_file(rig, path)
    nq71 = rig.state("nq71")
    target = next(r for r in nq71["reports"] if r["gia_tri_thuc_hien"] == "60")
    rig.admin("nq71", "POST", "human-edit", {"id": target["id"], "ghi_chu": "Sửa trên web"})
    before = writes(rig)
    applied = apply(rig, path)
    assert applied["nq71"]["1.2.4"] == "stale"
    assert applied["theodoinq"]["1.2.4"] == "updated"
    after = writes(rig)
    assert after["nq71"] == before["nq71"] and after["theodoinq"] > before["theodoinq"]


def test_an_old_or_foreign_plan_is_refused(rig: World, tmp_path: Path) -> None:
    """A plan past its age, or a file that is not a plan, is refused before anything runs."""
    path = tmp_path / "plan.json"
    saved = plan_to_file(rig, path)
    later = saved.created_at + timedelta(hours=25)
    with pytest.raises(PlanFileError, match="lập lại kế hoạch"):
        load_plan(path, max_age=timedelta(hours=24), now=later)
    bad = tmp_path / "other.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(PlanFileError):
        load_plan(bad, max_age=timedelta(hours=24))


def test_plan_only_then_apply_on_the_command_line(rig: World, tmp_path: Path) -> None:
    """`sync --plan-only --out` writes nothing; `apply --approver` writes it and audits who."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | rig.env
    plan = tmp_path / "ke-hoach.json"

    def nqsync(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([NQSYNC, *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=600, check=False)

    planned = nqsync("sync", "--source", str(rig.source), "--period", PERIOD,
                     "--plan-only", "--out", str(plan))
    assert planned.returncode == 0, planned.stderr
    assert plan.is_file() and writes(rig) == {"theodoinq": 0, "nq71": 0}
    assert "Sẽ tạo mới" in planned.stdout
    applied = nqsync("apply", str(plan), "--approver", "Nguyễn Thị B")
    assert applied.returncode == 0, applied.stderr
    assert all(n > 0 for n in writes(rig).values())
    entries = AuditTrail(make_engine(rig.env["NQSYNC_DATABASE_URL"])).history()
    assert {e.approver for e in entries if e.action == "intent"} == {"Nguyễn Thị B"}
    assert "Traceback" not in applied.stderr + planned.stderr
