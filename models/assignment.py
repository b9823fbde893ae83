"""The plan's assignments under the "6 rõ" rule, and the `missing_6ro` finding."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from models.records import RowError, SourceRef

SIX_RO: tuple[str, ...] = (
    "đơn vị chủ trì",
    "đơn vị phối hợp",
    "người phụ trách",
    "sản phẩm",
    "thời hạn",
    "thẩm quyền phê duyệt",
)
"""The six items of "6 rõ" as findings name them, in the assignment workbook's order."""


class Assignment(BaseModel):
    """Who does a target, with what product, by when, approved by whom.

    `supporting_units` are unit codes of `models.units`; supporters named in the workbook that
    are not among those units (e.g. "các doanh nghiệp viễn thông") are kept in
    `other_supporters`. `deadline` is None for a standing duty (`deadline_text` says so) or
    when no deadline is given (`deadline_text` empty).
    """

    model_config = ConfigDict(frozen=True)

    target_code: str
    lead_unit: str | None = None
    supporting_units: tuple[str, ...] = ()
    other_supporters: tuple[str, ...] = ()
    responsible_person: str = ""
    product: str = ""
    deadline: date | None = None
    deadline_text: str = ""
    approving_authority: str = ""
    source: SourceRef | None = None

    def missing_6ro(self) -> tuple[str, ...]:
        """The items of "6 rõ" this assignment lacks, as named in `SIX_RO`."""
        present = (
            self.lead_unit is not None,
            bool(self.supporting_units or self.other_supporters),
            bool(self.responsible_person),
            bool(self.product),
            bool(self.deadline_text),
            bool(self.approving_authority),
        )
        return tuple(name for name, ok in zip(SIX_RO, present, strict=True) if not ok)

    def involves(self, unit_code: str) -> bool:
        """Whether the unit leads or supports this target."""
        code = unit_code.strip().upper()
        return self.lead_unit == code or code in self.supporting_units


class AssignmentFinding(BaseModel):
    """A target whose assignment lacks some of the "6 rõ" (or that has no assignment at all)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["missing_6ro"] = "missing_6ro"
    target_code: str
    missing: tuple[str, ...]
    message: str
    source: SourceRef | None = None


class AssignmentSet(BaseModel):
    """The assignment workbook as read: one assignment per target, row errors, findings."""

    model_config = ConfigDict(frozen=True)

    assignments: tuple[Assignment, ...] = ()
    errors: tuple[RowError, ...] = ()
    findings: tuple[AssignmentFinding, ...] = ()

    def for_target(self, target_code: str) -> Assignment | None:
        """The assignment of a target, or None."""
        return next((a for a in self.assignments if a.target_code == target_code), None)
