"""Uploads: a streaming multipart reader (counting and hashing as it goes) and type sniffing."""

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from mock_servers.common.filetype import sniff as sniff_type
from mock_servers.theodoinq.errors import ApiError

MAX_FILE_SIZE = 10 * 1024 * 1024
"""The largest accepted file, in bytes (10 MiB)."""

_SPOOL_IN_MEMORY = 1024 * 1024


@dataclass
class Upload:
    """The `file` part of an upload: its name, size and hash, and its first MAX_FILE_SIZE bytes."""

    file_name: str = ""
    size: int = 0
    digest: "hashlib._Hash" = field(default_factory=hashlib.sha256)
    content: IO[bytes] = field(
        default_factory=lambda: SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
    )

    @property
    def too_large(self) -> bool:
        """Whether the file is over MAX_FILE_SIZE."""
        return self.size > MAX_FILE_SIZE

    @property
    def sha256(self) -> str:
        """The hex sha256 of every byte received."""
        return self.digest.hexdigest()

    def write(self, data: bytes) -> None:
        """Count and hash `data`; keep it while the file is within the limit."""
        self.size += len(data)
        self.digest.update(data)
        if self.size <= MAX_FILE_SIZE:
            self.content.write(data)

    def close(self) -> None:
        """Drop the kept bytes."""
        self.content.close()


def _bad_request(reason: str) -> ApiError:
    return ApiError("INVALID_REQUEST", f"Yêu cầu tải tệp không hợp lệ: {reason}.", http_status=400)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class _Reader:
    """Callbacks for python-multipart that route the `file` part into an Upload."""

    def __init__(self) -> None:
        self.upload: Upload | None = None
        self.complete = False
        self.duplicate = False
        self._field = b""
        self._value = b""
        self._disposition = b""
        self._in_file = False

    def on_part_begin(self) -> None:
        self._disposition = b""
        self._in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        if self._field.strip().lower() == b"content-disposition":
            self._disposition = self._value
        self._field = self._value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition.decode("latin-1"))
        if options.get(b"name") != b"file":
            return
        if self.upload is not None:
            self.duplicate = True
            return
        name = _decode(options.get(b"filename", b""))
        self.upload = Upload(file_name=name.replace("\\", "/").rsplit("/", 1)[-1])
        self._in_file = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file and self.upload is not None:
            self.upload.write(data[start:end])

    def on_part_end(self) -> None:
        if self._in_file:
            self.complete = True
        self._in_file = False


async def read_upload(content_type: str | None, stream: AsyncIterator[bytes]) -> Upload:
    """Read a multipart body with one `file` part, in a stream; never holds more than 10 MiB.

    Raises ApiError INVALID_REQUEST (HTTP 400) for a body that is not such a form.
    """
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise _bad_request("cần multipart/form-data")
    reader = _Reader()
    try:
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": reader.on_part_begin,
                "on_part_data": reader.on_part_data,
                "on_part_end": reader.on_part_end,
                "on_header_field": reader.on_header_field,
                "on_header_value": reader.on_header_value,
                "on_header_end": reader.on_header_end,
                "on_headers_finished": reader.on_headers_finished,
            },
        )
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except (FormParserError, ValueError) as exc:
        if reader.upload is not None:
            reader.upload.close()
        raise _bad_request("nội dung multipart hỏng") from exc
    upload = reader.upload
    if upload is None or not reader.complete or reader.duplicate:
        if upload is not None:
            upload.close()
        raise _bad_request("cần đúng một phần “file”")
    return upload


def sniff(content: IO[bytes]) -> str | None:
    """The file's type judged by its bytes: PDF, JPEG, PNG, DOCX, XLSX, or None."""
    kind = sniff_type(content)
    return None if kind is None else kind.upper()
