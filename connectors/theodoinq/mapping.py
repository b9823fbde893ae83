"""Canonical ⇄ theodoinq: values with a decimal comma, targets, escaped content, tree positions."""

__all__ = [
    "content_html",
    "content_text",
    "desired_row",
    "format_value",
    "grant_period",
    "is_handled",
    "meets_target",
    "parse_target",
    "parse_value",
    "row_fingerprint",
    "row_has_data",
    "rows_by_code",
    "section_rows",
]

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from connectors.decimal_comma import format_decimal as format_value
from connectors.decimal_comma import parse_decimal as parse_value
from models import catalogue
from models.catalogue import TargetOperator
from models.fingerprint import fingerprint
from models.records import STATUS_LABELS, ProgressRecord

_TARGET = re.compile(r"^\s*(?P<op>≥|>=|≤|<=|=)?\s*(?P<value>\d+(?:[.,]\d+)?)\s*%?\s*$")
_OPERATORS: Mapping[str, TargetOperator] = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", "=": "="}
_TAG = re.compile(r"<[^>]+>")


def parse_target(text: str | None) -> tuple[TargetOperator, Decimal] | None:
    """`idxTarget` (`"≥ 90"`, `"100"`, `"≤ 10"`) as an operator and value; None when it has none."""
    match = _TARGET.match(text or "")
    if match is None:
        return None
    value = parse_value(match["value"])
    if value is None:
        return None
    return _OPERATORS.get(match["op"] or "=", "="), value


def meets_target(value: Decimal | None, target: str | None) -> bool:
    """Whether VALUE meets the row's `idxTarget`: a report of completion, needing a file."""
    parsed = parse_target(target)
    if value is None or parsed is None:
        return False
    operator, goal = parsed
    if operator == ">=":
        return value >= goal
    if operator == "<=":
        return value <= goal
    return value == goal


def content_html(note: str) -> str:
    """A note as `idxContent`: escaped text in one paragraph, never raw HTML; `""` for none."""
    return f"<p>{html.escape(note, quote=False)}</p>" if note else ""


def content_text(content: str | None) -> str:
    """The text of an `idxContent` (tags dropped, entities decoded, spaces collapsed)."""
    return " ".join(html.unescape(_TAG.sub(" ", content or "")).split())


def section_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Section code (`1.5`) → the GROUP row's `idxId`, read from names like `1.5. Phát triển…`."""
    found: dict[str, Any] = {}
    for row in rows:
        if row.get("parentId") is None and row.get("idxType") == "GROUP":
            match = re.match(r"^\s*(\d+\.\d+)\.?\s", str(row.get("idxName", "")))
            if match:
                found[match[1]] = row.get("idxId")
    return found


def rows_by_code(rows: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Plan code (`1.5.17`) → its indicator row, found by tree position, never by stored ids."""
    sections = {idx_id: code for code, idx_id in section_rows(rows).items()}
    found: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        section = sections.get(row.get("parentId"))
        order = row.get("idxOrder")
        if section is not None and isinstance(order, int) and row.get("idxType") != "GROUP":
            found[f"{section}.{order}"] = row
    return found


RESOLUTION = "57-NQ/TW"


def grant_period(grant: Mapping[str, Any]) -> str | None:
    """`YYYY-MM` of a monthly grant from its `fromDate` (`dd/mm/yyyy`)."""
    match = re.match(r"^\d{1,2}/(\d{1,2})/(\d{4})", str(grant.get("fromDate", "")))
    return f"{match[2]}-{int(match[1]):02d}" if match else None


def is_handled(grant: Mapping[str, Any]) -> bool:
    """Whether the connector writes to this grant: monthly grants of 57-NQ/TW only."""
    return grant.get("resolution") == RESOLUTION and grant.get("periodType") == "THANG"


def row_fingerprint(row: Mapping[str, Any]) -> str:
    """What the connector owns in a row, fingerprinted: value, content text and files."""
    return fingerprint(
        {
            "value": str(row.get("idxValue") or ""),
            "note": content_text(row.get("idxContent")),
            "files": sorted(str(f) for f in row.get("fileIds") or []),
        }
    )


def row_has_data(row: Mapping[str, Any]) -> bool:
    """Whether anyone has filled the row in."""
    return bool(row.get("idxValue") or row.get("idxContent") or row.get("fileIds"))


def desired_row(record: ProgressRecord, file_ids: Sequence[str]) -> dict[str, Any]:
    """The owned fields of a row as the connector would write them.

    A target with no number (a TEXT row) carries the status in words as its value.
    """
    target = catalogue.get(record.target_code)
    if target is not None and target.target_operator is None:
        value = STATUS_LABELS[record.status]
    else:
        value = format_value(record.actual)
    return {
        "idxValue": value,
        "idxContent": content_html(record.note),
        "fileIds": list(file_ids),
    }
