"""What the command line and the flow share about a run, without importing Prefect.

The words for systems (`all` and `both` both mean the two systems; `all` is the one printed),
where a run's log goes, and the plain outcome a run returns.
"""

from collections import Counter
from pathlib import Path
from typing import Any

from connectors.factory import SYSTEMS, System
from flows.pipeline import SyncResult
from flows.render.writer import run_directory

ALL = "all"
"""The word printed for both systems."""
ALL_WORDS = (ALL, "both")
SYSTEM_WORDS = (*ALL_WORDS, *SYSTEMS)
"""Every word `--system` and the flow's `systems` parameter accept."""
RUN_LOG = "run.log"


def systems_of(choice: str) -> tuple[System, ...]:
    """`all` (or `both`) → both systems, else the one named; ValueError for another word."""
    word = choice.strip().lower()
    if word in ALL_WORDS:
        return SYSTEMS
    if word in SYSTEMS:
        return (word,)
    raise ValueError(f"hệ thống phải là {', '.join(SYSTEM_WORDS)}, không phải '{choice}'")


def run_log_path(report_dir: Path, run_id: str) -> Path:
    """`<report_dir>/<run_id>/run.log`: the run's log, next to its reports."""
    return run_directory(report_dir, run_id) / RUN_LOG


def outcome_of(result: SyncResult, *, mode: str) -> dict[str, Any]:
    """What a run returns: the run id, how it ran, counts per system, failure, report paths."""
    return {
        "run_id": result.report.run_id,
        "mode": mode,
        "dry_run": result.report.dry_run,
        "failed": result.report.failed(),
        "config_error": result.config_error,
        "summary": {name: s.summary for name, s in result.report.systems.items()},
        "system_errors": {
            name: s.error for name, s in result.report.systems.items() if s.error
        },
        "warnings": dict(Counter(w.kind for w in result.report.warnings)),
        "row_errors": len(result.report.errors),
        "reports": {
            "json": str(result.paths.json),
            "xlsx": str(result.paths.xlsx),
            "html": str(result.paths.html),
            "todo": str(result.paths.todo),
            "log": str(result.paths.directory / RUN_LOG),
        },
    }
