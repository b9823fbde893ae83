"""The Prefect artifacts: the Markdown summary and the table rows."""

from pathlib import Path

from test_render_support import NQ71_ERROR, RUN_ID, build_report

from flows.render import ReportPaths, markdown_summary, table_rows
from flows.render.markdown import MAX_ITEMS, TABLE_COLUMNS
from flows.report_model import STATUS_LABELS, EntryStatus


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_count_table_per_system() -> None:
    """Each system has a table of counts with every Vietnamese status label and a total."""
    text = markdown_summary(build_report())
    for name, end in (("theodoinq", "## Hệ thống nq71"), ("nq71", "## Cảnh báo")):
        part = _section(text, f"## Hệ thống {name}", end)
        assert "| Trạng thái | Số mục |\n| --- | ---: |" in part
        for label in STATUS_LABELS.values():
            assert f"| {label} | 1 |" in part
        assert "| **Tổng cộng** | **11** |" in part
    assert f"**Lỗi khi làm việc với hệ thống:** {NQ71_ERROR}" in text


def test_attention_lists_only_entries_that_need_it() -> None:
    """Conflict, held, failed, missing, unmapped, remote-only, duplicate: in that order."""
    part = _section(markdown_summary(build_report()), "### Cần xem xét (8)", "## Hệ thống nq71")
    rows = [line for line in part.splitlines() if line.startswith("| 1.")]
    assert [r.split(" | ")[3] for r in rows] == [
        STATUS_LABELS[s]
        for s in (
            EntryStatus.CONFLICT, EntryStatus.HELD, EntryStatus.FAILED,
            EntryStatus.MISSING_REMOTE, EntryStatus.UNMAPPED, EntryStatus.REMOTE_ONLY,
            EntryStatus.DUPLICATE, EntryStatus.STALE,
        )
    ]
    assert rows[0] == (
        "| 1.5.7 | 11/2026 | Văn phòng HĐND-UBND xã | Xung đột (bị sửa trên hệ thống) | "
        "Số liệu trên hệ thống đã bị sửa sau lần gửi trước; Giá trị thực hiện: xã 90 / hệ thống "
        "85,5; Tình trạng: xã Hoàn thành / hệ thống Đang thực hiện |"
    )
    assert rows[2].endswith("| Lỗi: HTTP 500 khi lưu báo cáo |")


def test_long_lists_are_capped() -> None:
    """Row errors beyond the cap are counted, not listed."""
    text = markdown_summary(build_report())
    part = _section(text, "## Lỗi dữ liệu (26)", "\n## ")
    assert sum(1 for line in part.splitlines() if line.startswith("| VPUB/")) == MAX_ITEMS
    assert "… và 6 mục khác" in part
    assert "CAX/bao-cao.csv" not in part


def test_warnings_header_and_paths() -> None:
    """Warnings with Vietnamese kinds, the run's header, and the report paths when given."""
    folder = Path("/srv/nqsync") / RUN_ID
    paths = ReportPaths(folder, folder / "reconciliation.json", folder / "reconciliation.xlsx",
                        folder / "reconciliation.html", folder / "viec-can-lam.xlsx")
    text = markdown_summary(build_report(dry_run=True), paths)
    assert text.startswith(f"# Đối soát đồng bộ: lần chạy {RUN_ID}\n")
    assert "**Chạy thử: không ghi lên hệ thống.**" in text
    assert "- Bắt đầu: 27/11/2026 08:00; kết thúc: 27/11/2026 08:05 (giờ Việt Nam)" in text
    assert "- Lộ trình thời gian: 62,5%" in text
    assert "| Chậm so với lộ trình | 1.2.1 | 11/2026 | Phòng Văn hóa - Xã hội |" in text
    assert f"- Excel: /srv/nqsync/{RUN_ID}/reconciliation.xlsx" in text
    assert f"- Việc cần làm theo đơn vị: /srv/nqsync/{RUN_ID}/viec-can-lam.xlsx" in text
    assert "## Tệp báo cáo" not in markdown_summary(build_report())


def test_markdown_makes_data_inert() -> None:
    """HTML and table pipes in notes cannot break the artifact."""
    report = build_report()
    report.systems["nq71"].notes.append("a | b\nc")
    text = markdown_summary(report)
    assert "<script" not in text
    assert "&lt;script&gt;" in text
    assert "- Ghi chú: a \\| b c" in text


def test_table_rows() -> None:
    """One row per entry of each system, Vietnamese column names and labels."""
    rows = table_rows(build_report())
    assert len(rows) == 22
    assert all(tuple(row) == TABLE_COLUMNS for row in rows)
    assert TABLE_COLUMNS == ("Hệ thống", "Chỉ tiêu", "Kỳ", "Đơn vị", "Trạng thái", "Khác biệt",
                             "Lý do")
    assert [r["Hệ thống"] for r in rows] == ["theodoinq"] * 11 + ["nq71"] * 11
    assert rows[3] == {
        "Hệ thống": "theodoinq",
        "Chỉ tiêu": "1.5.7",
        "Kỳ": "11/2026",
        "Đơn vị": "Văn phòng HĐND-UBND xã",
        "Trạng thái": "Xung đột (bị sửa trên hệ thống)",
        "Khác biệt": "Giá trị thực hiện: xã 90 / hệ thống 85,5; "
        "Tình trạng: xã Hoàn thành / hệ thống Đang thực hiện",
        "Lý do": "Số liệu trên hệ thống đã bị sửa sau lần gửi trước",
    }
    assert rows[10]["Lý do"] == "Lỗi: HTTP 500 khi lưu báo cáo"
    assert rows[6]["Đơn vị"] == ""


def test_dry_run_speaks_in_the_future_and_keeps_the_reason() -> None:
    """A dry run's planned create reads "Sẽ tạo mới"; its reason stays, without a dry-run
    sentence glued on and without doubled punctuation."""
    report = build_report(dry_run=True)
    report.systems["theodoinq"].entries[5].planned = "create"
    report.systems["theodoinq"].entries[5].reason = "Kỳ báo cáo đã khóa trên hệ thống."
    rows = table_rows(report)
    assert rows[1]["Trạng thái"] == "Sẽ tạo mới"
    assert rows[5]["Lý do"] == "Kỳ báo cáo đã khóa trên hệ thống"
    text = markdown_summary(report)
    assert "| Sẽ tạo mới | 1 |" in text and "Đã tạo mới" not in text
    assert ".;" not in text and ";;" not in text


def test_progress_table_counts_every_target() -> None:
    """The summary's progress table gives reported/total, counts by state and names the worst."""
    text = markdown_summary(build_report())
    assert "| 1.5 Phát triển chuyển đổi số | 3/26 | 1 | 1 | 0 | 1 | 23 | 1.5.7 (50%) |" in text
    assert "| 1.2 Phát triển nguồn nhân lực | 2/6 | 0 | 1 | 1 | 0 | 4 | 1.2.1 (20%) |" in text
