"""The plan's rules between the cells of one report row, judged on the rounded values.

- the period is a month of the plan's year;
- `Hoàn thành` (completed) means a completion of 100% and, for a target with a threshold, a
  measured value that meets it;
- `Chưa thực hiện` (not started) means a completion of 0%.

Each broken rule is a row error placed at the cell that contradicts the status (or at the
period), with the rule in Vietnamese. A row in progress that already reports 100% is accepted:
the plan treats a value that meets the target as a report of completion, which is held back
until it has evidence (`connectors.planning`).
"""

from decimal import Decimal

from connectors.local import columns as col
from connectors.local.normalize import format_number_vi
from models.catalogue import DEADLINE, Target
from models.records import STATUS_LABELS, Status

PLAN_YEAR = DEADLINE.year


def period_problem(period: str) -> str | None:
    """Why a `YYYY-MM` period cannot be reported under the plan, or None."""
    if int(period[:4]) == PLAN_YEAR:
        return None
    return (
        f"Kỳ báo cáo {period[5:]}/{period[:4]} nằm ngoài năm của Kế hoạch ({PLAN_YEAR}): "
        f"chỉ báo cáo các tháng của năm {PLAN_YEAR}"
    )


def _threshold(target: Target) -> str:
    value = format_number_vi(target.target_value or 0)
    operator = {">=": "≥ ", "<=": "≤ ", "=": ""}[target.target_operator or "="]
    unit = "%" if target.unit == "%" else f" {target.unit}" if target.unit else ""
    return f"{operator}{value}{unit}"


def status_problems(
    status: Status, actual: Decimal | None, progress: Decimal | None, target: Target | None
) -> list[tuple[str, str]]:
    """(column, reason) for each rule of the status the row's numbers break."""
    label = STATUS_LABELS[status]
    problems: list[tuple[str, str]] = []
    if status is Status.COMPLETED:
        if progress is not None and progress != 100:
            problems.append(
                (
                    col.PROGRESS,
                    f"Tình trạng '{label}' nhưng tỷ lệ hoàn thành là "
                    f"{format_number_vi(progress)}%: chỉ tiêu hoàn thành phải đạt 100%",
                )
            )
        if (
            actual is not None
            and target is not None
            and target.target_operator is not None
            and not target.is_met_by(float(actual))
        ):
            problems.append(
                (
                    col.ACTUAL,
                    f"Tình trạng '{label}' nhưng giá trị thực hiện {format_number_vi(actual)} "
                    f"chưa đạt chỉ tiêu {target.code} ({_threshold(target)})",
                )
            )
    if status is Status.NOT_STARTED and progress is not None and progress != 0:
        problems.append(
            (
                col.PROGRESS,
                f"Tình trạng '{label}' nhưng tỷ lệ hoàn thành là "
                f"{format_number_vi(progress)}%: chưa thực hiện thì tỷ lệ phải là 0%",
            )
        )
    return problems
