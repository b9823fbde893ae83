import os
from pathlib import Path

import pytest

from connectors.local.reader import read_source
from flows.benchmarks.datasets import (
    leads,
    main,
    synthetic_reconciliation,
    write_record_set,
)
from flows.reconcile import diff_rows
from models.catalogue import targets
from models.records import ReadResult


@pytest.fixture(scope="module")
def record_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ReadResult]:
    folder = tmp_path_factory.mktemp("bench") / "source"
    written = write_record_set(folder)
    assert written.as_json() == {
        "source": str(folder),
        "periods": [f"2026-0{m}" for m in range(1, 7)],
        "records": 264,
        "workbooks": 42,
        "evidence": 264,
    }
    return folder, read_source(folder)


def test_the_record_set_reads_as_264_clean_records(record_set: tuple[Path, ReadResult]) -> None:
    """44 targets × 6 months, no row error, each target from its lead unit's workbooks."""
    _, result = record_set
    assert (len(result.records), result.errors) == (264, ())
    keys = {(r.target_code, r.period) for r in result.records}
    assert keys == {(t.code, f"2026-0{m}") for t in targets() for m in range(1, 7)}
    lead_of = leads()
    assert all(r.unit_code == lead_of[r.target_code] for r in result.records)
    assert {f.path.split("/")[0] for f in result.files} == set(lead_of.values())


def test_each_record_has_its_own_real_pdf(record_set: tuple[Path, ReadResult]) -> None:
    """One evidence file per record, a PDF by content, no two alike."""
    folder, result = record_set
    files = [e for r in result.records for e in r.evidence]
    assert len(files) == 264 and len({e.sha256 for e in files}) == 264
    assert all((folder / e.path).read_bytes().startswith(b"%PDF-") for e in files)


def test_writing_the_set_again_leaves_every_file_untouched(
    record_set: tuple[Path, ReadResult],
) -> None:
    """Same bytes: no file is rewritten, so a rerun finds the source unchanged."""
    folder, _ = record_set
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    write_record_set(folder)
    after = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    assert after == before


def test_the_command_line_writes_the_months_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--months 1 --json` writes one month (44 records) and says where."""
    assert main(["--out", str(tmp_path / "s"), "--months", "1", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"records": 44' in out and str(tmp_path / "s") in out
    assert len(read_source(tmp_path / "s").records) == 44
    assert not os.path.exists(tmp_path / "s" / "CAX" / "CAX_2026-02.xlsx")


@pytest.mark.parametrize("size", [0, 1, 500])
def test_a_synthetic_case_has_the_entries_it_announces(size: int) -> None:
    """The diff of a case of size N has `entries` rows, at least N, at most N + 1."""
    case = synthetic_reconciliation(size)
    rows = diff_rows(
        case.system, case.selected, case.remotes, case.changes, case.results, case.skipped
    )
    assert len(rows) == case.entries
    assert size <= case.entries <= size + 1


def test_a_synthetic_case_mixes_the_statuses_and_is_reproducible() -> None:
    """Most entries in sync, every kind the generator makes present; same seed, same case."""
    case = synthetic_reconciliation(3000)
    rows = diff_rows(
        case.system, case.selected, case.remotes, case.changes, case.results, case.skipped
    )
    statuses = {row.status.value for row in rows}
    assert statuses == {
        "in_sync", "updated", "created", "conflict", "held", "failed", "missing_remote",
        "remote_only", "duplicate",
    }
    assert sum(row.status.value == "in_sync" for row in rows) > len(rows) * 0.8
    assert synthetic_reconciliation(3000) == case
    assert synthetic_reconciliation(3000, seed=1) != case


def test_a_negative_size_is_refused() -> None:
    """No case of fewer than zero entries."""
    with pytest.raises(ValueError):
        synthetic_reconciliation(-1)
