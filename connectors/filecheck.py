"""Evidence files checked the same way at `validate` time and before any upload.

`check_file` is the one check: the file must stay inside the source folder once links are
resolved, be a regular file (no pipe, device, socket or folder), be non-empty, fit the size
limit, and be a PDF, JPEG, PNG, DOCX or XLSX judged by content (magic bytes). Files are opened
with `open_regular`, which never blocks on a pipe and refuses anything but a regular file.
"""

import os
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

ALLOWED = ("pdf", "jpeg", "png", "docx", "xlsx")
MIB = 1024 * 1024

MAX_BYTES: Mapping[str, int] = {"theodoinq": 10 * MIB, "nq71": 50 * MIB}
"""Each system's size limit for one evidence file (the contracts)."""

STRICTEST_SYSTEM = min(MAX_BYTES, key=lambda system: MAX_BYTES[system])
"""The system with the smallest limit: what `validate` checks against."""


class NotRegularFile(OSError):
    """A path that names a pipe, device, socket or folder instead of a regular file."""


def open_regular(path: Path) -> BinaryIO:
    """PATH opened for binary reading, links followed; NotRegularFile unless it is a regular
    file. Never blocks on a named pipe (it is opened non-blocking and refused)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.exists(path) and not os.path.isfile(path):
            raise NotRegularFile(exc.errno, "not a regular file", str(path)) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(0, "not a regular file", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def is_inside(path: Path, root: Path) -> bool:
    """Whether PATH, every link resolved, lies inside ROOT (itself resolved)."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def sniff_type(path: Path) -> str | None:
    """The file's type judged by content (PDF, JPEG, PNG, DOCX, XLSX), or None (also for
    anything that is not a readable regular file).

    Reads the first bytes and, for ZIP containers, only the central directory.
    """
    try:
        with open_regular(path) as stream:
            head = stream.read(8)
            if head.startswith(b"%PDF-"):
                return "pdf"
            if head.startswith(b"\xff\xd8\xff"):
                return "jpeg"
            if head.startswith(b"\x89PNG\r\n\x1a\n"):
                return "png"
            if not head.startswith(b"PK\x03\x04"):
                return None
            stream.seek(0)
            with zipfile.ZipFile(stream) as archive:
                names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return None


def _mib(size: int) -> str:
    return f"{size / MIB:.1f}".replace(".", ",")


def check_file(
    path: Path, max_bytes: int, *, root: Path | None = None, system: str | None = None
) -> str | None:
    """Why the file cannot be sent (in Vietnamese), or None when it can.

    ROOT, when given, is the source folder the file must stay inside (links resolved);
    SYSTEM, when given, is named as the owner of the size limit.
    """
    name = path.name
    if root is not None and not is_inside(path, root):
        return f"Tệp minh chứng {name} trỏ ra ngoài thư mục nguồn (qua liên kết): không gửi."
    try:
        info = os.stat(path)
    except OSError:
        return f"Không tìm thấy tệp minh chứng {name}."
    if not stat.S_ISREG(info.st_mode):
        kind = "một thư mục" if stat.S_ISDIR(info.st_mode) else "ống dẫn, thiết bị hoặc socket"
        return f"Tệp minh chứng {name} không phải tệp thông thường ({kind})."
    if info.st_size == 0:
        return f"Tệp minh chứng {name} rỗng (0 byte)."
    if info.st_size > max_bytes:
        owner = f", giới hạn của {system}" if system else ""
        return (
            f"Tệp {name} quá lớn ({_mib(info.st_size)} MiB, "
            f"tối đa {max_bytes / MIB:.0f} MiB{owner})."
        )
    if sniff_type(path) is None:
        return f"Tệp {name} không phải PDF, JPEG, PNG, DOCX hay XLSX (xét theo nội dung)."
    return None
