"""Reading a source through a parse cache: an unchanged workbook is not parsed again.

What reading one workbook gave (`FileOutcome`: records, row errors, whether it is a report,
its `SourceFile`, the evidence files its rows found) is kept with every path that decided it,
each observed before it was used: the workbook itself, and for each evidence lookup
- each folder whose list of entries decided it, where a part of the name was not there as
  written (a file added, removed or renamed in it changes its mtime; the NFC and case-folding
  fallback of `connectors.local.evidence` reads that list, and a failed lookup ends there);
- the file a name led to (with its resolved path, which decides whether it is inside the
  source, so a changed link is seen).
A path is observed as its stamp, links followed: (size, mtime_ns, inode) as
`models.file_cache` takes them, and its mode (absent is a state too). The next read uses the
outcome instead of parsing when the salt of the parsing code (`code_salt`), the source root,
the root-relative file and every observation are as recorded.

A path whose mtime is less than `hash_cache.RACY_SECONDS` before the read began (or after it)
is "racy": a change in the same timestamp tick could leave its stamp as it was. Such a path is
also observed by content (a file's sha256, a folder's sorted names), and the outcome is used
again only if that content is unchanged too (as git does for racily clean index entries); once
the path is past the window the entry is written again without it. An outcome whose racy path
cannot be observed by content (a pipe, an unreadable file) is not kept, and neither is one
whose parse hit a fault of nqsync. Entries are loaded once per read
(`ParseStore.load`) and the new or renewed ones written once at its end (`flush`).
"""

import hashlib
import os
import stat as stat_module
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

import openpyxl
import pydantic
from pydantic import BaseModel, ConfigDict

from connectors.local.evidence import hash_file
from connectors.local.hash_cache import RACY_SECONDS
from models.file_cache import stamp as file_stamp
from models.parse_cache import StoredParse
from models.records import EvidenceFile, ProgressRecord, RowError, SourceFile

_PROJECT = Path(__file__).resolve().parent.parent.parent
SALTED_FILES = (
    "connectors/filecheck.py",
    "models/records.py",
    "models/catalogue.py",
    "models/units.py",
)
"""Besides every module of `connectors/local/`, the files whose code decides what a workbook
reads as (the catalogue's targets are code: it has no data file)."""

RACY_NS = RACY_SECONDS * 1_000_000_000
UNVERIFIABLE = ""
"""The content of a racy path that cannot be read: its outcome is not kept."""

Stamp = tuple[int, ...]
"""(size, mtime_ns, inode as stored, mode) of a path."""

Kind = Literal["listing", "file"]


@cache
def code_salt() -> str:
    """The sha256 of the parsing code and of the libraries' versions, computed once a process."""
    digest = hashlib.sha256()
    files = sorted((_PROJECT / "connectors" / "local").glob("*.py"))
    files += [_PROJECT / name for name in SALTED_FILES]
    for path in files:
        digest.update(path.relative_to(_PROJECT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    versions = (sys.version_info[:2], openpyxl.__version__, pydantic.VERSION)
    digest.update(repr(versions).encode())
    return digest.hexdigest()


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _content(path: str, info: os.stat_result) -> str:
    """What PATH holds: a file's sha256, a folder's sorted names."""
    try:
        if stat_module.S_ISDIR(info.st_mode):
            names = "\0".join(sorted(os.listdir(path)))
            return "folder:" + hashlib.sha256(names.encode("utf-8", "surrogateescape")).hexdigest()
        if stat_module.S_ISREG(info.st_mode):
            return "file:" + hash_file(Path(path))[0]
    except OSError:
        pass
    return UNVERIFIABLE


class Observation(BaseModel):
    """A path as it was seen: KIND says how (see the module's docstring), STAMP is None when
    it did not exist, REAL is the resolved path of a `file`, CONTENT is set for a racy path."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    path: str
    stamp: Stamp | None
    real: str = ""
    content: str | None = None

    @classmethod
    def take(cls, kind: Kind, path: str, settled_before: int) -> "Observation":
        """PATH now; its content too when its mtime is after SETTLED_BEFORE (ns)."""
        info = _stat(path)
        stamp = None if info is None else (*file_stamp(info), info.st_mode)
        racy = info is not None and info.st_mtime_ns > settled_before
        return cls(
            kind=kind,
            path=path,
            stamp=stamp,
            real=os.path.realpath(path) if kind == "file" else "",
            content=_content(path, info) if info is not None and racy else None,
        )

    def holds(self) -> bool:
        """Whether the path is still as seen (by content too, when that was seen)."""
        info = _stat(self.path)
        stamp = None if info is None else (*file_stamp(info), info.st_mode)
        if stamp != self.stamp:
            return False
        if self.kind == "file" and os.path.realpath(self.path) != self.real:
            return False
        if self.content is None:
            return True
        return info is not None and _content(self.path, info) == self.content

    def renewed(self, settled_before: int) -> "Observation":
        """The same observation, without its content once its mtime is before SETTLED_BEFORE."""
        if self.content is None or self.stamp is None or self.stamp[1] > settled_before:
            return self
        return self.model_copy(update={"content": None})


class FileOutcome(BaseModel):
    """What reading one workbook gave; NAMED is the root-relative paths of the evidence files
    its rows found (also in rows that had errors)."""

    model_config = ConfigDict(frozen=True)

    records: tuple[ProgressRecord, ...] = ()
    errors: tuple[RowError, ...] = ()
    not_a_report: bool = False
    source_file: SourceFile | None = None
    named: tuple[str, ...] = ()


class _Entry(BaseModel):
    """What the store's `data` holds for one workbook."""

    real_root: str
    workbook: Observation
    dependencies: tuple[Observation, ...]
    outcome: FileOutcome

    def renewed(self, settled_before: int) -> "_Entry":
        return self.model_copy(
            update={
                "workbook": self.workbook.renewed(settled_before),
                "dependencies": tuple(d.renewed(settled_before) for d in self.dependencies),
            }
        )

    @property
    def observations(self) -> tuple[Observation, ...]:
        return (self.workbook, *self.dependencies)


class ParseStore(Protocol):
    """Where the entries are kept (e.g. the ledger's `models.parse_cache.ParseCacheStore`)."""

    def load(self, salt: str) -> Mapping[str, StoredParse]:
        """Every entry written under SALT, by absolute resolved workbook path."""
        ...

    def save(self, salt: str, entries: Iterable[StoredParse]) -> object:
        """Write ENTRIES under SALT, all in one transaction."""
        ...


class Watch:
    """What one workbook's parse depends on, observed as it goes (an evidence
    `LookupWatcher`); the workbook is observed on creation, before it is read."""

    def __init__(self, path: Path, settled_before: int) -> None:
        self._settled_before = settled_before
        self.workbook = Observation.take("file", str(path), settled_before)
        self._dependencies: dict[tuple[str, str], Observation] = {}
        self._named: dict[str, None] = {}

    @property
    def dependencies(self) -> tuple[Observation, ...]:
        """Each path consulted, as first observed, in the order consulted."""
        return tuple(self._dependencies.values())

    @property
    def named(self) -> tuple[str, ...]:
        """The root-relative paths of the evidence files found, sorted."""
        return tuple(sorted(self._named))

    def _note(self, kind: Kind, path: Path) -> None:
        key = (kind, str(path))
        if key not in self._dependencies:
            self._dependencies[key] = Observation.take(kind, str(path), self._settled_before)

    def listing(self, folder: Path) -> None:
        """Observe FOLDER (its list of entries decides a lookup)."""
        self._note("listing", folder)

    def located(self, path: Path) -> None:
        """Observe the file a name led to."""
        self._note("file", path)

    def found(self, evidence: EvidenceFile) -> None:
        """Note an evidence file found."""
        self._named[evidence.path] = None


class ParseCache:
    """Workbook outcomes of earlier reads, through STORE, for `reader.read_source`.

    `begin` starts a read of a source (one load of the entries); for each workbook, `reuse`
    gives the kept outcome if nothing it depended on changed, else the reader parses it under
    a `watch` and hands the outcome to `keep`; `flush` writes what was kept, in one batch.
    `parsed` and `reused` count the workbooks of the last read. CLOCK gives the current time in
    ns since the epoch (what mtimes are measured in); SALT defaults to `code_salt()`.
    """

    def __init__(
        self,
        store: ParseStore,
        *,
        clock: Callable[[], int] = time.time_ns,
        salt: str | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._salt = code_salt() if salt is None else salt
        self._known: Mapping[str, StoredParse] = {}
        self._root = ""
        self._real_root = ""
        self._settled_before = 0
        self._pending: list[StoredParse] = []
        self.parsed = 0
        self.reused = 0

    def begin(self, root: Path) -> None:
        """Start a read of the source at ROOT: load the entries kept under this salt."""
        self._settled_before = self._clock() - RACY_NS
        self._root = os.path.abspath(root)
        self._real_root = os.path.realpath(root)
        self._known = self._store.load(self._salt)
        self._pending = []
        self.parsed = self.reused = 0

    def reuse(self, path: Path, file: str) -> FileOutcome | None:
        """The kept outcome of the workbook at PATH, read as FILE, if it still holds."""
        key = os.path.realpath(path)
        stored = self._known.get(key)
        if stored is None or (stored.root, stored.file) != (self._root, file):
            return None
        try:
            entry = _Entry.model_validate_json(stored.data)
        except pydantic.ValidationError:
            return None
        if entry.real_root != self._real_root:
            return None
        if not all(observation.holds() for observation in entry.observations):
            return None
        renewed = entry.renewed(self._settled_before)
        if renewed != entry:
            self._pending.append(StoredParse(key, self._root, file, renewed.model_dump_json()))
        self.reused += 1
        return entry.outcome

    def watch(self, path: Path) -> Watch:
        """Observe the workbook at PATH before it is parsed; the watcher for its lookups."""
        self.parsed += 1
        return Watch(Path(os.path.abspath(path)), self._settled_before)

    def keep(self, path: Path, file: str, watch: Watch, outcome: FileOutcome) -> None:
        """Keep OUTCOME of the workbook at PATH, read as FILE under WATCH, unless the workbook
        is gone or a racy path could not be observed by content."""
        entry = _Entry(
            real_root=self._real_root,
            workbook=watch.workbook,
            dependencies=watch.dependencies,
            outcome=outcome,
        )
        if entry.workbook.stamp is None or any(
            o.content == UNVERIFIABLE for o in entry.observations
        ):
            return
        key = os.path.realpath(path)
        self._pending.append(StoredParse(key, self._root, file, entry.model_dump_json()))

    def flush(self) -> None:
        """Write the outcomes kept since `begin` (or the last flush), in one batch."""
        if self._pending:
            self._store.save(self._salt, self._pending)
            self._pending = []
