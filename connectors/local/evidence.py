"""Evidence files named by a row: found beside the workbook, checked, hashed by streaming.

A name in `Tệp minh chứng` is relative to the workbook's folder (`/` or `\\` separators).
When no file has exactly that name, a folder entry whose name is the same after NFC and case
folding is used if there is exactly one (macOS writes NFD names, Windows ignores case). A name
that leads outside the source root is refused, and so is a link that resolves outside it. A
found file passes `connectors.filecheck.check_file` against the strictest system's limit (the
same check the push makes): a regular, non-empty file of an accepted type within the size
limit. Files are hashed in 1 MiB chunks, each file once, by the resolver's hasher (through a
stat cache when `connectors.local.hash_cache` gives one: an unchanged file is not read).

A `LookupWatcher` given to `watching` is told, before each is consulted, every path whose
state decided a lookup (so that `connectors.local.parse_cache` can tell whether a lookup would
still end the same way), and every evidence file found.
"""

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from connectors.filecheck import MAX_BYTES, STRICTEST_SYSTEM, check_file, open_regular
from connectors.local.normalize import CellError, normalize_text
from models.records import EvidenceFile

CHUNK_SIZE = 1024 * 1024


def hash_stream(stream: BinaryIO, chunk_size: int = CHUNK_SIZE) -> tuple[str, int]:
    """The sha256 (hex) and size of what a binary stream holds, read `chunk_size` at a time."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(chunk_size):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def hash_file(path: Path, chunk_size: int = CHUNK_SIZE) -> tuple[str, int]:
    """The sha256 (hex) and size of a regular file, streamed, never read whole
    (`filecheck.NotRegularFile`, an OSError, for a pipe or device)."""
    with open_regular(path) as stream:
        return hash_stream(stream, chunk_size)


def split_names(text: str) -> list[str]:
    """The file names of a `Tệp minh chứng` cell: `;` or line-break separated, normalised."""
    names = (normalize_text(part) for part in re.split(r"[;\r\n]", text))
    return list(dict.fromkeys(n for n in names if n))


def _name_key(name: str) -> str:
    return normalize_text(name).casefold()


FileHasher = Callable[[Path], tuple[str, int]]
"""What hashes a file: `hash_file`, or `hash_cache.CachedHasher` to skip unchanged files."""


class LookupWatcher(Protocol):
    """Told what decides an evidence lookup, each path before it is consulted: a name found
    as written is decided by the file it leads to, one that is not by the folder's list."""

    def listing(self, folder: Path) -> None:
        """FOLDER's list of entries decides the lookup (the name is not there as written)."""
        ...

    def located(self, path: Path) -> None:
        """PATH is what the name leads to: it is checked and hashed next."""
        ...

    def found(self, evidence: EvidenceFile) -> None:
        """EVIDENCE was found for the name."""
        ...


class EvidenceResolver:
    """Finds and hashes evidence files under one source root, hashing each file once."""

    def __init__(self, root: Path, hasher: FileHasher = hash_file) -> None:
        self.root = Path(os.path.abspath(root))
        self._hash = hasher
        self._found: dict[Path, EvidenceFile] = {}
        self._watcher: LookupWatcher | None = None

    @contextmanager
    def watching(self, watcher: LookupWatcher | None) -> Iterator[None]:
        """Tell WATCHER about every lookup made inside the block."""
        self._watcher = watcher
        try:
            yield
        finally:
            self._watcher = None

    @property
    def named_paths(self) -> frozenset[str]:
        """The root-relative paths of every evidence file found so far."""
        return frozenset(e.path for e in self._found.values())

    def resolve(self, folder: Path, name: str) -> EvidenceFile:
        """The evidence file `name` relative to `folder`; CellError when absent or unreadable."""
        clean = name.replace("\\", "/")
        if clean.startswith("/") or re.match(r"[A-Za-z]:/", clean):
            raise CellError(
                f"Tệp minh chứng phải ghi đường dẫn tương đối so với thư mục của tệp báo cáo: "
                f"'{name}'"
            )
        path = self._locate(Path(os.path.abspath(folder)), clean.split("/"))
        if path is None:
            raise CellError(f"Không tìm thấy tệp minh chứng: '{name}'")
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            raise CellError(f"Tệp minh chứng nằm ngoài thư mục nguồn: '{name}'") from None
        if path not in self._found:
            problem = check_file(
                path, MAX_BYTES[STRICTEST_SYSTEM], root=self.root, system=STRICTEST_SYSTEM
            )
            if problem is not None:
                raise CellError(problem)
            try:
                sha256, size = self._hash(path)
            except OSError:
                raise CellError(f"Không đọc được tệp minh chứng: '{name}'") from None
            self._found[path] = EvidenceFile(path=relative.as_posix(), sha256=sha256, size=size)
        if self._watcher is not None:
            self._watcher.found(self._found[path])
        return self._found[path]

    def _locate(self, folder: Path, parts: list[str]) -> Path | None:
        watcher = self._watcher
        current = folder
        try:
            for part in parts:
                if part in ("", "."):
                    continue
                if part == "..":
                    current = current.parent
                    continue
                candidate = current / part
                if not os.path.lexists(candidate):
                    if watcher is not None:
                        watcher.listing(current)
                    key = _name_key(part)
                    matches = [e for e in current.iterdir() if _name_key(e.name) == key]
                    if len(matches) != 1:
                        return None
                    candidate = matches[0]
                current = candidate
            if watcher is not None:
                watcher.located(current)
            return current if os.path.lexists(current) and not current.is_dir() else None
        except OSError:
            return None
