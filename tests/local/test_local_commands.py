import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.workbook_commands import validate_command

FIXTURES = Path(__file__).parent / "fixtures"
RECORD_KEYS = {
    "unit_code",
    "target_code",
    "period",
    "actual",
    "progress_percent",
    "status",
    "note",
    "reporter",
    "evidence",
    "source",
    "document_number",
    "issue_date",
}


def test_validate_json_shape_and_exit_1_with_row_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """`--json` prints only records and errors, in the issue's shape; row errors exit 1."""
    assert validate_command(FIXTURES / "bad_cells", as_json=True) == 1
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"records", "errors"}
    assert len(payload["records"]) == 3 and len(payload["errors"]) == 8
    first = payload["records"][0]
    assert set(first) == RECORD_KEYS
    assert first["source"] == {"file": "MTTQ_2026-11.xlsx", "sheet": "Báo cáo", "row": 2}
    assert set(first["evidence"][0]) == {"path", "sha256", "size"}
    assert first["status"] == "completed" and first["period"] == "2026-11"
    assert payload["errors"][0] == {
        "file": "MTTQ_2026-11.xlsx",
        "sheet": "Báo cáo",
        "row": 3,
        "column": "Giá trị thực hiện",
        "reason": "Giá trị thực hiện không phải là số: 'abc'",
    }


def test_validate_exit_0_without_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """A clean source exits 0."""
    assert validate_command(FIXTURES / "merged", as_json=True) == 0
    assert json.loads(capsys.readouterr().out)["errors"] == []


def test_validate_exit_2_when_the_source_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing or empty source exits 2 with one line on stderr and nothing on stdout."""
    assert validate_command(tmp_path / "none", as_json=True) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"Lỗi: Không tìm thấy nguồn dữ liệu: {tmp_path / 'none'}\n"
    assert validate_command(tmp_path, as_json=False) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_validate_table_lists_errors_first_then_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: the error table, then the records, then the count of good records."""
    assert validate_command(FIXTURES / "bad_cells", as_json=False) == 1
    out = capsys.readouterr().out
    assert out.index("Lỗi (8)") < out.index("Bản ghi hợp lệ (3)")
    assert out.rstrip().endswith("3 bản ghi hợp lệ, 8 lỗi.")


def test_the_command_line_calls_validate_and_template(tmp_path: Path) -> None:
    """`nqsync validate` and `nqsync template` run through the CLI with the same exit codes."""
    runner = CliRunner()
    result = runner.invoke(app, ["validate", str(FIXTURES / "percent"), "--json"])
    assert result.exit_code == 1
    assert len(json.loads(result.stdout)["records"]) == 7
    assert runner.invoke(app, ["validate", str(tmp_path / "none")]).exit_code == 2
    out = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["template", "VPUB", "--out", str(out)]).exit_code == 0
    assert out.is_file()
    assert runner.invoke(app, ["template", "NOPE"]).exit_code == 2
