"""Chunked uploads: part sizes, the check on completion (size, sha256), types by magic bytes."""

import hashlib
import math
import tempfile
from collections.abc import Iterable

from mock_servers.common.filetype import sniff

PART_SIZE = 1024 * 1024
MAX_FILE_SIZE = 50 * 1024 * 1024
_SPOOL_MAX = 8 * 1024 * 1024


def part_count(size: int) -> int:
    """How many parts a file of `size` bytes is cut into."""
    return math.ceil(size / PART_SIZE)


def expected_part_size(size: int, so_thu_tu: int) -> int:
    """The exact byte count part `so_thu_tu` must have (the last one holds the remainder)."""
    if so_thu_tu < part_count(size) - 1:
        return PART_SIZE
    return size - PART_SIZE * (part_count(size) - 1)


class Assembled:
    """A completed upload's bytes checked: size, sha256 (lower-case hex) and type."""

    def __init__(self, size: int, sha256: str, kind: str | None) -> None:
        self.size = size
        self.sha256 = sha256
        self.kind = kind


def assemble(parts: Iterable[bytes]) -> Assembled:
    """Join the parts in order into a spooled file, hashing as it goes, and judge its type."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX) as spool:
        for chunk in parts:
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        kind = sniff(spool)
    return Assembled(size, digest.hexdigest(), kind)
