"""The corpus of broken and hostile inputs (local_corpus.py), each read as a SOURCE.

Every case runs in a daemon thread joined with a generous timeout: a safety net against a
hang (a pipe opened for reading, a zip bomb), never a measure of speed. Each case's outcome is
asserted exactly: its records, its errors (placed at their file, sheet, row and column), or the
refusal of the whole source; no case may end in a traceback, a logged fault or an internal-fault
error.
"""

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import structlog
from local_corpus import CASES, GOOD, Case, workbook
from structlog.testing import capture_logs

from connectors.local import reader
from connectors.local.grid import SourceError
from connectors.local.reader import INTERNAL_FAULT, read_source
from flows.workbook_commands import validate_command
from models.records import ReadResult

SAFETY_NET_SECONDS = 300.0
T = TypeVar("T")


def bounded(work: Callable[[], T]) -> T:
    """WORK's result, run in a daemon thread; fails the test if it never returns."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(SAFETY_NET_SECONDS)
    if thread.is_alive():
        pytest.fail("the reader did not return (hang)")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def build(case: Case, folder: Path) -> Path:
    """Write CASE under FOLDER; the path to read as SOURCE."""
    src, outside = folder / "src", folder / "outside"
    src.mkdir(parents=True)
    outside.mkdir()
    case.build(src, outside)
    return src / case.source if case.source else src


def test_the_corpus_is_large_and_names_every_case_of_the_issue() -> None:
    """At least 40 cases, with unique names, including every input the issue names."""
    names = [c.name for c in CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)
    named_by_the_issue = {
        "don_vi_nhan_doc_cot_a",
        "don_vi_ma_la_ten_dung",
        "thieu_cot_gia_tri",
        "cot_gia_tri_bi_o_gop_che",
        "cong_thuc_chua_tinh_o_gia_tri",
        "phan_tram_am",
        "phan_tram_10_mu_15",
        "hoan_thanh_10_phan_tram",
        "ky_11_2025",
        "minh_chung_lien_ket_ra_ngoai",
        "bom_nen_70_mib",
        "ong_dan_ten_xlsx",
        "minh_chung_exe_doi_ten_pdf",
        "minh_chung_0_byte",
        "minh_chung_11_mib",
        "csv_cp1258",
    }
    assert named_by_the_issue <= set(names)


def _expected_errors_match(case: Case, result: ReadResult) -> None:
    found = [(e.file, e.sheet, e.row, e.column, e.reason) for e in result.errors]
    assert len(found) == len(case.errors), found
    for (file, sheet, row, column, reason), spec in zip(found, case.errors, strict=True):
        assert (file, sheet, row, column) == spec[:4], found
        assert re.search(spec[4], reason), (reason, spec[4])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_input_has_its_exact_outcome(case: Case, tmp_path: Path) -> None:
    """The case gives exactly its records and placed errors (or the source's refusal), with
    no traceback, no logged fault and no internal-fault error."""
    source = build(case, tmp_path)
    with capture_logs() as logs:
        if case.source_error is not None:
            with pytest.raises(SourceError) as info:
                bounded(lambda: read_source(source))
            assert re.search(case.source_error, info.value.reason)
            result = ReadResult()
        else:
            result = bounded(lambda: read_source(source))
    assert [entry for entry in logs if entry["log_level"] in ("error", "critical")] == []
    assert all(INTERNAL_FAULT not in e.reason for e in result.errors)
    assert [(r.source.file, r.source.row, r.target_code) for r in result.records] == list(
        case.records
    )
    _expected_errors_match(case, result)
    assert case.records or case.errors or case.source_error, "a case must expect something"
    if case.check is not None:
        case.check(result)


def test_validate_refuses_exactly_what_read_source_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`nqsync validate` (its command function, which `sync --dry-run` shares the reader with)
    and `read_source` give the same records and errors on every corpus entry, and refuse the
    same entries: those the corpus expects to be refused."""
    refused_by_validate, refused_by_reader = set(), set()
    for case in CASES:
        source = build(case, tmp_path / case.name)
        code = bounded(lambda source=source: validate_command(source, as_json=True))
        out = capsys.readouterr().out
        try:
            result = bounded(lambda source=source: read_source(source))
        except SourceError:
            assert code == 2 and out == ""
            refused_by_validate.add(case.name)
            refused_by_reader.add(case.name)
            continue
        payload = json.loads(out)
        assert payload == {
            "records": [r.model_dump(mode="json") for r in result.records],
            "errors": [e.model_dump(mode="json") for e in result.errors],
        }
        assert code == (1 if result.errors else 0)
        if code:
            refused_by_validate.add(case.name)
        if result.errors:
            refused_by_reader.add(case.name)
    expected = {c.name for c in CASES if c.errors or c.source_error}
    assert refused_by_validate == refused_by_reader == expected


def test_an_unexpected_exception_is_an_internal_fault_logged_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug of ours while reading one file is logged with its traceback and reported as one
    file error saying it is an internal fault; the other files are still read."""
    workbook(tmp_path / "VHXH_2026-11.xlsx")
    workbook(tmp_path / "VPUB_2026-11.xlsx", [["1.5.8", None, "11/2026", 70, 88, "Đang thực hiện"]])
    original = reader._parse_report_row

    def broken(row, context, heading):  # type: ignore[no-untyped-def]
        if context.file.startswith("VHXH"):
            raise ZeroDivisionError("a bug of ours")
        return original(row, context, heading)

    monkeypatch.setattr(reader, "_parse_report_row", broken)
    with capture_logs() as logs:
        result = read_source(tmp_path)
    assert [(r.source.file, r.target_code) for r in result.records] == [
        ("VPUB_2026-11.xlsx", "1.5.8")
    ]
    assert [(e.file, e.sheet, e.row, e.column, e.reason) for e in result.errors] == [
        ("VHXH_2026-11.xlsx", "", None, None, INTERNAL_FAULT)
    ]
    assert INTERNAL_FAULT.startswith("Lỗi nội bộ của nqsync") and "không phải lỗi" in INTERNAL_FAULT
    faults = [e for e in logs if e["event"] == "local_file_internal_fault"]
    assert len(faults) == 1
    assert faults[0]["log_level"] == "error" and faults[0]["exc_info"] is True
    assert faults[0]["file"] == "VHXH_2026-11.xlsx"


def test_the_internal_fault_log_carries_the_traceback_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendered through structlog's exception formatter, the event holds the traceback."""
    workbook(tmp_path / "VHXH_2026-11.xlsx", [GOOD])

    def broken(*_: object) -> None:
        raise ZeroDivisionError("a bug of ours")

    monkeypatch.setattr(reader, "_parse_report_row", broken)
    seen: list[dict[str, object]] = []

    def keep(_: object, __: str, event: dict[str, object]) -> dict[str, object]:
        seen.append(event)
        raise structlog.DropEvent

    with capture_logs(processors=[structlog.processors.format_exc_info, keep]):
        read_source(tmp_path)
    assert len(seen) == 1
    assert "Traceback" in str(seen[0]["exception"])
    assert "ZeroDivisionError: a bug of ours" in str(seen[0]["exception"])
