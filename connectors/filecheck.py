"""Evidence files checked before any upload: size limit and content type by magic bytes."""

import zipfile
from pathlib import Path

ALLOWED = ("pdf", "jpeg", "png", "docx", "xlsx")


def sniff_type(path: Path) -> str | None:
    """The file's type judged by content (PDF, JPEG, PNG, DOCX, XLSX), or None.

    Reads the first bytes and, for ZIP containers, only the central directory.
    """
    with path.open("rb") as stream:
        head = stream.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return None
        if any(name.startswith("word/") for name in names):
            return "docx"
        if any(name.startswith("xl/") for name in names):
            return "xlsx"
    return None


def check_file(path: Path, max_bytes: int) -> str | None:
    """Why the file cannot be sent (in Vietnamese), or None when it can."""
    if not path.is_file():
        return f"Không tìm thấy tệp minh chứng {path.name}."
    size = path.stat().st_size
    if size > max_bytes:
        return (
            f"Tệp {path.name} quá lớn ({size / 1048576:.1f} MiB, "
            f"tối đa {max_bytes / 1048576:.0f} MiB)."
        )
    if sniff_type(path) is None:
        return f"Tệp {path.name} không phải PDF, JPEG, PNG, DOCX hay XLSX (xét theo nội dung)."
    return None
