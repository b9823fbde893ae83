"""`reconciliation.html`: self-contained, escaped, with the progress chart against the timeline."""

import re
import xml.etree.ElementTree as ET

import pytest
from test_render_support import NQ71_ERROR, QUIRK, RUN_ID, build_report

from flows.render.chart import LEFT_WIDTH, _x_of
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
    for external in ("<link", "<script", "<img", "src=", "@import", "url(", "http://", "https://"):
        assert external not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_data_is_escaped(page: str) -> None:
    """A note with `<script>` shows as text; no script element comes from the data."""
    assert "<script" not in page.lower()
    assert (
        "Ghi chú &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;trích dẫn&#34;"
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


def test_dry_run_speaks_in_the_future_without_doubled_punctuation() -> None:
    """A dry run says so at the top; its planned writes read "Sẽ tạo mới", never "Đã tạo mới"."""
    report = build_report(dry_run=True)
    report.systems["theodoinq"].entries[1].planned = "create"
    report.systems["theodoinq"].entries[1].planned_uploads = ["VPUB/bien-ban-5g.pdf"]
    page = render_html(report)
    assert "Chạy thử: không ghi lên hệ thống" in page
    assert ">Sẽ tạo mới</span>" in page and ">Sẽ cập nhật</span>" in page
    assert "Đã tạo mới" not in page and "Đã cập nhật" not in page
    assert "Sẽ tải lên minh chứng: VPUB/bien-ban-5g.pdf" in page
    text = re.sub(r"<[^>]+>", " ", page.split("</style>", 1)[1])
    assert not re.search(r"\.\s*;|;\s*;|;\s*\.", text)


def _sections(page: str) -> list[str]:
    return re.findall(r'<section[^>]*\bid="([^"]+)"', page)


def test_sections_in_order_with_technical_details_last_and_collapsed(page: str) -> None:
    """Progress, systems, warnings, to-do lists, errors, sources; remote quirks only at the end,
    inside a closed `details`, never before the data."""
    assert _sections(page) == [
        "tien-do", "he-thong-theodoinq", "he-thong-nq71", "canh-bao", "viec-can-lam",
        "don-vi-VHXH", "don-vi-VPUB", "don-vi-CAX", "don-vi-TCNS", "loi-du-lieu",
        "tep-nguon",
        "chi-tiet-ky-thuat",
    ]
    assert page.count(QUIRK) == 1
    assert page.index(QUIRK) > page.index('<section id="chi-tiet-ky-thuat"')
    assert re.search(r'<details class="tech">\s*<summary>Ghi chú kỹ thuật', page)
    assert "<details open" not in page


def test_every_table_has_a_caption_and_scoped_headers(page: str) -> None:
    """Each table opens with a caption; header cells carry `scope` (col in heads, row in bodies)."""
    tables = re.findall(r"<table[^>]*>(.*?)</table>", page, re.S)
    assert len(tables) >= 10
    for table in tables:
        assert table.lstrip().startswith("<caption>")
        assert all('scope="' in th for th in re.findall(r"<th\b[^>]*>", table))
        head = re.search(r"<thead>(.*?)</thead>", table, re.S)
        assert head is not None and 'scope="row"' not in head.group(1)


def test_progress_names_unreported_and_behind_targets(page: str) -> None:
    """The table counts every target by state and names those behind, overdue and unreported."""
    row = re.search(r'<tr data-section="1.5">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num"[^>]*>(\d+)</td>', row.group(1))
    assert cells == ["26", "3", "1", "1", "0", "1", "23"]
    assert "<b>1.5.7</b> quá hạn: 50%" in row.group(1)
    assert "Có chỉ tiêu quá hạn" in row.group(1)
    assert "Chỉ tiêu chưa có báo cáo (36/44)" in page
    assert '<tr data-target="1.2.3"><th scope="row" data-label="Chỉ tiêu">1.2.3</th>' in page


def test_unit_to_do_lists(page: str) -> None:
    """Each unit with work has its own list naming what to do."""
    unit = page.split('id="don-vi-VPUB"', 1)[1].split("</section>", 1)[0]
    assert "Việc cần làm của Văn phòng HĐND-UBND xã" in unit
    assert "Chỉ tiêu quá hạn" in unit and "Số liệu bị sửa trên hệ thống" in unit
    assert "Minh chứng bị đánh giá không đạt" in unit
    assert "Hệ thống: theodoinq, nq71" in unit


def test_print_css_for_a4(page: str) -> None:
    """Printing uses A4 pages, repeats table heads and starts each unit's list on a new page."""
    assert "@page{size:A4" in page
    css = page.split("@media print{", 1)[1]
    assert "thead{display:table-header-group}" in css
    assert ".unit{break-before:page" in css


def test_chart_has_a_bar_per_section_split_by_state(page: str) -> None:
    """One row per section; its segments' counts add up to the section's targets, worst first;
    unreported targets are a segment of their own."""
    svg = _svg(page)
    rows = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "section"]
    assert [g.get("data-section") for g in rows] == ["1.1", "1.2", "1.3", "1.4", "1.5"]
    segments = {
        g.get("data-section"): [
            (r.get("data-state"), int(r.get("data-count", "0")), float(r.get("width", "0")))
            for r in g.iter(f"{SVG}rect")
        ]
        for g in rows
    }
    assert [(s, n) for s, n, _ in segments["1.5"]] == [
        ("overdue", 1), ("not_reported", 23), ("on_track", 1), ("completed", 1)
    ]
    assert [(s, n) for s, n, _ in segments["1.3"]] == [("not_reported", 5)]
    for parts in segments.values():
        assert sum(w for _, _, w in parts) == pytest.approx(LEFT_WIDTH, abs=0.02)
    assert segments["1.5"][1][2] == pytest.approx(LEFT_WIDTH * 23 / 26, abs=0.01)


def test_chart_dots_and_names(page: str) -> None:
    """Each reported target with a percentage is a dot at its progress; overdue and behind ones
    are named under their dot."""
    svg = _svg(page)
    dots = {c.get("data-target"): c for c in svg.iter(f"{SVG}circle")}
    assert set(dots) == {"1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.4.1", "1.5.17", "1.5.7",
                         "1.5.24"}
    assert float(dots["1.5.7"].get("cx", "nan")) == pytest.approx(_x_of(50))
    names = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "name"]
    assert names == ["1.2.1", "1.5.7"]


def test_chart_timeline_marker(page: str) -> None:
    """A dashed vertical line at the plan's timeline percent, labelled in Vietnamese."""
    marker = next(g for g in _svg(page).iter(f"{SVG}g") if g.get("class") == "timeline")
    line = marker.find(f"{SVG}line")
    assert line is not None
    assert float(line.get("x1", "nan")) == pytest.approx(_x_of(62.5))
    assert float(line.get("x2", "nan")) == pytest.approx(_x_of(62.5))
    label = marker.find(f"{SVG}text")
    assert label is not None and label.text == "Lộ trình thời gian: 62,5%"


def test_chart_text_fallback(page: str) -> None:
    """The SVG's title and description give every section's numbers in words."""
    svg = _svg(page)
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and "lộ trình thời gian" in (title.text or "")
    assert desc is not None and desc.text is not None
    assert (
        "1.5 Phát triển chuyển đổi số: 3/26 chỉ tiêu có báo cáo; 1 quá hạn, 0 chậm so với lộ "
        "trình, 23 chưa báo cáo, 1 đúng lộ trình, 1 hoàn thành; cần chú ý: 1.5.7 (50%)"
    ) in desc.text
    assert "1.3 Phát triển khoa học, công nghệ: 0/5 chỉ tiêu có báo cáo" in desc.text
    assert desc.text.endswith("Lộ trình thời gian: 62,5%.")
