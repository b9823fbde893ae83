import hashlib
from pathlib import Path

from flows.benchmarks.measure import MIB, peak_rss_mib, reset_peak_rss
from flows.benchmarks.upload_bench import large_upload, write_large_pdf


def test_the_large_file_reads_as_a_pdf_of_the_size_asked(tmp_path: Path) -> None:
    """Exactly N MiB, a PDF header and trailer, and the evidence's hash is the file's."""
    evidence = write_large_pdf(tmp_path / "big.pdf", 3)
    content = (tmp_path / "big.pdf").read_bytes()
    assert evidence.size == len(content) == 3 * MIB
    assert content.startswith(b"%PDF-") and content.endswith(b"%%EOF\n")
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.path == "big.pdf"


def test_a_large_upload_reaches_the_mock_and_reports_its_memory() -> None:
    """A 2 MiB file goes up in 2 parts through the adapter; the growth is the peak during
    the push over the RSS before it (the mock holding the file whole is checked inside)."""
    figures = large_upload(2)
    assert (figures["benchmark"], figures["file_mib"], figures["parts"]) == (
        "large_upload", 2.0, 2
    )
    assert figures["peak_reset"] is True
    assert figures["rss_growth_mib"] == round(
        figures["peak_rss_mib"] - figures["rss_before_mib"], 1
    )
    assert figures["rss_growth_mib"] >= 0


def test_resetting_the_peak_forgets_an_earlier_larger_allocation() -> None:
    """After 200 MiB held and freed, a reset brings the peak back down near the RSS now."""
    block = bytearray(200 * MIB)
    block[:: 4096] = b"x" * len(block[:: 4096])
    high = peak_rss_mib()
    del block
    assert reset_peak_rss() is True
    assert peak_rss_mib() < high - 150
