"""Evidence files named by a row: found beside the workbook, hashed by streaming.

A name in `Tệp minh chứng` is relative to the workbook's folder (`/` or `\\` separators).
When no file has exactly that name, a folder entry whose name is the same after NFC and case
folding is used if there is exactly one (macOS writes NFD names, Windows ignores case). A name
that leads outside the source root is refused. Files are hashed in 1 MiB chunks, each file once.
"""

import hashlib
import os
import re
from pathlib import Path
from typing import BinaryIO

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
    """The sha256 (hex) and size of a file, streamed, never read whole."""
    with path.open("rb") as stream:
        return hash_stream(stream, chunk_size)


def split_names(text: str) -> list[str]:
    """The file names of a `Tệp minh chứng` cell: `;` or line-break separated, normalised."""
    names = (normalize_text(part) for part in re.split(r"[;\r\n]", text))
    return list(dict.fromkeys(n for n in names if n))


def _name_key(name: str) -> str:
    return normalize_text(name).casefold()


class EvidenceResolver:
    """Finds and hashes evidence files under one source root, hashing each file once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self._found: dict[Path, EvidenceFile] = {}

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
            try:
                sha256, size = hash_file(path)
            except OSError:
                raise CellError(f"Không đọc được tệp minh chứng: '{name}'") from None
            self._found[path] = EvidenceFile(path=relative.as_posix(), sha256=sha256, size=size)
        return self._found[path]

    @staticmethod
    def _locate(folder: Path, parts: list[str]) -> Path | None:
        current = folder
        try:
            for part in parts:
                if part in ("", "."):
                    continue
                if part == "..":
                    current = current.parent
                    continue
                candidate = current / part
                if not candidate.exists():
                    key = _name_key(part)
                    matches = [e for e in current.iterdir() if _name_key(e.name) == key]
                    if len(matches) != 1:
                        return None
                    candidate = matches[0]
                current = candidate
            return current if current.is_file() else None
        except OSError:
            return None
