"""Renderings of the reconciliation report: JSON, XLSX and HTML files, and the Prefect artifacts."""

from flows.render.markdown import markdown_summary, table_rows
from flows.render.progress import SectionProgress, section_progress
from flows.render.writer import ReportPaths, write_reports

__all__ = [
    "ReportPaths",
    "SectionProgress",
    "markdown_summary",
    "section_progress",
    "table_rows",
    "write_reports",
]
