"""The nq71 mock's state in SQLite (in memory, or `data_dir/nq71.sqlite3`), behind one lock."""

import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Update, bindparam, delete, func, insert, inspect, update
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, col, create_engine, select

from mock_servers.nq71.schemas import BaoCaoIn, KhoiTaoIn, MinhChungIn
from mock_servers.nq71.seed import seed_indicators
from mock_servers.nq71.tables import (
    Attachment,
    Counter,
    Document,
    Indicator,
    Meta,
    Nq71Table,
    Report,
    Token,
    Upload,
    UploadPart,
)

COUNTERS = (
    "tokens",
    "posts",
    "puts",
    "attachments",
    "parts",
    "requests",
    "throttled",
    "unauthorized",
    "peak_in_flight",
)
FIRST_REPORT_ID = 1001
FIRST_ATTACHMENT_ID = 1
UPLOAD_LIFETIME_S = 24 * 3600
Row = TypeVar("Row", bound=Nq71Table)


def _fits(key: int) -> bool:
    """Whether an integer id can be stored at all (SQLite integers are 64-bit)."""
    return -(2**63) <= key < 2**63


def _row(obj: Nq71Table, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A table row as a dict, columns in declared order."""
    return {name: getattr(obj, name) for name in type(obj).model_fields if name not in exclude}


def make_engine(data_dir: Path | None) -> Engine:
    """An engine on one shared connection: in memory, or on `data_dir/nq71.sqlite3`."""
    url = "sqlite://"
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{data_dir / 'nq71.sqlite3'}"
    return create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)


_BUMP = (
    update(Counter)
    .where(col(Counter.name) == bindparam("counter"))
    .values(value=Counter.value + bindparam("amount"))
)
_RAISE = (
    update(Counter)
    .where(col(Counter.name) == bindparam("counter"), col(Counter.value) < bindparam("amount"))
    .values(value=bindparam("amount"))
)


class Store:
    """Every read and write of the mock's state; each method is one locked transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.RLock()
        self._marks: dict[str, int] = {}
        self._tokens: dict[str, tuple[str, float]] = {}

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def open(self, seed: int) -> None:
        """Keep a stored state seeded with `seed`; otherwise start empty and seeded."""
        with self._lock:
            if inspect(self._engine).has_table(Meta.__tablename__):
                with self._session() as s:
                    stored = s.get(Meta, "seed")
                if stored is not None and stored.value == str(seed):
                    Nq71Table.metadata.create_all(self._engine)
                    return
            self.reset(seed)

    def reset(self, seed: int) -> None:
        """Drop everything; seed the 44 indicators again."""
        with self._lock:
            self._marks.clear()
            self._tokens.clear()
            Nq71Table.metadata.drop_all(self._engine)
            Nq71Table.metadata.create_all(self._engine)
            with self._session() as s:
                s.add_all(seed_indicators(seed))
                s.add_all(Counter(name=name, value=0) for name in COUNTERS)
                s.add(Meta(key="seed", value=str(seed)))
                s.commit()

    def bump(self, name: str, by: int = 1) -> None:
        """Add to a counter (one prepared UPDATE: it is made for every request)."""
        self._count(_BUMP, name, by)

    def raise_to(self, name: str, value: int) -> None:
        """Raise a counter to `value` if below it (a high-water mark; the database is written
        only when this store has not already raised it that high)."""
        if value <= self._marks.get(name, -1):
            return
        self._count(_RAISE, name, value)
        self._marks[name] = value

    def _count(self, statement: Update, name: str, value: int) -> None:
        with self._lock, self._engine.begin() as connection:
            done = connection.execute(statement, {"counter": name, "amount": value})
            if not done.rowcount and connection.execute(
                select(Counter.name).where(col(Counter.name) == name)
            ).first() is None:
                connection.execute(insert(Counter).values(name=name, value=value))

    def issue_token(self, client_id: str, expires_at: float) -> str:
        """A new access token for the application."""
        token = secrets.token_urlsafe(32)
        with self._lock, self._session() as s:
            s.add(Token(token=token, client_id=client_id, expires_at=expires_at))
            s.commit()
        self.bump("tokens")
        return token

    def token_client(self, token: str, now: float) -> str | None:
        """The application a live token belongs to, or None (unknown or expired); tokens
        found are remembered in memory (every request asks)."""
        with self._lock:
            known = self._tokens.get(token)
            if known is None:
                with self._session() as s:
                    row = s.get(Token, token)
                if row is None:
                    return None
                known = self._tokens[token] = (row.client_id, row.expires_at)
        client_id, expires_at = known
        return client_id if now < expires_at else None

    def revoke_token(self, token: str) -> None:
        """Invalidate a token."""
        with self._lock, self._session() as s:
            self._tokens.pop(token, None)
            s.execute(delete(Token).where(col(Token.token) == token))
            s.commit()

    def indicators(self) -> list[Indicator]:
        """All indicators in `ma_chi_tieu` order."""
        with self._lock, self._session() as s:
            return list(s.exec(select(Indicator).order_by(col(Indicator.ma_chi_tieu))))

    def has_indicator(self, ma_chi_tieu: str) -> bool:
        """Whether that indicator code exists."""
        with self._lock, self._session() as s:
            return s.get(Indicator, ma_chi_tieu) is not None

    def create_report(self, body: BaoCaoIn, stamp: str) -> int:
        """A new report (never deduplicated); its id."""
        with self._lock, self._session() as s:
            last = s.exec(select(func.max(Report.id))).one()
            new_id = (last or FIRST_REPORT_ID - 1) + 1
            report = Report(id=new_id, ngay_cap_nhat=stamp, saves=1, **body.model_dump())
            s.add(report)
            s.commit()
            return report.id

    def get_report(self, report_id: int) -> Report | None:
        """A report by id."""
        if not _fits(report_id):
            return None
        with self._lock, self._session() as s:
            return s.get(Report, report_id)

    def _change(self, table: type[Row], key: int, change: Callable[[Row], None]) -> bool:
        """Apply CHANGE to the row of TABLE with KEY and store it; False if there is none."""
        if not _fits(key):
            return False
        with self._lock, self._session() as s:
            row = s.get(table, key)
            if row is None:
                return False
            change(row)
            s.add(row)
            s.commit()
            return True

    def update_report(self, report_id: int, changes: dict[str, Any], stamp: str) -> bool:
        """Overwrite some fields of a report, stamp it, count a save; False if unknown."""

        def overwrite(report: Report) -> None:
            for name, value in changes.items():
                setattr(report, name, value)
            report.ngay_cap_nhat = stamp
            report.saves += 1

        return self._change(Report, report_id, overwrite)

    def list_reports(
        self, filters: dict[str, str], offset: int, limit: int
    ) -> tuple[list[tuple[Report, int]], int]:
        """One page of reports matching the exact-value filters, by id, with attachment counts."""
        with self._lock, self._session() as s:
            query = select(Report)
            for name, value in filters.items():
                query = query.where(getattr(Report, name) == value)
            total = s.exec(select(func.count()).select_from(query.subquery())).one()
            if offset >= total:
                return [], total
            rows = list(s.exec(query.order_by(col(Report.id)).offset(offset).limit(limit)))
            return [(r, self._attachment_count(s, r.id)) for r in rows], total

    def attachment_count(self, report_id: int) -> int:
        """How many attachments a report has."""
        with self._lock, self._session() as s:
            return self._attachment_count(s, report_id)

    @staticmethod
    def _attachment_count(s: Session, report_id: int) -> int:
        query = select(func.count()).where(col(Attachment.report_id) == report_id)
        return s.exec(query).one()

    def create_upload(self, body: KhoiTaoIn, now: float) -> str:
        """A new upload; its id."""
        upload_id = str(uuid.uuid4())
        with self._lock, self._session() as s:
            s.add(Upload(upload_id=upload_id, created_at=now, **body.model_dump()))
            s.commit()
        return upload_id

    def live_upload(self, upload_id: str, now: float) -> Upload | None:
        """An upload that exists and has not expired (expired ones are dropped first)."""
        with self._lock:
            self._purge_expired(now)
            with self._session() as s:
                return s.get(Upload, upload_id)

    def _purge_expired(self, now: float) -> None:
        """Drop unfinished uploads older than 24 h, with their parts."""
        with self._lock, self._session() as s:
            stale = select(Upload.upload_id).where(
                col(Upload.tai_lieu_id).is_(None),
                col(Upload.created_at) <= now - UPLOAD_LIFETIME_S,
            )
            ids = list(s.exec(stale))
            if ids:
                s.execute(delete(UploadPart).where(col(UploadPart.upload_id).in_(ids)))
                s.execute(delete(Upload).where(col(Upload.upload_id).in_(ids)))
                s.commit()

    def received_parts(self, upload_id: str) -> list[int]:
        """The part numbers held for an upload, sorted."""
        with self._lock, self._session() as s:
            query = select(UploadPart.so_thu_tu).where(col(UploadPart.upload_id) == upload_id)
            return sorted(s.exec(query))

    def add_part(self, upload_id: str, so_thu_tu: int, data: bytes) -> bool:
        """Store a part unless already held (then a no-op); whether it was new."""
        with self._lock, self._session() as s:
            if s.get(UploadPart, (upload_id, so_thu_tu)) is not None:
                return False
            s.add(UploadPart(upload_id=upload_id, so_thu_tu=so_thu_tu, data=data))
            s.commit()
            return True

    def iter_parts(self, upload_id: str, count: int) -> Iterator[bytes]:
        """The parts' bytes in order, one part at a time."""
        for n in range(count):
            with self._lock, self._session() as s:
                part = s.get(UploadPart, (upload_id, n))
            if part is not None:
                yield part.data

    def complete_upload(self, upload: Upload, dinh_dang: str) -> str:
        """Record the upload's document; its `tai_lieu_id`."""
        tai_lieu_id = "TL-" + uuid.uuid4().hex[:16].upper()
        with self._lock, self._session() as s:
            s.add(
                Document(
                    tai_lieu_id=tai_lieu_id,
                    upload_id=upload.upload_id,
                    ten_tep=upload.ten_tep,
                    kich_thuoc=upload.kich_thuoc,
                    sha256=upload.sha256.lower(),
                    loai_tai_lieu=upload.loai_tai_lieu,
                    dinh_dang=dinh_dang,
                )
            )
            upload.tai_lieu_id = tai_lieu_id
            s.add(upload)
            s.commit()
        return tai_lieu_id

    def get_document(self, tai_lieu_id: str) -> Document | None:
        """A document by id."""
        with self._lock, self._session() as s:
            return s.get(Document, tai_lieu_id)

    def add_attachment(self, report_id: int, body: MinhChungIn) -> int:
        """A new attachment (never deduplicated); its id."""
        with self._lock, self._session() as s:
            last = s.exec(select(func.max(Attachment.id))).one()
            new_id = (last or FIRST_ATTACHMENT_ID - 1) + 1
            row = Attachment(id=new_id, report_id=report_id, **body.model_dump())
            s.add(row)
            s.commit()
            return row.id

    def attachments(self, report_id: int) -> list[tuple[Attachment, str]]:
        """A report's attachments by id, each with its document's sha256."""
        with self._lock, self._session() as s:
            query = (
                select(Attachment, Document.sha256)
                .join(Document, col(Document.tai_lieu_id) == col(Attachment.tai_lieu_id))
                .where(col(Attachment.report_id) == report_id)
                .order_by(col(Attachment.id))
            )
            return [(a, sha) for a, sha in s.exec(query)]

    def review(self, attachment_id: int, ket_qua: int, y_kien: str) -> bool:
        """Set an attachment's review; False if unknown."""

        def judge(row: Attachment) -> None:
            row.ket_qua, row.y_kien = ket_qua, y_kien

        return self._change(Attachment, attachment_id, judge)

    def snapshot(self, now: float) -> dict[str, Any]:
        """Everything, for `/_admin/state` (shape documented in `mock_servers.nq71.admin`)."""
        with self._lock:
            self._purge_expired(now)
            with self._session() as s:
                return self._snapshot(s)

    def _snapshot(self, s: Session) -> dict[str, Any]:
        shas = {d.tai_lieu_id: d.sha256 for d in s.exec(select(Document))}
        by_report: dict[int, list[dict[str, Any]]] = {}
        for a in s.exec(select(Attachment).order_by(col(Attachment.id))):
            row = _row(a, exclude=("ket_qua", "y_kien"))
            row["sha256"] = shas.get(a.tai_lieu_id, "")
            row["tham_dinh"] = {"ket_qua": a.ket_qua, "y_kien": a.y_kien}
            by_report.setdefault(a.report_id, []).append(row)
        reports = []
        for r in s.exec(select(Report).order_by(col(Report.id))):
            row = _row(r)
            row["minh_chung"] = by_report.get(r.id, [])
            row["so_minh_chung"] = len(row["minh_chung"])
            reports.append(row)
        parts: dict[str, list[int]] = {}
        for upload_id, n in s.exec(select(UploadPart.upload_id, UploadPart.so_thu_tu)):
            parts.setdefault(upload_id, []).append(n)
        uploads = []
        for u in s.exec(select(Upload).order_by(col(Upload.created_at))):
            row = _row(u)
            row["da_nhan"] = sorted(parts.get(u.upload_id, []))
            row["hoan_tat"] = u.tai_lieu_id is not None
            uploads.append(row)
        seed = s.get(Meta, "seed")
        return {
            "seed": int(seed.value) if seed is not None else None,
            "indicators": [
                _row(i) for i in s.exec(select(Indicator).order_by(col(Indicator.ma_chi_tieu)))
            ],
            "reports": reports,
            "uploads": uploads,
            "documents": [
                _row(d) for d in s.exec(select(Document).order_by(col(Document.upload_id)))
            ],
            "counts": {c.name: c.value for c in s.exec(select(Counter))},
        }
