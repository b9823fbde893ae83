"""Write the report files of a run, each atomically, into `<report_dir>/<run_id>/`: the
reconciliation as JSON, XLSX and HTML, and the units' to-do lists (`viec-can-lam.xlsx`)."""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flows.render.html_report import render_html
from flows.render.json_report import render_json
from flows.render.todo_xlsx import render_todo_xlsx
from flows.render.xlsx_report import render_xlsx
from flows.report_model import Reconciliation

JSON_NAME = "reconciliation.json"
XLSX_NAME = "reconciliation.xlsx"
HTML_NAME = "reconciliation.html"
TODO_NAME = "viec-can-lam.xlsx"


@dataclass(frozen=True)
class ReportPaths:
    """Where a run's reports were written."""

    directory: Path
    json: Path
    xlsx: Path
    html: Path
    todo: Path


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run_directory(report_dir: Path, run_id: str) -> Path:
    """`report_dir/run_id`; a run id that is not a plain folder name is refused."""
    if not run_id or run_id in (".", "..") or Path(run_id).name != run_id or "\\" in run_id:
        raise ValueError(f"mã lần chạy không dùng được làm tên thư mục: {run_id!r}")
    return report_dir / run_id


def write_reports(report: Reconciliation, report_dir: Path) -> ReportPaths:
    """Write `reconciliation.json`, `.xlsx`, `.html` and `viec-can-lam.xlsx` into
    `report_dir/<run_id>/`."""
    directory = run_directory(report_dir, report.run_id)
    directory.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(
        directory=directory,
        json=directory / JSON_NAME,
        xlsx=directory / XLSX_NAME,
        html=directory / HTML_NAME,
        todo=directory / TODO_NAME,
    )
    _atomic_write(paths.json, render_json(report))
    _atomic_write(paths.xlsx, render_xlsx(report))
    _atomic_write(paths.html, render_html(report).encode("utf-8"))
    _atomic_write(paths.todo, render_todo_xlsx(report))
    return paths
