"""The parse cache: an unchanged workbook is not parsed again, and what the cache gives is
always what a fresh parse of the source gives.

Parses are counted at the seam where a workbook is opened (`reader.load_sheets`), besides the
cache's own counters. Every cached read is compared with `read_source` without any cache.
"""

import ast
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest
from local_corpus import CASES, Case
from openpyxl import load_workbook
from settled_files import HOUR_AGO_NS, rewrite_keeping_stat, settle
from sqlalchemy import event

from connectors.local import parse_cache as parse_cache_module
from connectors.local import reader
from connectors.local.grid import Sheet, load_sheets
from connectors.local.parse_cache import SALTED_FILES, ParseCache, code_salt
from connectors.local.reader import INTERNAL_FAULT, read_source
from models.parse_cache import ParseCacheStore, StoredParse
from models.records import ReadResult

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).resolve().parents[2]

WORKBOOK = "CAX_2026-01.xlsx"
PDF = "MC_CAX_1.5.17_2026-01.pdf"
RENAMED = "mc_cax_1.5.17_2026-01.PDF"


def settled() -> int:
    """A clock an hour ahead: every file under test is past the racy window."""
    return time.time_ns() + 3600 * 10**9



def touch_later(path: Path) -> None:
    """Give PATH a new mtime, a second after the settled one."""
    os.utime(path, ns=(HOUR_AGO_NS + 10**9, HOUR_AGO_NS + 10**9))






@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the workbooks the reader opens, in order."""
    opened: list[str] = []

    def counting(path: Path) -> list[Sheet]:
        opened.append(path.name)
        return load_sheets(path)

    monkeypatch.setattr(reader, "load_sheets", counting)
    return opened


def read(
    source: Path,
    url: str,
    *,
    clock: Callable[[], int] = settled,
    salt: str = "salt",
    wrap: Callable[[ParseCacheStore], object] | None = None,
) -> tuple[ReadResult, ParseCache]:
    """SOURCE read through the parse cache on the ledger database at URL."""
    with ParseCacheStore.open(url) as store:
        cache = ParseCache(wrap(store) if wrap else store, clock=clock, salt=salt)  # type: ignore[arg-type]
        return read_source(source, parse_cache=cache), cache


def evidence_of(result: ReadResult, code: str, unit: str = "CAX") -> list[tuple[str, str]]:
    """(path, sha256) of the evidence of UNIT's record for target CODE."""
    record = next(r for r in result.records if (r.unit_code, r.target_code) == (unit, code))
    return [(e.path, e.sha256) for e in record.evidence]


def test_an_unchanged_source_is_read_again_without_parsing(
    source: Path, url: str, loads: list[str]
) -> None:
    """The second read opens no workbook and gives exactly the first read's result, which is
    a fresh parse's."""
    first, cache = read(source, url)
    workbooks = len(first.files)
    assert workbooks >= 6 and (cache.parsed, cache.reused) == (workbooks, 0)
    assert len(loads) == workbooks
    loads.clear()
    second, cache = read(source, url)
    assert (cache.parsed, cache.reused, loads) == (0, workbooks, [])
    assert second == first == read_source(source)


def test_an_edited_workbook_alone_is_parsed_again(
    source: Path, url: str, loads: list[str]
) -> None:
    """New content and mtime in one workbook: that file only is parsed, and its new note is
    read."""
    first, _ = read(source, url)
    path = source / "CAX" / WORKBOOK
    book = load_workbook(path)
    sheet = book["Báo cáo"]
    header = next(row for row in sheet.iter_rows() if any(c.value == "Ghi chú" for c in row))
    note = next(c.column for c in header if c.value == "Ghi chú")
    code = next(c.column for c in header if c.value == "Mã chỉ tiêu")
    target = next(
        r for r in range(sheet.min_row, sheet.max_row + 1) if sheet.cell(r, code).value == "1.5.17"
    )
    sheet.cell(target, note).value = "Đã sửa lại số liệu"
    book.save(path)
    touch_later(path)
    loads.clear()
    second, cache = read(source, url)
    assert loads == [WORKBOOK] and cache.parsed == 1
    assert second == read_source(source) != first
    changed = next(r for r in second.records if (r.unit_code, r.target_code) == ("CAX", "1.5.17"))
    assert changed.note == "Đã sửa lại số liệu"


def _change(pdf: Path) -> None:
    pdf.write_bytes(pdf.read_bytes() + b"\n% phu luc\n")
    touch_later(pdf)


def _remove(pdf: Path) -> None:
    pdf.unlink()


def _rename_case(pdf: Path) -> None:
    pdf.rename(pdf.with_name(RENAMED))


@pytest.mark.parametrize(
    "mutate", [_change, _remove, _rename_case], ids=["changed", "removed", "renamed_case"]
)
def test_a_change_to_a_named_evidence_file_parses_its_workbook_again(
    source: Path, url: str, loads: list[str], mutate: Callable[[Path], None]
) -> None:
    """Evidence changed, removed, or renamed to differ only in case: the workbook naming it is
    parsed again (no other), and the result is a fresh parse's."""
    first, _ = read(source, url)
    mutate(source / "CAX" / PDF)
    loads.clear()
    second, cache = read(source, url)
    assert loads == [WORKBOOK] and cache.parsed == 1
    fresh = read_source(source)
    assert second == fresh != first


def test_evidence_that_appears_after_it_was_missing_is_found(
    source: Path, url: str, loads: list[str]
) -> None:
    """A row named a missing file (a row error); the file appears, as written or only under
    another case: each time the workbook is parsed again and the record is read."""
    pdf = source / "CAX" / PDF
    data = pdf.read_bytes()
    pdf.unlink()
    missing, _ = read(source, url)
    assert any(e.file == f"CAX/{WORKBOOK}" and PDF in e.reason for e in missing.errors)
    (source / "CAX" / RENAMED).write_bytes(data)
    loads.clear()
    other_case, _ = read(source, url)
    assert loads == [WORKBOOK]
    assert other_case == read_source(source)
    assert [p for p, _ in evidence_of(other_case, "1.5.17")] == [f"CAX/{RENAMED}"]
    (source / "CAX" / RENAMED).unlink()
    pdf.write_bytes(data)
    loads.clear()
    as_written, _ = read(source, url)
    assert loads == [WORKBOOK]
    assert as_written == read_source(source)
    assert [p for p, _ in evidence_of(as_written, "1.5.17")] == [f"CAX/{PDF}"]


def test_a_second_spelling_on_disk_makes_a_case_folded_name_ambiguous(
    source: Path, url: str
) -> None:
    """A name found only by case folding depends on the folder's list: a second file that
    matches makes it ambiguous, and the cached result follows."""
    pdf = source / "CAX" / PDF
    pdf.rename(pdf.with_name(RENAMED))
    found, _ = read(source, url)
    assert [p for p, _ in evidence_of(found, "1.5.17")] == [f"CAX/{RENAMED}"]
    data = (source / "CAX" / RENAMED).read_bytes()
    (source / "CAX" / "MC_cax_1.5.17_2026-01.pdf").write_bytes(data)
    ambiguous, cache = read(source, url)
    assert cache.parsed == 1
    assert ambiguous == read_source(source) != found
    assert not any((r.unit_code, r.target_code) == ("CAX", "1.5.17") for r in ambiguous.records)


def test_a_file_added_beside_the_workbooks_parses_nothing_again(
    source: Path, url: str, loads: list[str]
) -> None:
    """Every evidence name was found as written, so a new file in the folder (Excel's lock
    file of an open workbook) changes no lookup: nothing is parsed."""
    read(source, url)
    (source / "CAX" / f"~${WORKBOOK}").write_bytes(b"lock")
    loads.clear()
    second, cache = read(source, url)
    assert (loads, cache.parsed) == ([], 0)
    assert second == read_source(source)


CSV_REPORT = "CAX_2026-11.csv"


def _forge_evidence(source: Path) -> None:
    pdf = source / "CAX" / PDF
    rewrite_keeping_stat(pdf, pdf.read_bytes().replace(b"/Type /Catalog", b"/Type /CATALOG"))


def _forge_workbook(source: Path) -> None:
    csv = source / CSV_REPORT
    rewrite_keeping_stat(csv, csv.read_bytes().replace(b'"87,5","87,5%"', b'"88,5","88,5%"'))


@pytest.mark.parametrize("racy", [True, False], ids=["racy", "settled"])
@pytest.mark.parametrize(
    ("forge", "parsed"),
    [(_forge_evidence, WORKBOOK), (_forge_workbook, CSV_REPORT)],
    ids=["evidence", "workbook"],
)
def test_a_racy_file_is_checked_by_content(
    source: Path,
    url: str,
    loads: list[str],
    racy: bool,
    forge: Callable[[Path], None],
    parsed: str,
) -> None:
    """A file rewritten without a new stamp (same size, mtime and inode): when it had changed
    less than RACY_SECONDS before the read (clock injected), its content is compared and the
    change is read; past that window the stamp is trusted, as the hash cache trusts it."""
    shutil.copy(FIXTURES / "csv" / CSV_REPORT, source / CSV_REPORT)
    settle(source)
    mtime = (source / CSV_REPORT).stat().st_mtime_ns

    def clock() -> int:
        return mtime + 10**9 if racy else settled()

    first, _ = read(source, url, clock=clock)
    forge(source)
    loads.clear()
    second, _ = read(source, url, clock=clock)
    assert (loads == [parsed]) is racy
    assert (second == read_source(source) != first) is racy
    assert (second == first) is not racy


class Recording:
    """A store that counts its loads and writes."""

    def __init__(self, store: ParseCacheStore) -> None:
        self.store = store
        self.saved: list[int] = []

    def load(self, salt: str) -> Mapping[str, StoredParse]:
        return self.store.load(salt)

    def save(self, salt: str, entries: Iterable[StoredParse]) -> int:
        batch = list(entries)
        self.saved.append(len(batch))
        return self.store.save(salt, batch)


def test_a_racy_entry_is_written_again_once_settled(source: Path, url: str) -> None:
    """Kept while racy, then written once more when past the window, then left alone."""
    recorders: list[Recording] = []

    def recording(store: ParseCacheStore) -> Recording:
        recorders.append(Recording(store))
        return recorders[-1]

    racy = HOUR_AGO_NS + 10**9
    first, _ = read(source, url, clock=lambda: racy, wrap=recording)
    for _ in range(2):
        again, cache = read(source, url, wrap=recording)
        assert again == first and cache.parsed == 0
    assert [r.saved for r in recorders] == [[len(first.files)], [len(first.files)], []]


def test_a_racy_path_that_cannot_be_read_by_content_is_not_kept(
    source: Path, url: str
) -> None:
    """Evidence that is a named pipe changed within the racy window: the workbook naming it is
    parsed again next time; past the window it is kept."""
    pdf = source / "CAX" / PDF
    pdf.unlink()
    os.mkfifo(pdf)
    now = time.time_ns()
    read(source, url, clock=lambda: now)
    _, racy = read(source, url, clock=lambda: now)
    read(source, url)
    again, settled_cache = read(source, url)
    assert racy.parsed == 1 and settled_cache.parsed == 0
    assert again == read_source(source)


def test_another_code_salt_parses_again(source: Path, url: str) -> None:
    """Entries of another code version are not used (and are replaced by the new ones)."""
    first, old = read(source, url, salt="v1")
    second, new = read(source, url, salt="v2")
    third, kept = read(source, url, salt="v2")
    fourth, back = read(source, url, salt="v1")
    n = len(first.files)
    assert (old.parsed, new.parsed, kept.parsed, back.parsed) == (n, n, 0, n)
    assert first == second == third == fourth


def test_the_code_salt_covers_the_parsing_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change to any byte of the parsing code gives another salt."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT / "connectors" / "local", copy / "connectors" / "local")
    for name in SALTED_FILES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT / name, copy / name)
    monkeypatch.setattr(parse_cache_module, "_PROJECT", copy)
    compute = code_salt.__wrapped__
    before = compute()
    assert before == code_salt() and len(before) == 64
    for name in ("connectors/local/normalize.py", "models/catalogue.py"):
        with (copy / name).open("a") as stream:
            stream.write("\n")
        after = compute()
        assert after != before
        before = after


def _project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    return {n for n in names if n.split(".")[0] in ("connectors", "models")}


def test_every_module_the_reader_imports_is_salted() -> None:
    """The project modules reachable from the reader are salted, but for the stores the cache
    writes to, which decide nothing about what a workbook reads as."""
    local = (PROJECT / "connectors" / "local").glob("*.py")
    salted = {p.relative_to(PROJECT).as_posix() for p in local}
    salted |= set(SALTED_FILES)
    stores = {"models.file_cache", "models.parse_cache"}
    seen: set[str] = set()
    pending = ["connectors.local.reader"]
    while pending:
        module = pending.pop()
        if module in seen or module in stores:
            continue
        seen.add(module)
        path = PROJECT / (module.replace(".", "/") + ".py")
        if not path.exists():
            path = PROJECT / module.replace(".", "/") / "__init__.py"
        assert path.relative_to(PROJECT).as_posix() in salted or path.stat().st_size == 0, module
        pending.extend(_project_imports(path))
    assert "connectors.local.normalize" in seen and "models.catalogue" in seen


def test_a_file_whose_parse_hit_a_fault_is_never_kept(
    source: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An internal fault is reported for that file and the file is parsed again next time."""
    original = reader._read_report

    def faulty(path: Path, *args: object) -> object:
        if path.name == WORKBOOK:
            raise RuntimeError("boom")
        return original(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "_read_report", faulty)
    faulted, _ = read(source, url)
    assert any(e.reason == INTERNAL_FAULT for e in faulted.errors)
    monkeypatch.setattr(reader, "_read_report", original)
    healed, cache = read(source, url)
    assert cache.parsed == 1
    assert healed == read_source(source)


def test_a_workbook_read_under_another_root_is_parsed_again(source: Path, url: str) -> None:
    """Records carry the root-relative file: a read of a subfolder does not take the entry
    kept for the whole source (it replaces it: one entry per workbook), nor the other way."""
    first, _ = read(source, url)
    unit, cache = read(source / "CAX", url)
    assert cache.parsed == len(unit.files) and unit == read_source(source / "CAX")
    assert {f.path for f in unit.files} == {WORKBOOK}
    whole, again = read(source, url)
    assert (again.parsed, again.reused) == (1, len(first.files) - 1)
    assert whole == first


def test_the_cache_is_read_once_and_written_once_per_read(source: Path, url: str) -> None:
    """One SELECT of the entries at the start and one bulk INSERT at the end."""
    statements: list[str] = []
    with ParseCacheStore.open(url) as store:

        @event.listens_for(store.engine, "before_cursor_execute")
        def record(_c: object, _x: object, sql: str, *_: object) -> None:
            if "ledger_parse_cache" in sql and sql.lstrip().startswith(("SELECT", "INSERT")):
                statements.append(sql.lstrip().split()[0])

        read_source(source, parse_cache=ParseCache(store, clock=settled))
        first = list(statements)
        statements.clear()
        read_source(source, parse_cache=ParseCache(store, clock=settled))
    assert first == ["SELECT", "INSERT"]
    assert statements == ["SELECT"]


class Hiding:
    """A store that loses the entry of one file (as if it were pruned)."""

    def __init__(self, store: ParseCacheStore, name: str) -> None:
        self.store, self.name = store, name

    def load(self, salt: str) -> Mapping[str, StoredParse]:
        return {k: v for k, v in self.store.load(salt).items() if not k.endswith(self.name)}

    def save(self, salt: str, entries: Iterable[StoredParse]) -> int:
        return self.store.save(salt, entries)


@pytest.mark.parametrize("parsed", ["bang_tong_hop.xlsx", "VHXH_2026-11.xlsx"])
def test_a_workbook_named_as_evidence_stays_evidence_across_cached_files(
    tmp_path: Path, url: str, parsed: str
) -> None:
    """A not-a-report workbook that another file's row names is evidence, not an error,
    whichever of the two comes from the cache and which is parsed; row errors of every
    broken workbook come back identical."""
    source = tmp_path / "files"
    shutil.copytree(FIXTURES / "files", source)
    first, _ = read(source, url)
    second, cache = read(source, url, wrap=lambda store: Hiding(store, parsed))
    assert cache.parsed == 1
    fresh = read_source(source)
    assert first == second == fresh
    named = "bang_tong_hop.xlsx"
    assert named not in {f.path for f in fresh.files} | {e.file for e in fresh.errors}
    assert len(fresh.errors) >= 5


@pytest.mark.parametrize(
    "folder", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name != "assignments")
)
def test_every_fixture_reads_the_same_from_the_cache(tmp_path: Path, url: str, folder: str) -> None:
    """Each committed fixture folder: the cached read equals a fresh parse."""
    source = tmp_path / folder
    shutil.copytree(FIXTURES / folder, source)
    read(source, url)
    cached, cache = read(source, url)
    assert cache.parsed == 0
    assert cached == read_source(source)


@pytest.mark.parametrize("case", [c for c in CASES if c.source_error is None], ids=lambda c: c.name)
def test_every_corpus_case_reads_the_same_from_the_cache(
    tmp_path: Path, url: str, case: Case
) -> None:
    """Each broken or hostile input, just written (racy: checked by content), then past the
    window (checked by stamp): both cached reads equal a fresh parse."""
    src, outside = tmp_path / "src", tmp_path / "outside"
    src.mkdir()
    outside.mkdir()
    case.build(src, outside)
    source = src / case.source if case.source else src
    racy, _ = read(source, url, clock=time.time_ns)
    settled_read, _ = read(source, url)
    fresh = read_source(source)
    assert racy == fresh
    assert settled_read == fresh

