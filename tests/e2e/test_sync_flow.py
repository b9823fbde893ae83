"""The `nqsync-sync` flow on the real Prefect engine against both mocks over loopback."""

import asyncio
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests.e2e.conftest import AS_OF, World, run_logs

pytestmark = pytest.mark.usefixtures("prefect_api")


def run_flow(world: World, **parameters: Any) -> tuple[dict[str, Any], UUID]:
    from flows.sync import nqsync_sync

    flow: Any = nqsync_sync
    state = asyncio.run(
        flow(source=str(world.source), as_of=AS_OF, return_state=True, **parameters)
    )
    assert state.is_completed(), state
    result: dict[str, Any] = state.result()
    return result, state.state_details.flow_run_id


def report_of(result: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(result["reports"]["json"]).read_text("utf-8"))
    return data


def entry(report: dict[str, Any], system: str, code: str, period: str = "2026-11") -> Any:
    return next(
        e for e in report["systems"][system]["entries"]
        if e["target_code"] == code and e["period"] == period and e["unit_code"]
    )


async def artifacts_of(flow_run_id: UUID) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        return await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


def test_full_run_then_a_no_op_rerun(world: World, capfd: pytest.CaptureFixture[str]) -> None:
    """A full run pushes, reports, attaches artifacts, logs in Vietnamese; the rerun is a no-op."""
    result, run_id = run_flow(world)
    logged = capfd.readouterr()
    forwarded = asyncio.run(run_logs(run_id, "Xong lần chạy"))
    assert any(m.startswith("Xong một hệ thống (mã lần chạy: ") and "tạo mới: 37" in m
               for m in forwarded), forwarded
    run_log = (Path(result["reports"]["json"]).parent / "run.log").read_text("utf-8")
    assert '"event": "system_done"' in run_log
    for secret in ("nqsync-dev-password", "nqsync-dev-secret"):
        assert secret not in logged.out + logged.err + run_log + "".join(forwarded)
    assert not result["failed"]
    report = report_of(result)
    for system in ("theodoinq", "nq71"):
        summary = report["systems"][system]["summary"]
        assert summary["created"] == 37 and summary["held"] == 1
        assert summary["missing_remote"] == 2 and summary["failed"] == 0
    assert {w["kind"] for w in report["warnings"]} >= {
        "behind_schedule", "evidence_missing", "missing_6ro"
    }
    assert len(report["errors"]) == 2
    folder = Path(result["reports"]["json"]).parent
    assert {p.name for p in folder.iterdir()} >= {
        "reconciliation.json", "reconciliation.xlsx", "reconciliation.html", "run.log",
        "viec-can-lam.xlsx",
    }
    keys = {a.key for a in asyncio.run(artifacts_of(run_id))}
    assert {"nqsync-reconciliation", "nqsync-reconciliation-entries"} <= keys
    before = world.writes()
    again, _ = run_flow(world)
    assert world.writes() == before
    rerun = report_of(again)
    for system in ("theodoinq", "nq71"):
        summary = rerun["systems"][system]["summary"]
        assert summary["in_sync"] == 37 and summary["created"] == summary["updated"] == 0


def test_dry_run_writes_nothing_and_reports_the_plan(world: World) -> None:
    """A dry run makes no write anywhere yet reports every planned create."""
    before = world.writes()
    result, _ = run_flow(world, dry_run=True)
    assert world.writes() == before
    report = report_of(result)
    assert report["dry_run"] is True
    created = [e for e in report["systems"]["nq71"]["entries"] if e["status"] == "created"]
    assert len(created) == 37 and all(e["planned"] == "create" for e in created)


def test_a_persons_edit_shows_as_conflict(world: World) -> None:
    """A value changed on nq71's web between runs is a conflict in the JSON, not overwritten."""
    run_flow(world)
    state = world.state("nq71")
    code = next(i["ma_chi_tieu"] for i in state["indicators"] if i["plan_code"] == "1.1.1")
    report_id = next(
        r["id"] for r in state["reports"]
        if r["ma_chi_tieu"] == code and r["ky_bao_cao"] == "11/2026"
    )
    world.admin("nq71", "human-edit", {"id": report_id, "gia_tri_thuc_hien": "12,5"})
    result, _ = run_flow(world)
    found = entry(report_of(result), "nq71", "1.1.1")
    assert found["status"] == "conflict"
    assert found["differences"]["actual"]["remote"] == 12.5
    assert found["ledger"]["remote_matches_last_seen"] is False
    after = next(r for r in world.state("nq71")["reports"] if r["id"] == report_id)
    assert after["gia_tri_thuc_hien"] == "12,5"


def test_a_rejected_review_is_an_evidence_rejected_warning(world: World) -> None:
    """A reviewer's rejection on theodoinq comes back as evidence_rejected with the reason."""
    run_flow(world)
    state = world.state("theodoinq")
    grant = next(
        g for g in state["grants"]
        if g["fromDate"] == "01/11/2026" and g["periodType"] == "THANG"
        and g["organisation"] == state["organisation"] and g["resolution"] == "57-NQ/TW"
    )
    row = next(r for r in grant["rows"] if r["fileIds"])
    world.admin("theodoinq", "review", {
        "grantId": grant["grantId"], "idxId": row["idxId"], "evalStatus": "KHONG_DAT",
        "evalComment": "Biên bản chưa có chữ ký",
    })
    result, _ = run_flow(world)
    rejected = [w for w in report_of(result)["warnings"] if w["kind"] == "evidence_rejected"]
    assert len(rejected) == 1 and "Biên bản chưa có chữ ký" in rejected[0]["detail"]


def test_a_bad_row_is_reported_and_every_other_record_synced(world: World) -> None:
    """The sample's bad cells are row errors with their places; all else reaches the remotes."""
    result, _ = run_flow(world)
    report = report_of(result)
    places = {(e["file"], e["row"], e["column"]) for e in report["errors"]}
    assert ("PKT/PKT_2026-10.xlsx", 6, "Giá trị thực hiện") in places
    assert ("CAX/CAX_2026-10.xlsx", 14, "Tệp minh chứng") in places
    nq71 = world.state("nq71")
    assert len(nq71["reports"]) == 37
    assert not any(e["status"] == "failed" for e in report["systems"]["nq71"]["entries"])


def test_the_form_has_vietnamese_titles_and_no_null_switches() -> None:
    """Prefect's parameter schema: Vietnamese titles and help, no anyOf/null, UI-valid defaults."""
    from prefect.utilities.callables import parameter_schema
    from prefect.utilities.schema_tools.validation import validate

    from flows.sync import nqsync_sync

    schema = parameter_schema(nqsync_sync.fn).model_dump()
    properties = schema["properties"]
    assert list(properties) == [
        "source", "systems", "periods", "dry_run", "submit", "as_of", "approval"
    ]
    for name, prop in properties.items():
        assert prop["title"] != name and prop["description"], name
        assert "anyOf" not in prop and prop["type"] != "null", name
    assert properties["periods"]["default"] == [] and properties["periods"]["type"] == "array"
    assert properties["as_of"]["type"] == "string" and properties["as_of"]["default"] == ""
    assert set(properties["systems"]["enum"]) == {"all", "both", "theodoinq", "nq71"}
    assert properties["approval"]["title"] == "Duyệt trước khi ghi"
    assert set(properties["approval"]["enum"]) == {"không", "cần duyệt"}
    as_the_ui_sends = {"source": "/data", "systems": "all", "periods": [], "dry_run": False,
                       "submit": False, "as_of": "", "approval": "không"}
    assert validate(as_the_ui_sends, schema, raise_on_error=False) == []
    for bad in ({"as_of": "27/11/2026"}, {"periods": ["2026-13"]}, {"systems": "vneid"}):
        assert validate({**as_the_ui_sends, **bad}, schema, raise_on_error=False), bad


def test_empty_form_values_mean_the_defaults(world: World) -> None:
    """An empty date and an empty period list (what the form sends) mean today's two months."""
    from datetime import datetime, timedelta, timezone

    from flows.pipeline import default_periods
    from flows.sync import nqsync_sync

    flow: Any = nqsync_sync
    state = asyncio.run(flow(source=str(world.source), systems="both", periods=[], as_of="",
                             dry_run=True, return_state=True))
    assert state.is_completed(), state
    report = report_of(state.result())
    today = datetime.now(timezone(timedelta(hours=7))).date()
    assert report["as_of"] == today.isoformat()
    assert report["periods"] == list(default_periods(today))
    assert set(report["systems"]) == {"theodoinq", "nq71"}
