"""A file's type judged by its bytes, as both remotes judge evidence: pdf, jpeg, png, docx, xlsx."""

import zipfile
from typing import IO

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
_ZIP = b"PK\x03\x04"


def sniff(content: IO[bytes]) -> str | None:
    """The type of CONTENT (read from its start), lower case, or None when not supported."""
    content.seek(0)
    head = content.read(8)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if not head.startswith(_ZIP):
        return None
    content.seek(0)
    try:
        with zipfile.ZipFile(content) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return None
