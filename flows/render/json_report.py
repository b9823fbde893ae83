"""`reconciliation.json`: the machine form of the report."""

import json
import unicodedata
from typing import Any

from flows.report_model import Reconciliation


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def render_json(report: Reconciliation) -> bytes:
    """The report as UTF-8 JSON (NFC, not ASCII-escaped, indented by 2)."""
    data = _nfc(report.model_dump(mode="json"))
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
