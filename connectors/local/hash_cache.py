"""Hashing a source's files through a stat cache: an unchanged file is never read again.

A file is unchanged when its size, mtime (ns) and inode are those recorded when it was hashed;
the cache (`HashCache`, e.g. the ledger's `models.file_cache.FileHashCache`) then gives its
sha256 and the file is not opened. A file that is hashed is recorded with the stat taken on
the open file before reading it, unless its mtime is less than `RACY_SECONDS` before that
moment (or after it): a write in the same timestamp tick could leave size and mtime as they
were, so such a file is hashed again next time, as git does with "racy" index entries. The
new hashes go to the cache in one batch, by `flush`.
"""

import os
import stat as stat_module
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from connectors.filecheck import open_regular
from connectors.local.evidence import hash_stream

RACY_SECONDS = 2
"""How long after its last change a file's stat is trusted to tell a later change."""

Hashed = tuple[str, os.stat_result, str]
"""(absolute resolved path, stat before hashing, sha256)."""


class HashCache(Protocol):
    """Where hashes of unchanged files are found and new ones recorded."""

    def lookup(self, path: str, stat: os.stat_result) -> str | None:
        """The sha256 recorded for PATH (absolute, resolved) if STAT matches its record."""
        ...

    def remember(self, entries: Iterable[Hashed]) -> object:
        """Record each (path, stat, sha256), all in one transaction."""
        ...


class CachedHasher:
    """`hash_file` for one read of a source, through CACHE; `flush` records the new hashes."""

    def __init__(self, cache: HashCache, *, clock: Callable[[], int] = time.time_ns) -> None:
        """CLOCK gives the current time in ns since the epoch (what mtimes are measured in)."""
        self._cache = cache
        self._clock = clock
        self._pending: list[Hashed] = []
        self.read = 0
        """How many files were read and hashed (the others came from the cache)."""

    def __call__(self, path: Path) -> tuple[str, int]:
        """The sha256 and size of the regular file at PATH (an OSError when it cannot be)."""
        real = os.path.realpath(path)
        info = os.stat(real)
        if stat_module.S_ISREG(info.st_mode):
            cached = self._cache.lookup(real, info)
            if cached is not None:
                return cached, info.st_size
        with open_regular(Path(real)) as stream:
            before = os.fstat(stream.fileno())
            now = self._clock()
            sha256, size = hash_stream(stream)
        self.read += 1
        settled = now - before.st_mtime_ns >= RACY_SECONDS * 1_000_000_000
        if settled and size == before.st_size:
            self._pending.append((real, before, sha256))
        return sha256, size

    def flush(self) -> None:
        """Record the hashes made since the last flush, in one batch."""
        if self._pending:
            self._cache.remember(self._pending)
            self._pending = []
