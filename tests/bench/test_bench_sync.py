from typing import Any

import pytest

from flows.benchmarks.sync_bench import sync_runs

SYSTEMS = ("theodoinq", "nq71")


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    """One month of the record set (44 records), a full run, the no-op and 3 naive uploads."""
    return sync_runs(1, naive=3)


def test_the_full_run_creates_every_record_on_both_systems(figures: dict[str, Any]) -> None:
    """44 records created on each system, writes counted at the mocks, and each push timed."""
    full = figures["full"]
    assert figures["records"] == 44 and figures["periods"] == ["2026-01"]
    for system in SYSTEMS:
        assert full["summary"][system]["created"] == 44
        assert full["writes"][system] > 44
        assert full["requests"][system] == sum(full["requests_by_kind"][system].values())
    assert full["requests_by_kind"]["theodoinq"]["upload"] == 44
    assert full["requests_by_kind"]["nq71"]["upload start"] == 44
    assert {"theodoinq-push", "nq71-push"} <= set(full["stages"])


def test_the_no_op_rerun_writes_nothing_and_lists_each_period_once(
    figures: dict[str, Any],
) -> None:
    """Counted at the mocks: 0 writes, at most one listing per system and period, no
    per-report read, every record in sync (issue 11's done-when)."""
    noop = figures["noop"]
    for system in SYSTEMS:
        assert noop["writes"][system] == 0
        assert noop["most_listings_per_period"][system] <= 1
        assert noop["per_report_reads"][system] == 0
        assert noop["summary"][system]["in_sync"] == 44
    assert "theodoinq-push" not in noop["stages"] and "nq71-push" not in noop["stages"]
    assert figures["noop_ratio"] == pytest.approx(
        noop["wall_seconds"] / figures["full"]["wall_seconds"], abs=1e-3
    )


def test_push_and_naive_figures_come_from_the_requests_made(figures: dict[str, Any]) -> None:
    """The push figures count the push's requests; the naive client made its 3 uploads,
    nq71's one at a time (never more than one in flight), and the four workers the same 3 on
    nq71 (never more than three in flight)."""
    theodoinq, nq71 = figures["push"]["theodoinq"], figures["push"]["nq71"]
    assert theodoinq["accepted"] + theodoinq["rate_limited"] == theodoinq["requests"] > 44
    assert 0 < nq71["mean_in_flight"] <= nq71["mean_held"] <= 4
    pushes = [e for e in figures["full"]["pacing"] if e["stage"] == "push"]
    assert {e["system"] for e in pushes} == set(SYSTEMS)
    assert next(e for e in pushes if e["system"] == "nq71")["requests"] >= nq71["requests"]
    assert not any(e["stage"] == "push" for e in figures["noop"]["pacing"])
    naive = figures["naive"]
    assert naive["theodoinq"]["accepted"] == 3
    assert naive["nq71"]["requests"] == 9
    assert 0 < naive["nq71"]["mean_in_flight"] <= 1
    four = figures["four_workers"]["nq71"]
    assert four["requests"] == 9 and four["throttled"] == 0
    assert 0 < four["mean_in_flight"] <= 3
