"""`viec-can-lam.xlsx`: each unit's to-do list on a sheet of its own (named by the unit's code,
the unit's name in the printed page header), after a first sheet listing the units and counts,
so the standing office can send each unit its own list."""

import io

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from flows.render import labels as lb
from flows.render import sheets as sh
from flows.render.todo import TODO_LABELS, TODO_ORDER, TodoKind, UnitTodo, unit_todos
from flows.report_model import Reconciliation

INDEX_SHEET = "Danh sách đơn vị"
C = sh.Column
TODO_COLUMNS = (
    C("Việc"),
    C("Mã chỉ tiêu"),
    C("Tên chỉ tiêu", "wrap"),
    C("Kỳ báo cáo", "month"),
    C("Chi tiết", "wrap"),
    C("Vị trí trong tệp", "wrap"),
    C("Hệ thống"),
    C("Cần làm", "wrap"),
)
INDEX_COLUMNS = (
    C("Mã đơn vị"),
    C("Đơn vị"),
    C("Số việc", "number"),
    *(C(TODO_LABELS[kind], "number") for kind in TODO_ORDER),
)
TODO_TONES: dict[TodoKind, lb.Tone] = {
    "overdue": "bad",
    "behind": "bad",
    "rejected": "bad",
    "evidence": "warn",
    "conflict": "warn",
    "not_sent": "warn",
    "row_error": "warn",
}


def _unit_sheet(sheet: Worksheet, todo: UnitTodo) -> None:
    rows = [
        [
            item.label,
            item.target_code,
            lb.target_title(item.target_code),
            lb.period_date(item.period) or item.period,
            item.detail,
            item.place,
            ", ".join(item.systems),
            item.action,
        ]
        for item in todo.items
    ]
    sh.data_sheet(sheet, TODO_COLUMNS, rows, header=f"Việc cần làm: {todo.unit_name}")
    sh.colour_statuses(sheet, 1, {TODO_LABELS[k]: t for k, t in TODO_TONES.items()})


def _build_todo_workbook(report: Reconciliation) -> Workbook:
    """The list of units with their counts, then one sheet per unit with something to do."""
    todos = unit_todos(report)
    workbook = Workbook()
    index = workbook.active
    assert isinstance(index, Worksheet)
    index.title = INDEX_SHEET
    sh.data_sheet(
        index,
        INDEX_COLUMNS,
        [
            [
                todo.unit_code,
                todo.unit_name,
                len(todo.items),
                *(sum(1 for i in todo.items if i.kind == kind) for kind in TODO_ORDER),
            ]
            for todo in todos
        ],
        header=f"Việc cần làm theo đơn vị, lần chạy {report.run_id}",
    )
    for todo in todos:
        _unit_sheet(workbook.create_sheet(todo.unit_code[:31]), todo)
    return workbook


def render_todo_xlsx(report: Reconciliation) -> bytes:
    """The to-do workbook as the bytes of an `.xlsx` file."""
    buffer = io.BytesIO()
    _build_todo_workbook(report).save(buffer)
    return buffer.getvalue()
