"""The audit trail of a real run: every write is in it, the chain verifies, tampering shows."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from flows.audit import export_command, verify_command
from models.audit import AuditTrail
from models.db import make_engine
from tests.reliability.support import World, world


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as w:
        yield w


def test_every_write_of_a_run_is_in_the_verified_audit_trail(
    rig: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Intents and outcomes for each record written, each upload, a chain that verifies."""
    result = rig.sync()
    url = rig.env["NQSYNC_DATABASE_URL"]
    entries = AuditTrail(make_engine(url)).history()
    written = {
        (name, e.target_code)
        for name, report in result.report.systems.items()
        for e in report.entries if e.status.value in ("created", "updated")
    }
    outcomes = {(e.system, e.target_code) for e in entries if e.action == "outcome"}
    intents = {(e.system, e.target_code) for e in entries if e.action == "intent"}
    assert written and outcomes == written == intents
    uploads = Counter(e.system for e in entries if e.action == "write" and "upload" in e.request)
    assert uploads == {"theodoinq": 2, "nq71": 2}
    assert all(e.run_id == result.report.run_id for e in entries)
    sourced = [e for e in entries if e.action == "intent"]
    assert all(e.source_file == "VHXH_2026-11.csv" and e.source_sha256 for e in sourced)
    assert not any("password" in str(e.request).lower() for e in entries)
    assert verify_command(url) == 0
    assert f"{len(entries)} mục" in capsys.readouterr().out
    assert export_command(url, tmp_path / "out", period="2026-11") == 0
    [book] = (tmp_path / "out").glob("*.xlsx")
    rows = openpyxl.load_workbook(book).worksheets[0].max_row
    assert rows - 1 == sum(1 for e in entries if e.period == "2026-11")


def test_one_edited_audit_row_is_named_by_verify(
    rig: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Changing one row's content through SQL breaks the chain at that row."""
    rig.sync()
    url = rig.env["NQSYNC_DATABASE_URL"]
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE ledger_audit SET unit_code = 'XXX' WHERE seq = 3"))
    engine.dispose()
    assert verify_command(url) == 1
    out = capsys.readouterr().out
    assert "3" in out
