"""The commune's one figure per (target, period): the lead unit's report (DESIGN.md, keys).

With an assignment, the lead unit's (chủ trì) record is the commune's figure; if the lead did
not report, nothing is pushed. Without one, the only unit that reported is; several units and no
lead named is an error, and nothing is pushed for that key.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from models.assignment import AssignmentSet
from models.records import ProgressRecord


@dataclass(frozen=True)
class Selection:
    """The records to push, and the ones that could not be, each with its reason."""

    selected: list[ProgressRecord] = field(default_factory=list)
    skipped: list[tuple[ProgressRecord, str]] = field(default_factory=list)


def select_commune_figures(
    records: Sequence[ProgressRecord], assignments: AssignmentSet | None
) -> Selection:
    """One record per (target_code, period) by the rules above; the rest skipped with reasons."""
    leads = {
        a.target_code: a.lead_unit
        for a in (assignments.assignments if assignments else ())
        if a.lead_unit
    }
    groups: dict[tuple[str, str], list[ProgressRecord]] = defaultdict(list)
    for record in records:
        groups[(record.target_code, record.period)].append(record)
    result = Selection()
    for (target, _period), group in sorted(groups.items(), key=lambda item: _order(item[0])):
        lead = leads.get(target)
        if lead is not None:
            chosen = [r for r in group if r.unit_code == lead]
            if chosen:
                result.selected.append(chosen[0])
                continue
            reason = (
                f"Đơn vị chủ trì {lead} chưa báo cáo chỉ tiêu này; "
                "không gửi số liệu của đơn vị khác."
            )
        elif len(group) == 1:
            result.selected.append(group[0])
            continue
        else:
            units = ", ".join(sorted(r.unit_code for r in group))
            reason = f"Nhiều đơn vị cùng báo cáo ({units}) mà chưa phân công đơn vị chủ trì."
        result.skipped.extend((r, reason) for r in group)
    return result


def _order(key: tuple[str, str]) -> tuple[tuple[int, ...], str]:
    target, period = key
    return tuple(int(part) for part in target.split(".")), period
