"""`nqsync audit verify` and `nqsync audit export`: the audit trail for the office or an inspector.

`verify_command` re-computes the hash chain and prints, in Vietnamese, that it is intact (with
the count and the newest hash, worth noting down: it anchors the chain) or the first broken
entry. `export_command` writes the history (optionally of one period and/or target) as

- `nhat-ky-kiem-toan[-PERIOD][-TARGET].xlsx`: for reading and printing (Vietnamese headers,
  local times, target titles, unit names; header frozen, widths fitted) with a second sheet
  saying whether the chain is intact;
- the same name in `.csv`: UTF-8 with a BOM (Excel opens it as Unicode), each entry exactly as it
  was hashed (UTC time in ISO 8601, canonical JSON), so anyone can recompute the chain from it.
"""

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import typer
from openpyxl import Workbook
from sqlalchemy.exc import SQLAlchemyError

from flows.commands import PERIOD
from flows.render import labels as lb
from flows.render import sheets as sh
from models.audit import AuditEntryPublic, AuditTrail, VerifyResult
from models.db import make_engine
from models.fingerprint import canonical_json
from models.ledger_tables import utc_now

__all__ = ["export_command", "verify_command"]

ACTION_LABELS = {"intent": "Dự định ghi", "write": "Ghi", "outcome": "Kết quả"}
EXPORT_NAME = "nhat-ky-kiem-toan"
SHEET_TITLE = "Nhật ký kiểm toán"
CHECK_SHEET_TITLE = "Kiểm tra chuỗi"
SECONDS_FORMAT = "dd/mm/yyyy hh:mm:ss"

XLSX_COLUMNS = (
    sh.Column("Số thứ tự", "number"),
    sh.Column("Thời điểm (giờ Việt Nam)", "datetime"),
    sh.Column("Lần chạy"),
    sh.Column("Hệ thống"),
    sh.Column("Mã chỉ tiêu"),
    sh.Column("Chỉ tiêu", "wrap"),
    sh.Column("Kỳ báo cáo", "month"),
    sh.Column("Đơn vị"),
    sh.Column("Hành động"),
    sh.Column("Dữ liệu đã gửi", "wrap"),
    sh.Column("Phản hồi của hệ thống", "wrap"),
    sh.Column("Tệp nguồn"),
    sh.Column("SHA-256 tệp nguồn"),
    sh.Column("Người duyệt"),
    sh.Column("Mã băm mục trước"),
    sh.Column("Mã băm"),
)
CSV_HEADERS = (
    "Số thứ tự",
    "Thời điểm (UTC, ISO 8601)",
    "Lần chạy",
    "Hệ thống",
    "Mã chỉ tiêu",
    "Kỳ báo cáo",
    "Mã đơn vị",
    "Hành động",
    "Dữ liệu đã gửi (JSON)",
    "Phản hồi của hệ thống (JSON)",
    "Tệp nguồn",
    "SHA-256 tệp nguồn",
    "Người duyệt",
    "Mã băm mục trước",
    "Mã băm",
)
_DATABASE_ERROR = (
    "Lỗi: không đọc được nhật ký kiểm toán trong cơ sở dữ liệu (NQSYNC_DATABASE_URL): {kind}."
)


@contextmanager
def _opened(database_url: str) -> Iterator[AuditTrail]:
    engine = make_engine(database_url)
    try:
        yield AuditTrail(engine)
    finally:
        engine.dispose()


def _verdict_lines(result: VerifyResult) -> list[str]:
    if not result.ok:
        return [f"Chuỗi nhật ký kiểm toán KHÔNG nguyên vẹn. {result.message}"]
    if result.count == 0:
        return [result.message]
    return [result.message, f"Mục cuối #{result.last_seq}, mã băm: {result.last_hash}"]


def verify_command(database_url: str) -> int:
    """Verify the chain; 0 when intact (or empty), 1 when broken, 2 when it cannot be read."""
    try:
        with _opened(database_url) as trail:
            result = trail.verify()
    except SQLAlchemyError as error:
        typer.echo(_DATABASE_ERROR.format(kind=type(error).__name__), err=True)
        return 2
    for line in _verdict_lines(result):
        typer.echo(line)
    return 0 if result.ok else 1


def _export_paths(out_dir: Path, period: str | None, target: str | None) -> tuple[Path, Path]:
    """The XLSX and CSV paths an export of (PERIOD, TARGET) writes in OUT_DIR."""
    stem = "-".join([EXPORT_NAME, *(part for part in (period, target) if part)])
    return out_dir / f"{stem}.xlsx", out_dir / f"{stem}.csv"


def export_command(
    database_url: str, out_dir: Path, period: str | None = None, target: str | None = None
) -> int:
    """Write the history as XLSX and CSV in OUT_DIR; print what was written.

    0 when written and the chain is intact, 1 when written but the chain is broken (the
    verdict is printed and is in the workbook), 2 when nothing could be written.
    """
    if period is not None and not PERIOD.match(period):
        typer.echo(
            f"Lỗi: --period cần dạng YYYY-MM (ví dụ 2026-11), không phải «{period}».", err=True
        )
        return 2
    try:
        with _opened(database_url) as trail:
            entries = trail.history(period=period, target=target)
            verdict = trail.verify()
    except SQLAlchemyError as error:
        typer.echo(_DATABASE_ERROR.format(kind=type(error).__name__), err=True)
        return 2
    xlsx_path, csv_path = _export_paths(out_dir, period, target)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_xlsx(xlsx_path, entries, verdict, period, target)
        _write_csv(csv_path, entries)
    except OSError as error:
        typer.echo(f"Lỗi: không ghi được tệp vào {out_dir}: {error.strerror or error}.", err=True)
        return 2
    typer.echo(f"Đã xuất {len(entries)} mục nhật ký kiểm toán{_filter_text(period, target)}:")
    typer.echo(f"  Excel: {xlsx_path}")
    typer.echo(f"  CSV: {csv_path}")
    if not verdict.ok:
        typer.echo(f"Cảnh báo: {_verdict_lines(verdict)[0]}")
    return 0 if verdict.ok else 1


def _filter_text(period: str | None, target: str | None) -> str:
    parts = []
    if period:
        parts.append(f"kỳ {lb.period_text(period)}")
    if target:
        parts.append(f"chỉ tiêu {target}")
    return f" ({', '.join(parts)})" if parts else ""


def _xlsx_row(entry: AuditEntryPublic) -> list[sh.Cell]:
    """One entry as the workbook shows it."""
    return [
        entry.seq,
        lb.local_time(entry.at),
        entry.run_id,
        entry.system,
        entry.target_code,
        lb.target_title(entry.target_code),
        lb.period_date(entry.period) or entry.period,
        lb.unit_label(entry.unit_code),
        ACTION_LABELS.get(entry.action, entry.action),
        *_exchange_and_chain(entry),
    ]


def _exchange_and_chain(entry: AuditEntryPublic) -> list[str]:
    """What was sent and answered, where it came from, who approved it, and the chain links."""
    return [
        canonical_json(entry.request),
        canonical_json(entry.response),
        entry.source_file or "",
        entry.source_sha256 or "",
        entry.approver or "",
        entry.prev_hash,
        entry.hash,
    ]


def _csv_row(entry: AuditEntryPublic) -> list[str]:
    """One entry exactly as it was hashed."""
    return [
        str(entry.seq),
        entry.at.isoformat(),
        entry.run_id,
        entry.system,
        entry.target_code,
        entry.period,
        entry.unit_code or "",
        entry.action,
        *_exchange_and_chain(entry),
    ]


def _write_xlsx(
    path: Path,
    entries: Sequence[AuditEntryPublic],
    verdict: VerifyResult,
    period: str | None,
    target: str | None,
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    header = f"Nhật ký kiểm toán nqsync{_filter_text(period, target)}"
    last = sh.data_sheet(sheet, XLSX_COLUMNS, (_xlsx_row(e) for e in entries), header)
    for row in range(2, last + 1):
        sheet.cell(row, 2).number_format = SECONDS_FORMAT
    check = workbook.create_sheet(CHECK_SHEET_TITLE)
    facts: list[list[sh.Cell]] = [
        ["Kết quả", "Nguyên vẹn" if verdict.ok else "KHÔNG nguyên vẹn"],
        ["Chi tiết", verdict.message],
        ["Số mục đã kiểm tra", verdict.count],
        ["Mục cuối", verdict.last_seq],
        ["Mã băm mục cuối", verdict.last_hash or ""],
        ["Bộ lọc khi xuất", _filter_text(period, target).strip(" ()") or "Không (toàn bộ)"],
        ["Số mục đã xuất", len(entries)],
        ["Thời điểm xuất (giờ Việt Nam)", lb.local_time(utc_now())],
    ]
    sh.data_sheet(
        check, (sh.Column("Nội dung"), sh.Column("Giá trị", "wrap")), facts, CHECK_SHEET_TITLE
    )
    check.cell(len(facts) + 1, 2).number_format = SECONDS_FORMAT
    workbook.save(path)


def _write_csv(path: Path, entries: Sequence[AuditEntryPublic]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_HEADERS)
        writer.writerows(_csv_row(entry) for entry in entries)
