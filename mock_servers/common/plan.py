"""The plan's five sections and 44 targets as the mocks know them, from their own fixture.

`plan_targets.json` is transcribed from the plan's text (section I.1, "Mục tiêu"): section,
item number, title (NFC, the plan's `$\\geq 2\\%$` written `≥ 2%`, no closing period), unit and
target (operator and value; none for a milestone). The mocks share nothing with nqsync's own
catalogue, as the real systems do not: a wrong title there shows up as a mapping failure here.
"""

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Literal

Operator = Literal[">=", "<=", "="]


@dataclass(frozen=True)
class PlanSection:
    """One of the plan's five target groups (`1.1` … `1.5`)."""

    code: str
    title: str


@dataclass(frozen=True)
class PlanTarget:
    """One numbered target: item `item` of section `section`, with its unit and target."""

    section: str
    item: int
    title: str
    unit: str | None
    operator: Operator | None
    value: float | None

    @property
    def code(self) -> str:
        """The plan's numbering, `1.<section>.<item>`."""
        return f"{self.section}.{self.item}"


@dataclass(frozen=True)
class Plan:
    """The plan's sections, its targets in plan order, and their deadline (the end of 2026)."""

    sections: tuple[PlanSection, ...]
    targets: tuple[PlanTarget, ...]
    deadline: date


@cache
def plan() -> Plan:
    """The fixture, read once."""
    text = resources.files("mock_servers.common").joinpath("plan_targets.json").read_text("utf-8")
    raw = json.loads(text)
    sections = tuple(PlanSection(code=s["code"], title=s["title"]) for s in raw["sections"])
    targets = tuple(
        PlanTarget(
            section=t["section"],
            item=t["item"],
            title=t["title"],
            unit=t["unit"],
            operator=t["operator"],
            value=None if t["value"] is None else float(t["value"]),
        )
        for t in raw["targets"]
    )
    return Plan(
        sections=sections, targets=targets, deadline=date.fromisoformat(raw["deadline"])
    )
