"""`connectors.filecheck`: the one check of evidence files, at validate time and at push time."""

import os
import threading
from pathlib import Path

import pytest

from connectors.filecheck import (
    MAX_BYTES,
    STRICTEST_SYSTEM,
    NotRegularFile,
    check_file,
    is_inside,
    open_regular,
    sniff_type,
)

PDF = b"%PDF-1.4\n%%EOF\n"
MIB = 1024 * 1024


def in_thread(work, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    """WORK's result from a daemon thread (a safety net against blocking on a pipe)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "blocked"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


def test_the_limits_are_the_contracts_and_validate_uses_the_strictest() -> None:
    """theodoinq takes 10 MiB, nq71 50 MiB; the strictest is theodoinq's."""
    assert dict(MAX_BYTES) == {"theodoinq": 10 * MIB, "nq71": 50 * MIB}
    assert STRICTEST_SYSTEM == "theodoinq"


def test_an_accepted_file_passes_with_the_adapters_two_argument_call(tmp_path: Path) -> None:
    """`check_file(path, max_bytes)` (how the adapters call it) accepts a small real PDF."""
    (tmp_path / "a.pdf").write_bytes(PDF)
    assert check_file(tmp_path / "a.pdf", 10 * MIB) is None
    assert check_file(tmp_path / "a.pdf", 10 * MIB, root=tmp_path, system="nq71") is None
    assert sniff_type(tmp_path / "a.pdf") == "pdf"


def test_refusals_name_the_file_and_the_rule(tmp_path: Path) -> None:
    """Missing, folder, empty, too large (naming the limit and its system), wrong content."""
    (tmp_path / "thu_muc.pdf").mkdir()
    (tmp_path / "rong.pdf").write_bytes(b"")
    (tmp_path / "exe.pdf").write_bytes(b"MZ\x90\x00" + b"\0" * 100)
    with (tmp_path / "lon.pdf").open("wb") as stream:
        stream.write(PDF)
        stream.truncate(11 * MIB)
    assert check_file(tmp_path / "khong.pdf", MIB) == "Không tìm thấy tệp minh chứng khong.pdf."
    assert check_file(tmp_path / "thu_muc.pdf", MIB) == (
        "Tệp minh chứng thu_muc.pdf không phải tệp thông thường (một thư mục)."
    )
    assert check_file(tmp_path / "rong.pdf", MIB) == "Tệp minh chứng rong.pdf rỗng (0 byte)."
    assert check_file(tmp_path / "lon.pdf", 10 * MIB, system="theodoinq") == (
        "Tệp lon.pdf quá lớn (11,0 MiB, tối đa 10 MiB, giới hạn của theodoinq)."
    )
    assert check_file(tmp_path / "lon.pdf", 50 * MIB) is None
    assert check_file(tmp_path / "exe.pdf", MIB) == (
        "Tệp exe.pdf không phải PDF, JPEG, PNG, DOCX hay XLSX (xét theo nội dung)."
    )


def test_a_named_pipe_is_refused_without_ever_blocking(tmp_path: Path) -> None:
    """A FIFO named `.pdf` is not a regular file: refused, sniffed as nothing, never waited on."""
    os.mkfifo(tmp_path / "ong.pdf")
    assert in_thread(lambda: check_file(tmp_path / "ong.pdf", MIB)) == (
        "Tệp minh chứng ong.pdf không phải tệp thông thường (ống dẫn, thiết bị hoặc socket)."
    )
    assert in_thread(lambda: sniff_type(tmp_path / "ong.pdf")) is None
    with pytest.raises(NotRegularFile):
        in_thread(lambda: open_regular(tmp_path / "ong.pdf"))


def test_links_must_resolve_inside_the_root(tmp_path: Path) -> None:
    """A link leading outside the source folder is refused when the root is given; a link
    inside it is followed."""
    root, outside = tmp_path / "nguon", tmp_path / "ngoai"
    root.mkdir()
    outside.mkdir()
    (outside / "mat.pdf").write_bytes(PDF)
    (root / "that.pdf").write_bytes(PDF)
    (root / "ra_ngoai.pdf").symlink_to(outside / "mat.pdf")
    (root / "ben_trong.pdf").symlink_to(root / "that.pdf")
    assert not is_inside(root / "ra_ngoai.pdf", root) and is_inside(root / "ben_trong.pdf", root)
    assert check_file(root / "ra_ngoai.pdf", MIB, root=root) == (
        "Tệp minh chứng ra_ngoai.pdf trỏ ra ngoài thư mục nguồn (qua liên kết): không gửi."
    )
    assert check_file(root / "ben_trong.pdf", MIB, root=root) is None
    assert not is_inside(tmp_path / "nguon2" / "x.pdf", root)
