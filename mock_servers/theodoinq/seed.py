"""The seeded world: the organisation's grants for the year and each report's 5 + 44 rows.

Everything here is a pure function of the seed, the reset's generation and the mocks' own
transcription of the plan (`mock_servers.common.plan`).
"""

import calendar
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from mock_servers.common.plan import PlanTarget, plan
from mock_servers.theodoinq.clock import day, deadline
from mock_servers.theodoinq.schemas import IdxType, PeriodType

RESOLUTION_57 = "57-NQ/TW"
RESOLUTION_71 = "71/NQ-CP"
OTHER_ORGANISATION = "UBND xã Phước An"
WEEKLY_GRANTS = 4
SECTION_COUNT = len(plan().sections)


@dataclass(frozen=True)
class GrantSpec:
    """A grant to create: whose it is, for which resolution and period."""

    organisation: str
    year: int
    resolution: str
    period_type: PeriodType
    from_date: str
    to_date: str
    deadline: str


@dataclass(frozen=True)
class RowSpec:
    """A report row to create; `section` indexes the plan's sections; `item` None for a section."""

    section: int
    item: int | None
    name: str
    idx_type: IdxType
    unit: str
    target: str


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _next_month_fifth(end: date) -> date:
    following = end + timedelta(days=1)
    return date(following.year, following.month, 5)


def grant_specs(year: int, organisation: str) -> list[GrantSpec]:
    """The grants a reset creates, in a fixed order.

    Twelve monthly (THANG) grants of 57-NQ/TW, four weekly (TUAN) ones, four quarterly (QUY)
    grants of 71/NQ-CP, all for `organisation`; and one monthly 57-NQ/TW grant of another
    organisation (reachable by id, never listed for this account).
    """
    specs: list[GrantSpec] = []
    for month in range(1, 13):
        end = _month_end(year, month)
        specs.append(
            GrantSpec(organisation, year, RESOLUTION_57, "THANG", day(date(year, month, 1)),
                      day(end), deadline(_next_month_fifth(end)))
        )
    first = date(year, 1, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    for week in range(WEEKLY_GRANTS):
        start = monday + timedelta(weeks=week)
        end = start + timedelta(days=6)
        specs.append(
            GrantSpec(organisation, year, RESOLUTION_57, "TUAN", day(start), day(end),
                      deadline(end + timedelta(days=1)))
        )
    for quarter in range(4):
        end = _month_end(year, 3 * quarter + 3)
        specs.append(
            GrantSpec(organisation, year, RESOLUTION_71, "QUY", day(date(year, 3 * quarter + 1, 1)),
                      day(end), deadline(_next_month_fifth(end)))
        )
    end = _month_end(year, 1)
    specs.append(
        GrantSpec(OTHER_ORGANISATION, year, RESOLUTION_57, "THANG", day(date(year, 1, 1)),
                  day(end), deadline(_next_month_fifth(end)))
    )
    return specs


def format_number(value: float) -> str:
    """A number as theodoinq writes it: no trailing `.0`, decimal comma."""
    if value.is_integer():
        return str(int(value))
    return repr(value).replace(".", ",")


def idx_type(target: PlanTarget) -> IdxType:
    """PERCENT for `%` targets, NUMBER for other numeric targets, TEXT for the rest."""
    if target.unit == "%":
        return "PERCENT"
    if target.value is not None:
        return "NUMBER"
    return "TEXT"


def idx_target(target: PlanTarget) -> str:
    """`≥ 90`, `≤ 10`, `100`, or `""` when the target has no number."""
    if target.operator is None or target.value is None:
        return ""
    number = format_number(target.value)
    prefix = {">=": "≥ ", "<=": "≤ ", "=": ""}[target.operator]
    return prefix + number


def row_specs() -> list[RowSpec]:
    """The five section rows, then the 44 indicator rows in plan order."""
    sections = plan().sections
    specs = [
        RowSpec(index, None, f"{s.code}. {s.title}", "GROUP", "", "")
        for index, s in enumerate(sections)
    ]
    codes = [s.code for s in sections]
    for t in plan().targets:
        specs.append(
            RowSpec(codes.index(t.section), t.item, t.title, idx_type(t), t.unit or "",
                    idx_target(t))
        )
    return specs


def seeded_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def first_grant_id(seed: int) -> int:
    """Where grant ids start for a seed."""
    return random.Random(f"theodoinq:{seed}:grants").randrange(10_000, 60_000)


def generation_rng(seed: int, generation: int) -> random.Random:
    """The generator of one reset: grant order, id steps, row ids and codes."""
    return random.Random(f"theodoinq:{seed}:{generation}")


def file_uuid(seed: int, generation: int, sequence: int) -> str:
    """The id of the `sequence`-th file uploaded since the reset `generation`."""
    return seeded_uuid(random.Random(f"theodoinq:{seed}:{generation}:file:{sequence}"))
