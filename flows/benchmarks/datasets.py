"""Data the benchmarks run on: the 264-record set on disk and large reconciliations in memory.

`write_record_set(folder)` writes the units' workbooks for 44 targets × 6 months of 2026
(264 records), each record with its own small PDF as evidence beside its workbook: one
workbook per lead unit and month, `<UNIT>/<UNIT>_<YYYY-MM>.xlsx`, made from the unit's
template and filled in by the demo's own helpers (`flows.demo_data`), so the bytes depend on
the data alone and writing again leaves every file untouched. Each target's lead is the demo
assignment's (1.5.22, which it leaves unassigned, goes to PKT), so no assignment is needed.

`synthetic_reconciliation(n)` builds a reconciliation of N entries directly as the diff's plain
data (`flows.reconcile` items): a real run on one system with a realistic mix of outcomes,
evidence, duplicates, skipped records and remote-only reports. Target codes are numbered
beyond the plan's 44 (`9.<block>.<item>`) so that N is not bounded by 44 × 12 keys.

`python -m flows.benchmarks.datasets --out DIR [--months N] [--json]` writes the record set.
"""

import argparse
import calendar
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from flows.demo_data import (
    DEMO_ASSIGNMENTS,
    Month,
    ReportRow,
    UnitReport,
    fill_report,
    pdf_bytes,
    put_file,
    xlsx_bytes,
)
from flows.reconcile import ChangeItem, Key, LocalItem, OutcomeItem, RemoteItem
from models.catalogue import DEADLINE, Target, TargetKind, targets
from models.status import EntryStatus

RECORD_SET_MONTHS = 6
UNASSIGNED_LEAD = "PKT"
"""The unit that reports the one target the demo assignment leaves without a lead (1.5.22)."""

_DOING = "Đang thực hiện"


@dataclass(frozen=True)
class RecordSet:
    """Where the record set went: the source folder, its periods and how many files."""

    source: Path
    periods: tuple[str, ...]
    records: int
    workbooks: int
    evidence: int

    def as_json(self) -> dict[str, object]:
        """The set as a JSON object."""
        return {
            "source": str(self.source),
            "periods": list(self.periods),
            "records": self.records,
            "workbooks": self.workbooks,
            "evidence": self.evidence,
        }


def leads() -> dict[str, str]:
    """The lead unit of each of the plan's targets, in the plan's order."""
    assigned = {a.code: a.lead for a in DEMO_ASSIGNMENTS}
    return {t.code: assigned.get(t.code, UNASSIGNED_LEAD) for t in targets()}


def write_record_set(folder: Path, months: int = RECORD_SET_MONTHS) -> RecordSet:
    """Write the 44 targets' reports for the first MONTHS months of the plan's year under
    FOLDER (one workbook per lead unit and month, one PDF per record); idempotent."""
    if not 1 <= months <= 12:
        raise ValueError(f"months must be within 1–12, got {months}")
    by_unit: dict[str, list[Target]] = {}
    lead_of = leads()
    for target in targets():
        by_unit.setdefault(lead_of[target.code], []).append(target)
    year = DEADLINE.year
    periods: list[str] = []
    records = workbooks = 0
    for number in range(1, months + 1):
        month = Month(year, number, date(year, number, calendar.monthrange(year, number)[1]))
        periods.append(month.key)
        for unit, chosen in sorted(by_unit.items()):
            rows = []
            for target in chosen:
                name = f"MC_{unit}_{target.code}_{month.key}.pdf"
                put_file(folder / unit / name, _evidence_pdf(target, month))
                rows.append(_row(target, number, name))
            reporter = f"Cán bộ báo cáo {unit} (mẫu)"
            report = UnitReport(unit, month, reporter, month.label, tuple(rows))
            workbook, _ = fill_report(report)
            put_file(
                folder / unit / f"{unit}_{month.key}.xlsx", xlsx_bytes(workbook, month.stamp)
            )
            records += len(rows)
            workbooks += 1
    return RecordSet(folder, tuple(periods), records, workbooks, records)


def _row(target: Target, month: int, evidence: str) -> ReportRow:
    """An in-progress row whose numbers grow with the month and keep the plan's rules."""
    progress = Decimal(min(99, 8 * month + target.item % 7))
    return ReportRow(
        target.code,
        _actual(target, progress),
        float(progress),
        _DOING,
        f"Số liệu tháng {month:02d}",
        (evidence,),
        f"{month}{target.item:02d}/BC",
    )


def _actual(target: Target, progress: Decimal) -> float | int | None:
    if target.unit is None:
        return None
    goal = Decimal(str(target.target_value or 100))
    if target.kind is TargetKind.RANKING:
        return int(goal) + 10 - int(progress) // 10
    value = goal * progress / 100
    if target.kind is TargetKind.COUNT:
        return int(value)
    return float(round(value, 1))


def _evidence_pdf(target: Target, month: Month) -> bytes:
    return pdf_bytes(
        f"Minh chứng chỉ tiêu {target.code} tháng {month.label}",
        (target.title[:90], f"Kỳ báo cáo {month.label}"),
    )


# large reconciliations ----------------------------------------------------------------------


@dataclass
class ReconcileCase:
    """A real run's reconciliation on one system, as the diff's plain data."""

    system: str
    selected: list[LocalItem] = field(default_factory=list)
    remotes: list[RemoteItem] = field(default_factory=list)
    changes: dict[Key, ChangeItem] = field(default_factory=dict)
    results: dict[Key, OutcomeItem] = field(default_factory=dict)
    skipped: list[tuple[LocalItem, str]] = field(default_factory=list)
    entries: int = 0
    """How many entries the diff of this case has."""


PERIODS: tuple[str, ...] = tuple(f"{DEADLINE.year}-{m:02d}" for m in range(1, 13))
SKIPPED_REASON = "Nhiều đơn vị cùng báo cáo (CAX, DTN) mà chưa phân công đơn vị chủ trì."


def synthetic_reconciliation(
    n: int, *, system: str = "nq71", seed: int = 57
) -> ReconcileCase:
    """A real run's reconciliation with N entries (within a few): per key, 88 % in sync,
    4 % updated, 2 % created, 1 % each conflict, held and failed, 1 % two units skipped,
    1 % remote-only, 1 % a remote duplicate; a third of the records carry one or two files.

    Values, notes and outcomes come from small pools, as real data repeat them."""
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    rng = random.Random(seed)
    numbers = [Decimal(i) / 2 for i in range(201)]
    notes = ["", "Đã rà soát", "Số liệu tạm tính", "Theo báo cáo của ấp"]
    units = ["CAX", "DTN", "PKT", "VHXH", "VPUB", "TCNS"]
    statuses = ["in_progress", "completed", "not_started"]
    outcomes = {
        outcome: OutcomeItem(outcome, reason)
        for outcome, reason in (
            (EntryStatus.IN_SYNC, ""),
            (EntryStatus.UPDATED, ""),
            (EntryStatus.CREATED, ""),
            (EntryStatus.CONFLICT, "Số liệu trên hệ thống đã bị sửa sau lần gửi trước."),
            (EntryStatus.HELD, "Báo cáo hoàn thành chưa có minh chứng."),
            (EntryStatus.FAILED, "nq71: lỗi máy chủ (E500)"),
        )
    }
    case = ReconcileCase(system)
    index = 0
    while case.entries < n:
        code = f"9.{index // 12 // 1000 + 1}.{index // 12 % 1000 + 1}"
        period = PERIODS[index % 12]
        index += 1
        roll = rng.random()
        values = (
            rng.choice(numbers), rng.choice(numbers), rng.choice(statuses), rng.choice(notes)
        )
        evidence = _files(rng, code, period)
        remote_values = values
        if 0.88 <= roll < 0.92 or 0.95 <= roll < 0.96:
            remote_values = (rng.choice(numbers), *values[1:])
        remote_evidence = tuple(sha for _, sha in evidence)
        if roll >= 0.99:
            remote_evidence += remote_evidence[:1] or ("f" * 64, "f" * 64)
        remote = RemoteItem(code, period, f"r{index}", remote_values, remote_evidence)
        if 0.97 <= roll < 0.98:
            case.remotes.append(remote)
            case.skipped += [
                (LocalItem(unit, code, period, values, evidence), SKIPPED_REASON)
                for unit in ("CAX", "DTN")
            ]
            case.entries += 2
            continue
        if 0.98 <= roll < 0.99:
            case.remotes.append(remote)
            case.entries += 1
            continue
        if not 0.92 <= roll < 0.94:
            case.remotes.append(remote)
        outcome = _outcome(roll, outcomes)
        case.selected.append(LocalItem(rng.choice(units), code, period, values, evidence))
        case.results[(code, period)] = outcome
        case.entries += 1
    return case


def _files(rng: random.Random, code: str, period: str) -> tuple[tuple[str, str], ...]:
    count = rng.choice((0, 0, 0, 0, 1, 2))
    return tuple(
        (f"{code}/{period}/mc{i}.pdf", f"{rng.getrandbits(256):064x}") for i in range(count)
    )


def _outcome(roll: float, outcomes: dict[EntryStatus, OutcomeItem]) -> OutcomeItem:
    if roll < 0.88 or roll >= 0.99:
        return outcomes[EntryStatus.IN_SYNC]
    if roll < 0.92:
        return outcomes[EntryStatus.UPDATED]
    if roll < 0.94:
        return outcomes[EntryStatus.CREATED]
    if roll < 0.95:
        return outcomes[EntryStatus.CONFLICT]
    if roll < 0.96:
        return outcomes[EntryStatus.HELD]
    return outcomes[EntryStatus.FAILED]


def main(argv: Sequence[str] | None = None) -> int:
    """Write the record set to `--out`; print where (as JSON with `--json`)."""
    parser = argparse.ArgumentParser(prog="python -m flows.benchmarks.datasets")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the set into")
    parser.add_argument("--months", type=int, default=RECORD_SET_MONTHS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    written = write_record_set(args.out, args.months)
    if args.json:
        print(json.dumps(written.as_json()))
    else:
        print(f"{written.records} records, {written.workbooks} workbooks: {written.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
