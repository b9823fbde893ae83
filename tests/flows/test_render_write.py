"""`write_reports`: the run's folder with three files, written atomically."""

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from test_render_support import RUN_ID, build_report

from flows.render import (
    ReportPaths,
    markdown_summary,
    section_progress,
    table_rows,
    write_reports,
)
from flows.report_model import Reconciliation


def test_writes_four_files_in_the_run_folder(tmp_path: Path) -> None:
    """JSON, XLSX, HTML and the to-do lists land in `<dir>/<run_id>/`, no temporary file left."""
    paths = write_reports(build_report(), tmp_path / "reports")
    folder = tmp_path / "reports" / RUN_ID
    assert paths == ReportPaths(folder, folder / "reconciliation.json",
                                folder / "reconciliation.xlsx", folder / "reconciliation.html",
                                folder / "viec-can-lam.xlsx")
    assert sorted(p.name for p in folder.iterdir()) == [
        "reconciliation.html", "reconciliation.json", "reconciliation.xlsx", "viec-can-lam.xlsx"
    ]
    assert json.loads(paths.json.read_text("utf-8"))["run_id"] == RUN_ID
    assert openpyxl.load_workbook(paths.xlsx).sheetnames[0] == "Tổng hợp"
    assert paths.html.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_rewriting_replaces_the_files(tmp_path: Path) -> None:
    """Writing the same run again replaces the files in place."""
    write_reports(build_report(), tmp_path)
    paths = write_reports(build_report(dry_run=True), tmp_path)
    assert json.loads(paths.json.read_text("utf-8"))["dry_run"] is True
    assert len(list(paths.directory.iterdir())) == 4


def test_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the final rename fails, the temporary file is removed and the error raised."""

    def refuse(src: str, dst: str) -> None:
        raise OSError("đĩa đầy")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="đĩa đầy"):
        write_reports(build_report(), tmp_path)
    assert list((tmp_path / RUN_ID).iterdir()) == []


@pytest.mark.parametrize("run_id", ["", ".", "..", "a/b", "../x", "a\\b"])
def test_run_id_must_be_a_folder_name(tmp_path: Path, run_id: str) -> None:
    """A run id that would escape the report folder is refused."""
    report = build_report().model_copy(update={"run_id": run_id})
    with pytest.raises(ValueError):
        write_reports(report, tmp_path)


def test_an_empty_run_renders(tmp_path: Path) -> None:
    """A run with no systems, progress, warnings or errors still gives readable files."""
    report = Reconciliation(
        run_id="empty", started_at=datetime(2026, 1, 1, tzinfo=UTC), as_of=date(2026, 1, 1)
    )
    paths = write_reports(report, tmp_path)
    assert Reconciliation.model_validate_json(paths.json.read_bytes()) == report
    assert openpyxl.load_workbook(paths.xlsx).sheetnames == [
        "Tổng hợp", "Tiến độ chỉ tiêu", "Cảnh báo", "Lỗi dữ liệu", "Ghi chú", "Chi tiết kỹ thuật"
    ]
    assert openpyxl.load_workbook(paths.todo).sheetnames == ["Danh sách đơn vị"]
    assert "Không có cảnh báo." in paths.html.read_text("utf-8")
    assert "kết thúc: — (giờ Việt Nam)" in markdown_summary(report)
    assert table_rows(report) == []
    sections = section_progress(report)
    assert all(s.reported == 0 for s in sections)
    assert sum(s.count("not_reported") for s in sections) == 44
