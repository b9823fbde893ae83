import pytest

from flows.benchmarks import ledger_bench, postgres


def test_without_a_cluster_the_figures_say_why_not(monkeypatch: pytest.MonkeyPatch) -> None:
    """No initdb here: the PostgreSQL figures are 'not measured' with the reason, no rates."""
    monkeypatch.setattr(postgres, "unavailable", lambda: "initdb/pg_ctl not found")
    figures = ledger_bench.ledger_writes_on_postgres(10)
    assert figures == {
        "benchmark": "ledger_writes", "size": 10, "backend": "postgresql",
        "not_measured": "initdb/pg_ctl not found",
    }


def test_on_a_throwaway_cluster_the_rates_are_measured() -> None:
    """Where a cluster can start: every rate on the `postgresql` backend."""
    reason = postgres.unavailable()
    if reason:
        pytest.skip(reason)
    figures = ledger_bench.ledger_writes_on_postgres(20)
    assert figures["backend"] == "postgresql" and "not_measured" not in figures
    for kind in ledger_bench.WRITES:
        for label in ("insert", "update"):
            rate = figures[f"{kind}_{label}_per_second"]
            assert isinstance(rate, float) and rate > 0
