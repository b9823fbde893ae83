"""What the standing office reads: Vietnamese labels and the Vietnamese way of writing values.

Every text shown to people goes through `text` (NFC). Numbers are written with a decimal comma
and dot-grouped thousands (`1.234,5`, `87,5%`); periods `MM/YYYY`; times in Vietnam's local
time, `dd/mm/yyyy HH:MM` (a naive time is taken as UTC). Statuses are worded by the run's mode:
a dry run in the future tense, a real run in the past.
"""

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from flows.report_model import Entry, EntryStatus, SystemReport
from flows.report_model import status_label as _status_label
from models.catalogue import get
from models.clock import VIETNAM
from models.records import STATUS_LABELS as RECORD_STATUS_LABELS
from models.records import Status
from models.units import get_unit

Tone = Literal["ok", "warn", "bad"]

STATUS_TONES: dict[EntryStatus, Tone] = {
    EntryStatus.IN_SYNC: "ok",
    EntryStatus.CREATED: "ok",
    EntryStatus.UPDATED: "ok",
    EntryStatus.HELD: "warn",
    EntryStatus.MISSING_REMOTE: "warn",
    EntryStatus.REMOTE_ONLY: "warn",
    EntryStatus.CONFLICT: "bad",
    EntryStatus.FAILED: "bad",
    EntryStatus.UNMAPPED: "bad",
    EntryStatus.DUPLICATE: "bad",
    EntryStatus.STALE: "warn",
}

WARNING_TONES: dict[str, Tone] = {
    "overdue": "bad",
    "behind_schedule": "bad",
    "evidence_rejected": "bad",
    "evidence_missing": "warn",
    "missing_6ro": "warn",
    "drift": "bad",
}

ATTENTION: tuple[EntryStatus, ...] = (
    EntryStatus.CONFLICT,
    EntryStatus.HELD,
    EntryStatus.FAILED,
    EntryStatus.MISSING_REMOTE,
    EntryStatus.UNMAPPED,
    EntryStatus.REMOTE_ONLY,
    EntryStatus.DUPLICATE,
    EntryStatus.STALE,
)

REVIEW_LABELS: dict[str, str] = {
    "pending": "Chờ thẩm định",
    "accepted": "Đạt",
    "rejected": "Không đạt",
}

FIELD_LABELS: dict[str, str] = {
    "actual": "Giá trị thực hiện",
    "progress_percent": "Tỷ lệ hoàn thành (%)",
    "status": "Tình trạng",
    "note": "Ghi chú",
    "evidence": "Minh chứng",
    "document_number": "Số hiệu văn bản",
    "issue_date": "Ngày ban hành",
    "reporter": "Người báo cáo",
}

EMPTY = "(trống)"


def text(value: object) -> str:
    """The value as NFC text ('' for None)."""
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value))


def yes_no(flag: bool) -> str:
    """`Có` or `Không`."""
    return "Có" if flag else "Không"


def as_number(value: object) -> float | int | None:
    """A numeric value as a spreadsheet or chart takes it (Decimal → float); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def sentences(parts: Iterable[str | None]) -> str:
    """Parts joined by `; `, each without its closing punctuation (no `.;` or `;;`)."""
    cleaned = (text(part).strip().rstrip(".;, ").strip() for part in parts if part)
    return "; ".join(part for part in cleaned if part)


def number(value: float | Decimal, decimals: int = 2) -> str:
    """A number the Vietnamese way, trailing zeros dropped: 1234.5 → `1.234,5`."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    rendered = f"{value:,.{decimals}f}"
    if "." in rendered:
        rendered = rendered.rstrip("0").rstrip(".")
    if rendered in ("-0", ""):
        rendered = "0"
    return rendered.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(value: float | Decimal | None, decimals: int = 1) -> str:
    """A percentage the Vietnamese way: 87.5 → `87,5%`; None → `—`."""
    return "—" if value is None else f"{number(value, decimals)}%"


def local_time(moment: datetime) -> datetime:
    """The moment in Vietnam's local time, without tzinfo (as spreadsheets hold it)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM).replace(tzinfo=None)


def time_text(moment: datetime | None) -> str:
    """`dd/mm/yyyy HH:MM` in Vietnam's local time; `—` for None."""
    return "—" if moment is None else local_time(moment).strftime("%d/%m/%Y %H:%M")


def date_text(day: date) -> str:
    """`dd/mm/yyyy`."""
    return day.strftime("%d/%m/%Y")


def period_date(period: str | None) -> date | None:
    """The first day of a `YYYY-MM` period, or None when it is not one."""
    if not period:
        return None
    try:
        return datetime.strptime(period, "%Y-%m").date()
    except ValueError:
        return None


def period_text(period: str | None) -> str:
    """A `YYYY-MM` period as `MM/YYYY` (other text as it is)."""
    day = period_date(period)
    return day.strftime("%m/%Y") if day is not None else text(period)


def status_label(status: EntryStatus, dry_run: bool = False) -> str:
    """The Vietnamese label of an entry status, in the future tense on a dry run."""
    return _status_label(status, dry_run)


def unit_label(code: str | None) -> str:
    """A unit's name when it is known, otherwise its code ('' for None)."""
    if code is None:
        return ""
    unit = get_unit(code)
    return text(unit.name if unit is not None else code)


def target_title(code: str) -> str:
    """The plan's title of a target ('' for an unknown code)."""
    target = get(code)
    return target.title if target is not None else ""


def _value_text(field: str, value: Any) -> str:
    """One side's value of a field, for people to read."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | float | Decimal):
        return number(value)
    if field == "status" and isinstance(value, str) and value in set(Status):
        return RECORD_STATUS_LABELS[Status(value)]
    if isinstance(value, list | tuple):
        return "; ".join(text(v) for v in value) or EMPTY
    return text(value)


def differences(entry: Entry) -> list[str]:
    """One line per differing field: `Label: xã … / hệ thống …`."""
    return [
        f"{FIELD_LABELS.get(field, text(field))}: xã {_value_text(field, diff.local)}"
        f" / hệ thống {_value_text(field, diff.remote)}"
        for field, diff in entry.differences.items()
    ]


def reason(entry: Entry) -> str:
    """The entry's reason, with the evidence a dry run would upload (its status says the rest)."""
    uploads = ", ".join(text(p) for p in entry.planned_uploads)
    return sentences([entry.reason, uploads and f"Sẽ tải lên minh chứng: {uploads}"])


def review(entry: Entry) -> str:
    """The evidence review outcome with the reviewer's comment."""
    if entry.evidence.review is None:
        return text(entry.evidence.review_comment)
    label = REVIEW_LABELS[entry.evidence.review]
    comment = text(entry.evidence.review_comment)
    return f"{label}: {comment}" if comment else label


def status_counts(system: SystemReport) -> dict[EntryStatus, int]:
    """Counts per status, every status present: the summary, or the entries when it is empty."""
    if system.summary:
        found = {EntryStatus(k): v for k, v in system.summary.items() if k in set(EntryStatus)}
    else:
        found = dict(Counter(entry.status for entry in system.entries))
    return {status: found.get(status, 0) for status in EntryStatus}
