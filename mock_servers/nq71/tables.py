"""SQLite tables of the nq71 mock, on a registry of their own (apart from other mocks' tables)."""

from sqlalchemy import LargeBinary
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class Nq71Table(SQLModel, registry=registry()):
    """Base of the mock's tables: their own metadata, so `create_all` touches nothing else."""


class Meta(Nq71Table, table=True):
    """Settings the stored state was seeded with (`seed`)."""

    __tablename__ = "nq71_meta"

    key: str = Field(primary_key=True)
    value: str


class Counter(Nq71Table, table=True):
    """Named counters of `/_admin/state`."""

    __tablename__ = "nq71_counter"

    name: str = Field(primary_key=True)
    value: int = 0


class Indicator(Nq71Table, table=True):
    """An indicator (chỉ tiêu), with the plan code it was seeded from."""

    __tablename__ = "nq71_indicator"

    ma_chi_tieu: str = Field(primary_key=True)
    ten_chi_tieu: str
    don_vi_tinh: str
    chi_tieu_ke_hoach: str
    han_hoan_thanh: str
    plan_code: str
    reworded: bool


class Token(Nq71Table, table=True):
    """An access token issued by the gateway; `expires_at` in epoch seconds."""

    __tablename__ = "nq71_token"

    token: str = Field(primary_key=True)
    client_id: str
    expires_at: float


class Report(Nq71Table, table=True):
    """A progress report (báo cáo), fields stored as sent; `saves` counts its writes."""

    __tablename__ = "nq71_report"

    id: int = Field(primary_key=True)
    ma_don_vi: str
    ma_chi_tieu: str
    ky_bao_cao: str
    gia_tri_thuc_hien: str
    ty_le_hoan_thanh: str
    tinh_trang: int
    ghi_chu: str
    nguoi_bao_cao: str
    ngay_cap_nhat: str
    saves: int = 1


class Upload(Nq71Table, table=True):
    """A chunked upload; `created_at` in epoch seconds; `tai_lieu_id` once completed."""

    __tablename__ = "nq71_upload"

    upload_id: str = Field(primary_key=True)
    ten_tep: str
    kich_thuoc: int
    sha256: str
    loai_tai_lieu: str
    created_at: float
    tai_lieu_id: str | None = None


class UploadPart(Nq71Table, table=True):
    """One received part of an upload."""

    __tablename__ = "nq71_upload_part"

    upload_id: str = Field(primary_key=True)
    so_thu_tu: int = Field(primary_key=True)
    data: bytes = Field(sa_type=LargeBinary)


class Document(Nq71Table, table=True):
    """A completed upload (tài liệu); `dinh_dang` is the type judged by magic bytes."""

    __tablename__ = "nq71_document"

    tai_lieu_id: str = Field(primary_key=True)
    upload_id: str
    ten_tep: str
    kich_thuoc: int
    sha256: str
    loai_tai_lieu: str
    dinh_dang: str


class Attachment(Nq71Table, table=True):
    """A document attached to a report (minh chứng), with its review."""

    __tablename__ = "nq71_attachment"

    id: int = Field(primary_key=True)
    report_id: int = Field(index=True)
    tai_lieu_id: str
    tieu_de: str
    so_hieu_van_ban: str
    ngay_ban_hanh: str
    ket_qua: int = 0
    y_kien: str = ""
