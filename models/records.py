"""Canonical progress records and row errors: what every source normalises into."""

from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PLACES = Decimal("0.000001")
"""Values are kept to six decimal places: what the remotes keep, and what is sent."""


def quantize(value: Decimal | float | int) -> Decimal:
    """VALUE rounded once (half to even) to six places, without trailing zeros."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    rounded = number.quantize(PLACES, rounding=ROUND_HALF_EVEN)
    if rounded == rounded.to_integral_value():
        return rounded.quantize(Decimal(1)) + Decimal(0)
    return rounded.normalize()


Quantity = Annotated[Decimal, AfterValidator(quantize)]
"""A decimal value as the records keep it (see `quantize`)."""


class Status(StrEnum):
    """A target's status in a unit's report (tình trạng)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    OVERDUE = "overdue"


STATUS_LABELS: dict[Status, str] = {
    Status.NOT_STARTED: "Chưa thực hiện",
    Status.IN_PROGRESS: "Đang thực hiện",
    Status.COMPLETED: "Hoàn thành",
    Status.OVERDUE: "Quá hạn",
}
"""Statuses as the plan and the units write them (GLOSSARY.md)."""


class SourceRef(BaseModel):
    """Where a record came from: file, sheet and the row as Excel numbers it (1-based)."""

    model_config = ConfigDict(frozen=True)

    file: str
    sheet: str
    row: int


class EvidenceFile(BaseModel):
    """An evidence file named by a row, identified by its sha256."""

    model_config = ConfigDict(frozen=True)

    path: str
    sha256: str
    size: int


class ProgressRecord(BaseModel):
    """One unit's report on one target for one month, keyed by (unit_code, target_code, period)."""

    model_config = ConfigDict(frozen=True)

    unit_code: str
    target_code: str
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    actual: Quantity | None = None
    progress_percent: Quantity | None = Field(default=None, ge=0, le=100)
    status: Status
    note: str = ""
    reporter: str = ""
    evidence: tuple[EvidenceFile, ...] = ()
    document_number: str = ""
    issue_date: str | None = None
    source: SourceRef

    @property
    def key(self) -> tuple[str, str, str]:
        """The canonical key (unit_code, target_code, period)."""
        return (self.unit_code, self.target_code, self.period)


class RowError(BaseModel):
    """A row (or cell) that could not be read, with a reason in Vietnamese."""

    model_config = ConfigDict(frozen=True)

    file: str
    sheet: str
    row: int | None
    column: str | None
    reason: str


class SourceFile(BaseModel):
    """A workbook read from the source, relative to the source root, with its sha256."""

    model_config = ConfigDict(frozen=True)

    path: str
    sha256: str
    size: int


class ReadResult(BaseModel):
    """What reading a source gives: good records, row errors, and every workbook file found
    (sha256 and size), except non-report workbooks that rows name as evidence."""

    model_config = ConfigDict(frozen=True)

    records: tuple[ProgressRecord, ...] = ()
    errors: tuple[RowError, ...] = ()
    files: tuple[SourceFile, ...] = ()
