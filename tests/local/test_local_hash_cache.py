import hashlib
import os
from pathlib import Path

import pytest
from settled_files import HOUR_AGO_NS, rewrite_keeping_stat

from connectors.local.hash_cache import RACY_SECONDS, CachedHasher
from connectors.local.reader import read_source
from models.file_cache import FileHashCache
from models.records import ReadResult


def evidence_sha(result: ReadResult, name: str) -> str:
    return next(e.sha256 for r in result.records for e in r.evidence if e.path.endswith(name))





PDF = "MC_CAX_1.5.17_2026-01.pdf"
WORKBOOK = "CAX/CAX_2026-01.xlsx"


def read(source: Path, url: str) -> ReadResult:
    with FileHashCache.open(url) as cache:
        return read_source(source, cache)


def test_an_unchanged_evidence_file_is_not_read_again(source: Path, url: str) -> None:
    """Bytes replaced but size, mtime and inode kept: the next run keeps the recorded hash,
    which proves the file was not read; without the cache the new bytes are hashed."""
    first = read(source, url)
    pdf = source / "CAX" / PDF
    original = pdf.read_bytes()
    forged = original.replace(b"Minh chung", b"Minh CHUNG")
    assert forged != original
    rewrite_keeping_stat(pdf, forged)
    second = read(source, url)
    assert evidence_sha(first, PDF) == hashlib.sha256(original).hexdigest()
    assert evidence_sha(second, PDF) == evidence_sha(first, PDF)
    assert evidence_sha(read_source(source), PDF) == hashlib.sha256(forged).hexdigest()


def test_an_unchanged_workbook_is_not_hashed_again(source: Path, url: str) -> None:
    """The source file's hash of an unchanged workbook comes from the cache."""
    first = read(source, url)
    workbook = source / WORKBOOK
    hashes = {f.path: f.sha256 for f in first.files}
    data = bytearray(workbook.read_bytes())
    data[-1:] = b"\x00" if data[-1:] != b"\x00" else b"\x01"
    rewrite_keeping_stat(workbook, bytes(data))
    second = read(source, url)
    assert {f.path: f.sha256 for f in second.files} == hashes


def test_a_changed_file_is_hashed_again(source: Path, url: str) -> None:
    """New content and a new mtime: the new hash, and the record carries it."""
    read(source, url)
    pdf = source / "CAX" / PDF
    changed = pdf.read_bytes() + b"\n% phu luc\n"
    pdf.write_bytes(changed)
    os.utime(pdf, ns=(HOUR_AGO_NS + 10**9, HOUR_AGO_NS + 10**9))
    assert evidence_sha(read(source, url), PDF) == hashlib.sha256(changed).hexdigest()


def test_a_file_replaced_by_another_with_the_same_size_and_mtime_is_hashed_again(
    source: Path, url: str
) -> None:
    """A new inode (the file was replaced, as editors save) is a change."""
    read(source, url)
    pdf = source / "CAX" / PDF
    forged = pdf.read_bytes().replace(b"Minh chung", b"Minh CHUNG")
    replacement = pdf.with_name("moi.tmp")
    replacement.write_bytes(forged)
    before = pdf.stat()
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, pdf)
    assert evidence_sha(read(source, url), PDF) == hashlib.sha256(forged).hexdigest()


def test_the_second_read_opens_no_file_to_hash(source: Path, url: str) -> None:
    """Counted by the hasher: every workbook and PDF read once, then none."""
    with FileHashCache.open(url) as cache:
        first = CachedHasher(cache)
        files = sorted(p for p in source.rglob("*") if p.is_file())
        hashes = [first(p) for p in files]
        first.flush()
        second = CachedHasher(cache)
        assert [second(p) for p in files] == hashes
    assert (first.read, second.read) == (len(files), 0)
    assert hashes[0] == (hashlib.sha256(files[0].read_bytes()).hexdigest(), files[0].stat().st_size)


@pytest.mark.parametrize(
    ("age_seconds", "remembered"), [(0, False), (RACY_SECONDS - 1, False), (RACY_SECONDS, True)]
)
def test_a_file_changed_within_the_racy_window_is_not_remembered(
    source: Path, url: str, age_seconds: int, remembered: bool
) -> None:
    """A file whose mtime is under RACY_SECONDS old when hashed is hashed again next time."""
    pdf = source / "CAX" / PDF
    mtime = pdf.stat().st_mtime_ns
    with FileHashCache.open(url) as cache:
        hasher = CachedHasher(cache, clock=lambda: mtime + age_seconds * 10**9)
        hasher(pdf)
        hasher.flush()
        again = CachedHasher(cache)
        again(pdf)
    assert again.read == (0 if remembered else 1)


def test_the_cache_is_written_once_at_the_end_of_a_read(source: Path, url: str) -> None:
    """One `remember` call per read_source, holding every file hashed, with resolved paths."""
    calls: list[list[str]] = []

    class Recording:
        def lookup(self, path: str, stat: os.stat_result) -> str | None:
            return None

        def remember(self, entries: list[tuple[str, os.stat_result, str]]) -> None:
            calls.append([path for path, _, _ in entries])

    result = read_source(source, Recording())
    assert len(calls) == 1
    expected = {os.path.realpath(source / f.path) for f in result.files}
    expected |= {os.path.realpath(source / e.path) for r in result.records for e in r.evidence}
    assert set(calls[0]) == expected


def test_a_read_with_and_without_the_cache_gives_the_same_result(source: Path, url: str) -> None:
    """The cache changes what is read, never what is found."""
    read(source, url)
    assert read(source, url) == read_source(source)
