"""Canonical ⇄ theodoinq: values with a decimal comma, targets, escaped content, tree positions."""

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from models.catalogue import TargetOperator

_TARGET = re.compile(r"^\s*(?P<op>≥|>=|≤|<=|=)?\s*(?P<value>\d+(?:[.,]\d+)?)\s*%?\s*$")
_OPERATORS: Mapping[str, TargetOperator] = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", "=": "="}
_TAG = re.compile(r"<[^>]+>")


def format_value(value: float | None) -> str:
    """A number as theodoinq writes it: decimal comma, no thousands separator, `""` for none."""
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def parse_value(text: str | None) -> float | None:
    """A theodoinq value string (`"87,5"`, `""`) as a number; None when empty or not a number."""
    if text is None or not text.strip():
        return None
    try:
        return float(text.strip().replace(".", "").replace(",", ".") if "," in text else text)
    except ValueError:
        return None


def parse_target(text: str | None) -> tuple[TargetOperator, float] | None:
    """`idxTarget` (`"≥ 90"`, `"100"`, `"≤ 10"`) as an operator and value; None when it has none."""
    match = _TARGET.match(text or "")
    if match is None:
        return None
    value = parse_value(match["value"])
    if value is None:
        return None
    return _OPERATORS.get(match["op"] or "=", "="), value


def meets_target(value: float | None, target: str | None) -> bool:
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
