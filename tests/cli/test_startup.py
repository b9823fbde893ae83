"""What `nqsync --help` loads: plain help, without rich's markdown or traceback machinery."""

import subprocess
import sys

RICH_EXTRAS = ("rich.markdown", "markdown_it", "rich.traceback")


def imported_modules(*args: str) -> set[str]:
    """Modules the real command imports, from `python -X importtime`."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flows", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        line.split("|")[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }


def heavy(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in roots or m in RICH_EXTRAS)


def test_help_loads_nothing_heavy() -> None:
    """`nqsync --help` imports no rich markdown/traceback, Prefect, pydantic or structlog."""
    modules = imported_modules("--help")
    assert "typer" in modules
    assert heavy(modules, ("prefect", "pydantic", "structlog", "markdown_it")) == []


def test_command_help_loads_no_rich_extras_or_prefect() -> None:
    """`nqsync sync --help` (typer coerces with pydantic) still loads no markdown or Prefect."""
    modules = imported_modules("sync", "--help")
    assert heavy(modules, ("prefect", "markdown_it", "structlog")) == []


def test_catalogue_json_does_not_load_prefect() -> None:
    """`nqsync catalogue --json` reads the plan without Prefect or the report renderers."""
    modules = imported_modules("catalogue", "--json")
    assert "models.catalogue" in modules
    assert not {m for m in modules if m == "prefect" or m.startswith(("prefect.", "openpyxl"))}
