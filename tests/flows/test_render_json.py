"""`reconciliation.json`: the model's JSON, UTF-8, NFC, not ASCII-escaped."""

import json
import unicodedata

from test_render_support import build_report

from flows.render.json_report import render_json
from flows.report_model import Reconciliation


def test_json_round_trips_into_the_model() -> None:
    """Reading the JSON back with the model gives the report written."""
    report = build_report()
    assert Reconciliation.model_validate(json.loads(render_json(report))) == report


def test_json_is_readable_utf8_indented_by_two() -> None:
    """Vietnamese text is written as is, with an indent of 2."""
    raw = render_json(build_report()).decode("utf-8")
    assert "Số liệu trên hệ thống đã bị sửa" in raw
    assert "\\u" not in raw
    assert raw.startswith('{\n  "run_id": ')


def test_json_text_is_nfc() -> None:
    """Decomposed (NFD) text from a remote is written composed (NFC)."""
    report = build_report()
    nfd = unicodedata.normalize("NFD", "Đã hoàn thành")
    report.systems["nq71"].notes.append(nfd)
    data = json.loads(render_json(report))
    assert data["systems"]["nq71"]["notes"][-1] == "Đã hoàn thành"
    assert unicodedata.is_normalized("NFC", json.dumps(data, ensure_ascii=False))
