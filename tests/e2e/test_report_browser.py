"""The reports of a real end-to-end run (pipeline and both mocks over loopback), read as the
standing office reads them: the HTML in Debian's Chromium (Playwright, no browser download),
the workbooks with openpyxl."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.e2e.report_support import CHROMIUM, CHROMIUM_ARGS, Runs, pipeline_runs

SECTIONS = ("#tien-do", "#he-thong-theodoinq", "#he-thong-nq71", "#canh-bao", "#viec-can-lam",
            "#loi-du-lieu", "#chi-tiet-ky-thuat")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """A dry run then a real run of the sample source against fresh mocks."""
    with pipeline_runs(tmp_path_factory.mktemp("report-runs")) as made:
        yield made


def _json(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "reconciliation.json").read_text("utf-8"))
    return data


def _unreported(folder: Path) -> list[str]:
    return [p["target_code"] for p in _json(folder)["progress"] if p["unit_code"] is None]


def test_report_in_a_real_browser(runs: Runs) -> None:
    """No console error or outside request; the chart and every section visible; the unreported
    and behind targets named; technical notes collapsed; a screenshot next to the report."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium with apt, "
                    "which could not run here")
    from playwright.sync_api import sync_playwright

    html = runs.real / "reconciliation.html"
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on(
                "request",
                lambda r: None if r.url.startswith("file://") else problems.append(r.url),
            )
            page.goto(html.as_uri(), wait_until="load", timeout=60_000)
            assert page.locator("svg.chart").is_visible()
            assert page.locator("svg.chart g.section").count() == 5
            for selector in SECTIONS:
                assert page.locator(selector).is_visible(), selector
            progress = page.locator("table.progress tr[data-section='1.5']")
            assert "1.5.26" in progress.inner_text()
            assert page.locator("svg.chart text.name", has_text="1.5.26").is_visible()
            unreported = page.locator("table.unreported")
            for code in _unreported(runs.real):
                assert unreported.locator(f"tr[data-target='{code}']").is_visible(), code
            assert page.locator("#don-vi-VPUB", has_text="1.5.26").is_visible()
            quirk = page.locator("#chi-tiet-ky-thuat li").first
            assert "Không xử lý kỳ báo cáo" in (quirk.text_content() or "")
            assert not quirk.is_visible()
            page.screenshot(path=str(runs.real / "reconciliation.png"), full_page=True)
            page.emulate_media(media="print")
            assert not page.locator("nav").is_visible()
            page.pdf(path=str(runs.real / "reconciliation.pdf"), format="A4")
        finally:
            browser.close()
    assert problems == []
    assert (runs.real / "reconciliation.png").stat().st_size > 0
    assert (runs.real / "reconciliation.pdf").read_bytes().startswith(b"%PDF")


def test_dry_run_reports_in_the_future_tense(runs: Runs) -> None:
    """The dry run's page and workbook say "Sẽ tạo mới", never "Đã tạo mới", and no reason
    carries doubled punctuation."""
    page = (runs.dry / "reconciliation.html").read_text("utf-8")
    assert "Sẽ tạo mới" in page and "Đã tạo mới" not in page
    text = re.sub(r"<[^>]+>", " ", page.split("</style>", 1)[1])
    assert not re.search(r"\.\s*;|;\s*;|;\s*\.", text)
    sheet = openpyxl.load_workbook(runs.dry / "reconciliation.xlsx")["nq71"]
    statuses = {sheet.cell(r, 5).value for r in range(2, sheet.max_row + 1)}
    assert "Sẽ tạo mới" in statuses and "Đã tạo mới" not in statuses
    real = (runs.real / "reconciliation.html").read_text("utf-8")
    assert "Đã tạo mới" in real and "Sẽ tạo mới" not in real


def test_real_run_workbooks(runs: Runs) -> None:
    """theodoinq's sheet has its header on row 1 like nq71's; the quirks have their own sheet;
    each unit with work has its own sheet in viec-can-lam.xlsx."""
    book = openpyxl.load_workbook(runs.real / "reconciliation.xlsx")
    for name in ("theodoinq", "nq71"):
        assert book[name]["A1"].value == "Mã chỉ tiêu" and book[name].freeze_panes == "A2"
    quirks = [c.value for c in book["Chi tiết kỹ thuật"]["B"][1:]]
    assert quirks and all("Không xử lý kỳ báo cáo" in str(q) for q in quirks)
    assert book["Tổng hợp"]["B8"].number_format == "0.0%"
    todo = openpyxl.load_workbook(runs.real / "viec-can-lam.xlsx")
    assert todo.sheetnames[0] == "Danh sách đơn vị"
    assert {"VPUB", "DTN", "CAX", "PKT"} <= set(todo.sheetnames)
    vpub = todo["VPUB"]
    assert [vpub.cell(2, c).value for c in (1, 2)] == ["Chỉ tiêu chậm so với lộ trình", "1.5.26"]
    assert vpub.print_title_rows == "$1:$1"
    dtn = [row[1].value for row in todo["DTN"].iter_rows(min_row=2)]
    assert "1.3.1" in dtn
