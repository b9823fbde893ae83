"""Canonical ⇄ nq71: plan codes ⇄ `CTnn` by title, periods `MM/YYYY`, statuses 1–4, decimal commas.

Titles on nq71 are NFD and may differ from the plan's in spacing, punctuation, case and tone
placement (`hoà`/`hòa`). They are compared through `title_key`, which absorbs exactly those
differences and nothing more: other wording is never guessed, it is reported as unmapped unless
the override file names it.
"""

import csv
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.base import RemoteEvidence, Review
from connectors.decimal_comma import format_decimal as format_number
from connectors.decimal_comma import parse_decimal as parse_number
from models.catalogue import Target
from models.fingerprint import fingerprint
from models.records import ProgressRecord, Status

__all__ = [
    "STATUS_BY_CODE",
    "STATUS_CODES",
    "IndicatorMap",
    "creatable",
    "desired_fingerprint",
    "format_number",
    "from_period",
    "load_overrides",
    "map_indicators",
    "overall_review",
    "parse_number",
    "report_fields",
    "report_fingerprint",
    "title_key",
    "to_period",
    "vn_date",
]

_OLD_TONE = re.compile(r"([oOuU])([aAeEyY])([\u0300\u0301\u0303\u0309\u0323])(?!\w)")
_PUNCTUATION = re.compile(r"[^\w\s]")

STATUS_CODES: Mapping[Status, int] = {
    Status.NOT_STARTED: 1,
    Status.IN_PROGRESS: 2,
    Status.COMPLETED: 3,
    Status.OVERDUE: 4,
}
STATUS_BY_CODE: Mapping[int, Status] = {code: status for status, code in STATUS_CODES.items()}


def title_key(title: str) -> str:
    """A title as compared: NFC, new-style tone placement, no case, punctuation or extra spaces."""
    text = unicodedata.normalize("NFD", title)
    text = _OLD_TONE.sub(r"\1\3\2", text)
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def to_period(period: str) -> str:
    """`2026-11` → `11/2026`."""
    year, month = period.split("-")
    return f"{month}/{year}"


def from_period(text: str) -> str:
    """`11/2026` → `2026-11`."""
    month, year = text.strip().split("/")
    return f"{int(year):04d}-{int(month):02d}"


@dataclass(frozen=True)
class IndicatorMap:
    """Plan codes mapped to `CTnn`, and what could not be mapped, with the reason."""

    by_plan: Mapping[str, str]
    unmapped_plan: Mapping[str, str] = field(default_factory=dict)
    unmapped_remote: Mapping[str, str] = field(default_factory=dict)

    @property
    def by_remote(self) -> dict[str, str]:
        """`CTnn` → plan code."""
        return {remote: plan for plan, remote in self.by_plan.items()}


class MappingFileError(ValueError):
    """The override file cannot be read; its text says why, in Vietnamese."""


def load_overrides(path: Path | None) -> dict[str, str]:
    """The override file (plan code → `CTnn`), JSON object or two-column CSV; empty when none.

    Raises `MappingFileError` when the file is missing, unreadable or malformed.
    """
    if path is None:
        return {}
    try:
        return _read_overrides(path)
    except (OSError, UnicodeError, json.JSONDecodeError) as error:
        raise MappingFileError(
            f"Không đọc được tệp ánh xạ chỉ tiêu nq71 {path.name} (NQSYNC_NQ71_MAPPING): "
            f"{type(error).__name__}: {error}"
        ) from error


def _read_overrides(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data: Any = json.loads(text)
        if not isinstance(data, dict):
            raise MappingFileError(f"{path.name}: cần một đối tượng JSON mã kế hoạch → mã CTnn")
        return {str(k).strip(): str(v).strip() for k, v in data.items()}
    rows = [row for row in csv.reader(text.splitlines()) if len(row) >= 2 and row[0].strip()]
    return {
        row[0].strip(): row[1].strip()
        for row in rows
        if not row[0].strip().lower().startswith(("mã", "ma", "plan", "code"))
    }


def map_indicators(
    targets: Sequence[Target],
    indicators: Iterable[Mapping[str, Any]],
    overrides: Mapping[str, str] | None = None,
) -> IndicatorMap:
    """Map plan targets to remote indicators: overrides first, then one exact title-key match."""
    remote = {str(i["ma_chi_tieu"]): str(i.get("ten_chi_tieu", "")) for i in indicators}
    by_key: dict[str, list[str]] = defaultdict(list)
    for code, title in remote.items():
        by_key[title_key(title)].append(code)
    mapped: dict[str, str] = {}
    unmapped: dict[str, str] = {}
    for target in targets:
        chosen = (overrides or {}).get(target.code)
        if chosen is not None:
            if chosen in remote:
                mapped[target.code] = chosen
            else:
                unmapped[target.code] = f"tệp ánh xạ chỉ định {chosen}, không có trên nq71"
            continue
        candidates = by_key.get(title_key(target.title), [])
        if len(candidates) == 1:
            mapped[target.code] = candidates[0]
        elif candidates:
            unmapped[target.code] = "nhiều chỉ tiêu nq71 trùng tên: " + ", ".join(candidates)
        else:
            unmapped[target.code] = "không tìm thấy chỉ tiêu nq71 cùng tên"
    taken: dict[str, list[str]] = defaultdict(list)
    for plan, code in mapped.items():
        taken[code].append(plan)
    for code, plans in taken.items():
        if len(plans) > 1:
            for plan in plans:
                del mapped[plan]
                unmapped[plan] = f"{code} được gán cho nhiều chỉ tiêu: " + ", ".join(plans)
    used = set(mapped.values())
    unmatched_remote = {
        code: unicodedata.normalize("NFC", title)
        for code, title in remote.items()
        if code not in used
    }
    return IndicatorMap(mapped, unmapped, unmatched_remote)


def report_fields(record: ProgressRecord, indicator: str) -> dict[str, Any]:
    """The body of a report as the connector writes it."""
    return {
        "ma_chi_tieu": indicator,
        "ky_bao_cao": to_period(record.period),
        "gia_tri_thuc_hien": format_number(record.actual),
        "ty_le_hoan_thanh": format_number(record.progress_percent),
        "tinh_trang": STATUS_CODES[record.status],
        "ghi_chu": record.note,
        "nguoi_bao_cao": record.reporter,
    }


def report_fingerprint(report: Mapping[str, Any], files: Sequence[str]) -> str:
    """What the connector owns in a report, fingerprinted: the fields and the files' hashes."""
    return fingerprint(
        {
            "gia_tri_thuc_hien": format_number(parse_number(report.get("gia_tri_thuc_hien"))),
            "ty_le_hoan_thanh": format_number(parse_number(report.get("ty_le_hoan_thanh"))),
            "tinh_trang": int(report.get("tinh_trang") or 0),
            "ghi_chu": " ".join(str(report.get("ghi_chu") or "").split()),
            "nguoi_bao_cao": " ".join(str(report.get("nguoi_bao_cao") or "").split()),
            "files": sorted(set(files)),
        }
    )


def desired_fingerprint(record: ProgressRecord, indicator: str) -> str:
    """The fingerprint the remote report has once it holds RECORD."""
    return report_fingerprint(
        report_fields(record, indicator), [e.sha256 for e in record.evidence]
    )


def overall_review(evidence: Sequence[RemoteEvidence]) -> Review | None:
    """Rejected if any file is, accepted if all are, otherwise pending; None without files."""
    if not evidence:
        return None
    reviews = {e.review for e in evidence}
    if "rejected" in reviews:
        return "rejected"
    return "accepted" if reviews == {"accepted"} else "pending"


def creatable(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A new report's body: a completed status waits until the evidence is attached."""
    body = dict(fields)
    if body["tinh_trang"] == STATUS_CODES[Status.COMPLETED]:
        body["tinh_trang"] = STATUS_CODES[Status.IN_PROGRESS]
    return body


def vn_date(value: str | None) -> str:
    if not value:
        return ""
    year, month, day = value[:10].split("-")
    return f"{day}/{month}/{year}"
