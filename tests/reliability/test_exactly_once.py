"""Exactly once, end to end: recovery after a wipe, half-finished pushes, tokens that expire,
configuration errors before any write, and runs that always end with a report."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from models.ledger import Ledger
from models.ledger_tables import Run, RunPublic, RunStatus
from tests.reliability.support import World, duplicates, statuses, world


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as w:
        yield w


def stored_run(rig: World, run_id: str) -> RunPublic | None:
    """The run as the ledger holds it, read with SQL."""
    with Ledger.open(rig.env["NQSYNC_DATABASE_URL"]) as ledger, Session(ledger.engine) as session:
        row = session.get(Run, run_id)
        return None if row is None else RunPublic.model_validate(row)


def writes(rig: World) -> dict[str, int]:
    return {system: int(rig.state(system)["writes"]) for system in rig.urls}


def test_a_clean_run_then_a_rerun_that_writes_nothing(rig: World) -> None:
    """The second run finds everything in sync, writes nothing and leaves no intent open."""
    first = rig.sync()
    assert first.report.errors == []
    assert statuses(first) == {"theodoinq": {"created": 3}, "nq71": {"created": 3}}
    assert not first.report.failed()
    before = writes(rig)
    again = rig.sync()
    assert all(set(c) == {"in_sync"} for c in statuses(again).values())
    assert writes(rig) == before
    assert rig.open_intents() == 0


def test_a_remote_that_lost_its_data_is_written_again(rig: World) -> None:
    """After both remotes are wiped, the next run restores them: no conflict, no failure."""
    rig.sync()
    baseline = rig.view()
    for system in rig.urls:
        rig.admin(system, "POST", "reset")
    restored = rig.sync()
    for counts in statuses(restored).values():
        assert counts["conflict"] == 0 and counts["failed"] == 0, counts
    assert rig.view() == baseline
    assert all(set(c) == {"in_sync"} for c in statuses(rig.sync()).values())


def test_a_half_finished_push_is_finished_not_called_a_conflict(rig: World) -> None:
    """nq71 attaches the evidence, then the value update fails; the next run completes it."""
    rig.faults({"nq71": [{"method": "PUT", "path": "/bao-cao/[0-9]+$", "fault": "http_500",
                          "times": 50}]}, seed=1)
    first = rig.sync()
    assert statuses(first)["nq71"]["failed"] >= 1
    assert rig.open_intents() >= 1
    rig.clear_faults()
    second = rig.sync()
    assert statuses(second)["nq71"]["conflict"] == 0
    assert statuses(second)["nq71"]["failed"] == 0
    [completed] = [c for c in rig.view()["nq71"]["content"].values() if c[2] == 3]
    assert len(completed[4]) == 1
    assert rig.open_intents() == 0
    assert duplicates(rig.view()) == []


def test_tokens_expiring_at_any_request_cost_no_record(rig: World) -> None:
    """With a fifth of the requests finding their token expired, every record still lands."""
    rules = [{"path": "^/(report_api|file_api|nq71)/", "fault": "expire_token", "rate": 0.2}]
    rig.faults({"theodoinq": rules, "nq71": rules}, seed=3)
    result = rig.sync()
    for name, counts in statuses(result).items():
        assert counts["failed"] == 0, (name, result.report.systems[name])
    assert not result.report.failed()
    assert duplicates(rig.view()) == []


def test_a_bad_mapping_file_stops_every_write_and_still_reports(
    rig: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A malformed nq71 mapping file: nothing is written anywhere, the report says why."""
    bad = tmp_path / "mapping.json"
    bad.write_text("{ 1.5.17: CT07", encoding="utf-8")
    monkeypatch.setenv("NQSYNC_NQ71_MAPPING", str(bad))
    result = rig.sync()
    assert writes(rig) == {"theodoinq": 0, "nq71": 0}
    assert result.config_error and "mapping.json" in result.config_error
    assert all(report.error for report in result.report.systems.values())
    assert result.paths.json.exists()
    run = stored_run(rig, result.report.run_id)
    assert run is not None and run.status is RunStatus.PARTIAL and run.finished_at is not None


def test_an_internal_fault_in_one_system_leaves_the_other_and_the_report(
    rig: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug raised inside nq71's push fails nq71 only; theodoinq syncs; the run finishes."""
    from connectors.nq71.adapter import Nq71Adapter

    async def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(Nq71Adapter, "apply", broken)
    result = rig.sync()
    assert "lỗi nội bộ" in (result.report.systems["nq71"].error or "")
    assert statuses(result)["theodoinq"]["created"] >= 1
    assert result.paths.html.exists()
    run = stored_run(rig, result.report.run_id)
    assert run is not None and run.status is RunStatus.PARTIAL


def test_a_value_a_formula_left_one_ulp_short_is_a_completion(rig: World) -> None:
    """99.99999999999999 reads as 100: a completion, held for its missing evidence."""
    report = rig.source / "VHXH_2026-11.csv"
    text = report.read_text(encoding="utf-8-sig")
    report.write_text(
        text.replace("1.2.4,,11/2026,60,60,", "1.5.12,,11/2026,99.99999999999999,99,"),
        encoding="utf-8-sig",
    )
    result = rig.sync()
    for system in rig.urls:
        [entry] = [e for e in result.report.systems[system].entries if e.target_code == "1.5.12"]
        assert entry.status.value == "held", (system, entry)


def test_a_no_op_rerun_reads_one_listing_per_system_and_period(rig: World) -> None:
    """Nothing changed: no write, and no per-report read (one login, one listing each)."""
    rig.sync()
    before = {s: rig.state(s)["counts"]["requests"] for s in rig.urls}
    writes_before = writes(rig)
    again = rig.sync()
    assert all(set(c) == {"in_sync"} for c in statuses(again).values())
    assert writes(rig) == writes_before
    spent = {s: rig.state(s)["counts"]["requests"] - before[s] for s in rig.urls}
    assert spent["theodoinq"] <= 3, spent
    assert spent["nq71"] <= 3, spent
