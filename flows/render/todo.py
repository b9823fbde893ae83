"""Per-unit to-do lists ("rõ người, rõ trách nhiệm"): what each unit must act on after a run.

From the run's report: the unit's overdue and behind targets and its rejected evidence (the
warnings), its completions held for want of evidence (held entries without evidence, and
`evidence_missing` warnings), its rows changed on a system by someone else (conflicts) or not
sent (missing on the system), and the row errors in its files. A row error's unit is read from
its file's path the way the reader names units: the file name's leading token, else a folder.
An item seen on both systems is listed once, naming both.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

from flows.reconcile import code_key
from flows.render import labels as lb
from flows.report_model import Entry, EntryStatus, Reconciliation, RunWarning
from models.records import RowError
from models.units import UNITS, get_unit

TodoKind = Literal["overdue", "behind", "rejected", "evidence", "conflict", "not_sent", "row_error"]

TODO_ORDER: tuple[TodoKind, ...] = (
    "overdue",
    "behind",
    "rejected",
    "evidence",
    "conflict",
    "not_sent",
    "row_error",
)

TODO_LABELS: dict[TodoKind, str] = {
    "overdue": "Chỉ tiêu quá hạn",
    "behind": "Chỉ tiêu chậm so với lộ trình",
    "rejected": "Minh chứng bị đánh giá không đạt",
    "evidence": "Báo cáo hoàn thành chưa có minh chứng",
    "conflict": "Số liệu bị sửa trên hệ thống",
    "not_sent": "Số liệu chưa gửi được lên hệ thống",
    "row_error": "Lỗi trong tệp báo cáo",
}

TODO_ACTIONS: dict[TodoKind, str] = {
    "overdue": "Hoàn thành chỉ tiêu hoặc báo cáo rõ lý do quá hạn và thời gian hoàn thành",
    "behind": "Đẩy nhanh tiến độ và báo cáo kết quả trong kỳ tới",
    "rejected": "Bổ sung hoặc thay minh chứng theo ý kiến thẩm định",
    "evidence": "Bổ sung tệp minh chứng vào báo cáo để được gửi lên hệ thống",
    "conflict": "Đối chiếu số liệu với cơ quan thường trực trước kỳ báo cáo tới",
    "not_sent": "Phối hợp với cơ quan thường trực xử lý theo lý do nêu",
    "row_error": "Sửa ô được chỉ ra trong tệp rồi gửi lại",
}

_WARNING_KINDS: dict[str, TodoKind] = {
    "overdue": "overdue",
    "behind_schedule": "behind",
    "evidence_rejected": "rejected",
    "evidence_missing": "evidence",
}
_ENTRY_KINDS: dict[EntryStatus, TodoKind] = {
    EntryStatus.CONFLICT: "conflict",
    EntryStatus.MISSING_REMOTE: "not_sent",
    EntryStatus.HELD: "evidence",
}
_TOKENS = re.compile(r"[_\-\s.]+")


@dataclass
class TodoItem:
    """One thing a unit must act on."""

    kind: TodoKind
    target_code: str
    period: str | None
    detail: str
    systems: list[str] = field(default_factory=list)
    place: str = ""

    @property
    def label(self) -> str:
        """What kind of item this is, in Vietnamese."""
        return TODO_LABELS[self.kind]

    @property
    def action(self) -> str:
        """What the unit should do about it."""
        return TODO_ACTIONS[self.kind]


@dataclass(frozen=True)
class UnitTodo:
    """A unit's whole list."""

    unit_code: str
    unit_name: str
    items: tuple[TodoItem, ...]


def _unit_of_file(path: str) -> str | None:
    """The unit a source file belongs to: its name's leading token, else a folder's name."""
    parts = PurePosixPath(path.replace("\\", "/"))
    candidates = [_TOKENS.split(parts.stem)[0], *reversed(parts.parts[:-1])]
    for candidate in candidates:
        unit = get_unit(candidate) if candidate else None
        if unit is not None:
            return unit.code
    return None


def _for_the_unit(entry: Entry) -> bool:
    """A held entry is the unit's to act on only when it lacks evidence (a locked period is not)."""
    return entry.status is not EntryStatus.HELD or not entry.evidence.local


def _from_entries(name: str, entries: Iterable[Entry]) -> Iterable[tuple[str, TodoItem]]:
    for entry in entries:
        kind = _ENTRY_KINDS.get(entry.status)
        if kind is None or entry.unit_code is None or not _for_the_unit(entry):
            continue
        shown = lb.differences(entry) if kind == "conflict" else []
        detail = lb.sentences([entry.reason, *shown])
        yield entry.unit_code, TodoItem(kind, entry.target_code, entry.period, detail, [name])


def _from_warnings(warnings: Iterable[RunWarning]) -> Iterable[tuple[str, TodoItem]]:
    for warning in warnings:
        kind = _WARNING_KINDS.get(warning.kind)
        if kind is not None and warning.unit_code is not None:
            item = TodoItem(kind, warning.target_code, warning.period, lb.text(warning.detail))
            yield warning.unit_code, item


def _from_errors(errors: Iterable[RowError]) -> Iterable[tuple[str, TodoItem]]:
    for error in errors:
        unit = _unit_of_file(error.file)
        if unit is None:
            continue
        place = ", ".join(
            part
            for part in (
                lb.text(error.file),
                error.sheet and f"trang {lb.text(error.sheet)}",
                error.row is not None and f"dòng {error.row}",
                error.column and f"cột {lb.text(error.column)}",
            )
            if part
        )
        yield unit, TodoItem("row_error", "", None, lb.text(error.reason), place=place)


def unit_todos(report: Reconciliation) -> list[UnitTodo]:
    """Each unit with something to act on, in the units' order (others by code), its items
    ordered by kind, target and period; the same item from two systems once, naming both."""
    found: dict[str, dict[tuple[str, str, str | None, str], TodoItem]] = {}
    pairs: list[tuple[str, TodoItem]] = []
    for name, system in report.systems.items():
        pairs += _from_entries(name, system.entries)
    pairs += _from_warnings(report.warnings)
    pairs += _from_errors(report.errors)
    for unit, item in pairs:
        key = (item.kind, item.target_code, item.period, item.place or item.detail)
        if item.kind in ("evidence", "conflict", "not_sent"):
            key = (item.kind, item.target_code, item.period, "")
        known = found.setdefault(unit, {}).get(key)
        if known is None:
            found[unit][key] = item
        else:
            known.systems += [s for s in item.systems if s not in known.systems]
    order = [u.code for u in UNITS]
    units = sorted(found, key=lambda c: (order.index(c) if c in order else len(order), c))
    return [
        UnitTodo(
            unit_code=code,
            unit_name=lb.unit_label(code),
            items=tuple(sorted(found[code].values(), key=_item_order)),
        )
        for code in units
    ]


def _item_order(item: TodoItem) -> tuple[int, tuple[tuple[int, ...], str], str, str]:
    return TODO_ORDER.index(item.kind), code_key(item.target_code), item.period or "", item.place
