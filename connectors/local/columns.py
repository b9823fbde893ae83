"""The sheets and canonical headers of the units' workbook and of the assignment workbook."""

from connectors.local.table import Column

REPORT_SHEET = "Báo cáo"
UNIT_SHEET = "Đơn vị"
ASSIGNMENT_SHEET = "Phân công"

CODE = "Mã chỉ tiêu"
TITLE = "Tên chỉ tiêu"
PERIOD = "Kỳ báo cáo"
ACTUAL = "Giá trị thực hiện"
PROGRESS = "Tỷ lệ hoàn thành (%)"
STATUS = "Tình trạng"
NOTE = "Ghi chú"
REPORTER = "Người báo cáo"
EVIDENCE = "Tệp minh chứng"
DOCUMENT_NUMBER = "Số hiệu văn bản"
ISSUE_DATE = "Ngày ban hành"

UNIT_CODE = "Mã đơn vị"
UNIT_NAME = "Tên đơn vị"

LEAD_UNIT = "Đơn vị chủ trì"
SUPPORTING_UNITS = "Đơn vị phối hợp"
RESPONSIBLE_PERSON = "Người phụ trách"
PRODUCT = "Sản phẩm"
DEADLINE = "Thời hạn"
APPROVING_AUTHORITY = "Thẩm quyền phê duyệt"

REPORT_HEADERS: tuple[str, ...] = (
    CODE,
    TITLE,
    PERIOD,
    ACTUAL,
    PROGRESS,
    STATUS,
    NOTE,
    REPORTER,
    EVIDENCE,
    DOCUMENT_NUMBER,
    ISSUE_DATE,
)
"""The `Báo cáo` sheet's header row, exactly and in order, as the template writes it."""

REPORT_COLUMNS: tuple[Column, ...] = (
    Column(CODE, required=True),
    Column(TITLE),
    Column(PERIOD, required=True),
    Column(ACTUAL, required=True),
    Column(PROGRESS, aliases=("Tỷ lệ hoàn thành", "Tỷ lệ hoàn thành %"), required=True),
    Column(STATUS, required=True),
    Column(NOTE),
    Column(REPORTER),
    Column(EVIDENCE),
    Column(DOCUMENT_NUMBER),
    Column(ISSUE_DATE),
)

CSV_REPORT_COLUMNS: tuple[Column, ...] = (*REPORT_COLUMNS, Column(UNIT_CODE))

UNIT_COLUMNS: tuple[Column, ...] = (Column(UNIT_CODE), Column(UNIT_NAME))

ASSIGNMENT_COLUMNS: tuple[Column, ...] = (
    Column(CODE, required=True),
    Column(TITLE),
    Column(LEAD_UNIT),
    Column(SUPPORTING_UNITS),
    Column(RESPONSIBLE_PERSON),
    Column(PRODUCT),
    Column(DEADLINE),
    Column(APPROVING_AUTHORITY),
)

REPORT_CELLS: tuple[str, ...] = (
    ACTUAL,
    PROGRESS,
    STATUS,
    NOTE,
    EVIDENCE,
    DOCUMENT_NUMBER,
    ISSUE_DATE,
)
"""The cells a unit fills in; a row with none of them is a prefilled row not yet reported."""
