"""Look inside an `.xlsx` container before openpyxl opens it, with limits no real workbook
reaches: a zip bomb, an XML entity bomb or a merged range of millions of cells is refused
here, in bounded time, instead of keeping openpyxl busy for minutes.

Checked from the central directory: the number of members, the declared uncompressed size
(Python's zipfile never inflates a member past its declared size) and each large member's
compression ratio. Then the XML parts are streamed once: no `<!DOCTYPE` (real workbooks have
none), the area of the worksheets' merged ranges, and whether any cell holds a formula.
"""

import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED = 64 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
"""Members smaller than this are not judged by their compression ratio."""
MAX_MERGED_CELLS = 1_000_000

_CHUNK = 1024 * 1024
_CARRY = 256
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_MERGE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref="'
    rb'\$?([A-Z]{1,3})\$?(\d{1,7}):\$?([A-Z]{1,3})\$?(\d{1,7})"',
    re.IGNORECASE,
)


class ArchiveRefused(Exception):
    """A container refused before opening; `reason` is in Vietnamese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ArchiveFacts:
    """What the pre-scan learnt: whether any worksheet cell holds a formula."""

    has_formulas: bool


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def inspect_archive(stream: BinaryIO) -> ArchiveFacts:
    """Check an `.xlsx` container read from STREAM; ArchiveRefused when it exceeds a limit.
    zipfile.BadZipFile when it is no ZIP at all."""
    with zipfile.ZipFile(stream) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ArchiveRefused(
                f"Tệp Excel có {len(members)} thành phần (tối đa {MAX_MEMBERS}): không mở"
            )
        total = sum(m.file_size for m in members)
        if total > MAX_UNCOMPRESSED:
            raise ArchiveRefused(
                f"Tệp Excel khi giải nén lớn {_mib(total)} MiB (tối đa "
                f"{_mib(MAX_UNCOMPRESSED)} MiB): có thể là 'bom nén', không mở"
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
                raise ArchiveRefused(
                    f"Thành phần '{member.filename}' của tệp Excel nén gấp {ratio:.0f} lần "
                    f"(tối đa {MAX_RATIO} lần): có thể là 'bom nén', không mở"
                )
        has_formulas = False
        merged = 0
        for member in members:
            name = member.filename
            if not name.endswith((".xml", ".rels")):
                continue
            is_sheet = name.startswith("xl/worksheets/")
            found_formula, area = _scan(archive, member, is_sheet)
            has_formulas = has_formulas or found_formula
            merged += area
            if merged > MAX_MERGED_CELLS:
                raise ArchiveRefused(
                    f"Tệp Excel gộp ô trên hơn {MAX_MERGED_CELLS:,} ô".replace(",", ".")
                    + ": không mở (hãy bỏ gộp các vùng ô quá lớn)"
                )
    return ArchiveFacts(has_formulas=has_formulas)


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo, is_sheet: bool) -> tuple[bool, int]:
    """(any formula, merged area) of one XML member, streamed; refuses a DOCTYPE."""
    found_formula = False
    area = 0
    tail = b""
    with archive.open(member) as part:
        first = True
        while chunk := part.read(_CHUNK):
            data = tail + chunk
            if first and _DOCTYPE.search(data[:4096]):
                raise ArchiveRefused(
                    f"Thành phần '{member.filename}' của tệp Excel có khai báo DOCTYPE "
                    "(tệp Excel thật không có): không mở"
                )
            first = False
            if not is_sheet:
                break
            found_formula = found_formula or bool(_FORMULA.search(data))
            end = 0
            for match in _MERGE.finditer(data):
                if match.end() <= len(tail):
                    continue
                left, top, right, bottom = match.groups()
                width = abs(_column_number(right) - _column_number(left)) + 1
                height = abs(int(bottom) - int(top)) + 1
                area += width * height
                end = match.end()
            tail = data[max(end, len(data) - _CARRY) :]
    return found_formula, area
