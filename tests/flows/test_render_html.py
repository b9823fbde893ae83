"""`reconciliation.html`: self-contained, escaped, with the progress chart against the timeline."""

import re
import xml.etree.ElementTree as ET

import pytest
from test_render_support import NQ71_ERROR, RUN_ID, build_report

from flows.render.chart import GREEN, MARGIN, MUTED, PLOT_WIDTH, RED
from flows.render.html_report import render_html
from flows.report_model import STATUS_LABELS

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def page() -> str:
    """The sample report's page."""
    return render_html(build_report())


def _svg(page: str) -> ET.Element:
    match = re.search(r"<svg.*?</svg>", page, re.S)
    assert match is not None
    return ET.fromstring(match.group(0))


def test_page_is_vietnamese_self_contained_and_mobile_ready(page: str) -> None:
    """Language, charset and viewport set; nothing loaded from elsewhere."""
    assert page.startswith('<!DOCTYPE html>\n<html lang="vi">')
    assert '<meta charset="utf-8">' in page
    assert 'name="viewport"' in page
    for external in ("<link", "src=", "@import", "url(", "http://", "https://"):
        assert external not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_data_is_escaped(page: str) -> None:
    """A note with `<script>` shows as text; no script element comes from the data."""
    assert "<script" not in page.lower()
    assert (
        "Ghi chú &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;trích dẫn&quot;"
        in page
    )


def test_header_systems_warnings_and_errors(page: str) -> None:
    """Run id, local times, the run kind, every status label, the system error, all sections."""
    assert RUN_ID in page
    assert "27/11/2026 08:00" in page and "27/11/2026 08:05" in page
    assert "Chạy chính thức" in page and "Chạy thử" not in page
    assert all(label in page for label in STATUS_LABELS.values())
    assert f"Lỗi khi làm việc với hệ thống: {NQ71_ERROR}" in page
    assert "Hệ thống theodoinq" in page and "Hệ thống nq71" in page
    assert "Cảnh báo (5)" in page and "Phân công chưa đủ 6 rõ" in page
    assert "Lỗi dữ liệu (26)" in page and "Không tìm thấy trang Báo cáo" in page
    assert 'class="badge bad">Xung đột (bị sửa trên hệ thống)</span>' in page
    assert "Giá trị thực hiện: xã 90 / hệ thống 85,5" in page


def test_dry_run_badge() -> None:
    """A dry run says so at the top."""
    assert "Chạy thử: không ghi lên hệ thống" in render_html(build_report(dry_run=True))


def test_chart_has_five_bars_matching_the_averages(page: str) -> None:
    """One bar per section; width proportional to the average; red below half the timeline;
    grey (and empty) without reports."""
    bars = [r for r in _svg(page).iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]
    assert [b.get("data-section") for b in bars] == ["1.1", "1.2", "1.3", "1.4", "1.5"]
    widths = [float(b.get("width", "nan")) for b in bars]
    averages = [87.5, 30.0, 0.0, 10.0, 80.0]
    assert widths == pytest.approx([PLOT_WIDTH * a / 100 for a in averages], abs=0.01)
    assert [b.get("fill") for b in bars] == [GREEN, RED, MUTED, RED, GREEN]


def test_chart_timeline_marker(page: str) -> None:
    """A dashed vertical line at the timeline percent, labelled in Vietnamese."""
    marker = next(g for g in _svg(page).iter(f"{SVG}g") if g.get("class") == "timeline")
    line = marker.find(f"{SVG}line")
    assert line is not None
    x = MARGIN + PLOT_WIDTH * 0.625
    assert float(line.get("x1", "nan")) == pytest.approx(x)
    assert float(line.get("x2", "nan")) == pytest.approx(x)
    label = marker.find(f"{SVG}text")
    assert label is not None and label.text == "Lộ trình thời gian: 62,5%"


def test_chart_text_fallback(page: str) -> None:
    """The SVG's title and description list the numbers; section titles are shown."""
    svg = _svg(page)
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and "lộ trình thời gian" in (title.text or "")
    assert desc is not None and desc.text is not None
    assert "1.1 Phát triển hạ tầng: trung bình 87,5% (2/2 chỉ tiêu có báo cáo" in desc.text
    assert "1.3 Phát triển khoa học, công nghệ: chưa có báo cáo" in desc.text
    assert desc.text.endswith("Lộ trình thời gian: 62,5%.")
    assert "Phát triển hệ sinh thái đổi mới sáng tạo" in page
    assert "Dưới một nửa lộ trình" in page
