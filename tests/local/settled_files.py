"""Files dated past the racy window, and rewritten without a change of stat: what the hash and
parse caches are tested on."""

import os
import time
from pathlib import Path

HOUR_AGO_NS = time.time_ns() - 3600 * 10**9


def settle(root: Path, mtime_ns: int = HOUR_AGO_NS) -> None:
    """Date every file under ROOT an hour back, past the racy window."""
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(mtime_ns, mtime_ns))


def rewrite_keeping_stat(path: Path, data: bytes) -> None:
    """Replace PATH's bytes in place (same inode, same size) and put its mtime back."""
    before = path.stat()
    assert len(data) == before.st_size
    path.write_bytes(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
