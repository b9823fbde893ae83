"""Wire shapes of the nq71 mock: the back end's envelope and bodies, the gateway's fault JSON."""

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")

MONTH_PATTERN = r"^(0[1-9]|1[0-2])/[0-9]{4}$"
DECIMAL_PATTERN = r"^([0-9]+(,[0-9]+)?)?$"
DATE_PATTERN = r"^[0-9]{2}/[0-9]{2}/[0-9]{4}$"
SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"


class Envelope(BaseModel, Generic[T]):
    """The back end's answer: `du_lieu` on success, `ma_loi` and `thong_bao` on a business error."""

    thanh_cong: bool
    du_lieu: T | None = None
    ma_loi: str | None = None
    thong_bao: str | None = None


class FaultDetail(BaseModel):
    """The body of a WSO2 gateway fault."""

    code: int
    message: str
    description: str


class Fault(BaseModel):
    """A WSO2 gateway fault (401 900901, 429 900800)."""

    fault: FaultDetail


class TokenOut(BaseModel):
    """An OAuth2 access token."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int


class ChiTieu(BaseModel):
    """One indicator."""

    ma_chi_tieu: str
    ten_chi_tieu: str
    don_vi_tinh: str
    chi_tieu_ke_hoach: str
    han_hoan_thanh: str


class ChiTieuPage(BaseModel):
    """A page of indicators."""

    danh_sach: list[ChiTieu]
    tong_so: int
    trang: int
    so_dong: int


class BaoCao(BaseModel):
    """One progress report as listed."""

    id: int
    ma_chi_tieu: str
    ky_bao_cao: str
    gia_tri_thuc_hien: str
    ty_le_hoan_thanh: str
    tinh_trang: int
    ghi_chu: str
    nguoi_bao_cao: str
    ngay_cap_nhat: str
    so_minh_chung: int


class BaoCaoPage(BaseModel):
    """A page of progress reports."""

    danh_sach: list[BaoCao]
    tong_so: int
    trang: int
    so_dong: int


class IdOut(BaseModel):
    """The id of what was created."""

    id: int


def _percent_in_range(value: str) -> str:
    if value and not 0 <= float(value.replace(",", ".")) <= 100:
        raise ValueError("ngoài khoảng 0–100")
    return value


class BaoCaoIn(BaseModel):
    """The body of `POST bao-cao` and `PUT bao-cao/{id}` (a full report)."""

    model_config = ConfigDict(strict=True)

    ma_don_vi: str
    ma_chi_tieu: str
    ky_bao_cao: str = Field(pattern=MONTH_PATTERN)
    gia_tri_thuc_hien: str = Field(pattern=DECIMAL_PATTERN)
    ty_le_hoan_thanh: str = Field(pattern=DECIMAL_PATTERN)
    tinh_trang: int = Field(ge=1, le=4)
    ghi_chu: str
    nguoi_bao_cao: str

    _check_percent = field_validator("ty_le_hoan_thanh")(_percent_in_range)


class KhoiTaoIn(BaseModel):
    """The body of `POST tai-lieu/khoi-tao`."""

    model_config = ConfigDict(strict=True)

    ten_tep: str = Field(min_length=1)
    kich_thuoc: int = Field(ge=1)
    sha256: str = Field(pattern=SHA256_PATTERN)
    loai_tai_lieu: Literal["van_ban", "hinh_anh", "khac"]


class KhoiTaoOut(BaseModel):
    """A started upload."""

    upload_id: str
    kich_thuoc_phan: int


class UploadStatus(BaseModel):
    """What the server holds of an upload."""

    da_nhan: list[int]
    hoan_tat: bool


class TaiLieuOut(BaseModel):
    """A completed upload's document id."""

    tai_lieu_id: str


def _real_date(value: str) -> str:
    datetime.strptime(value, "%d/%m/%Y")
    return value


def _blank_or_real_date(value: str) -> str:
    return value if value == "" else _real_date(value)


class MinhChungIn(BaseModel):
    """The body of `POST bao-cao/{id}/minh-chung`."""

    model_config = ConfigDict(strict=True)

    tai_lieu_id: str
    tieu_de: str
    so_hieu_van_ban: str
    ngay_ban_hanh: str = Field(pattern=f"{DATE_PATTERN}|^$")

    _check_date = field_validator("ngay_ban_hanh")(_blank_or_real_date)


class ThamDinh(BaseModel):
    """A review of one attachment: 0 pending, 1 accepted, 2 rejected."""

    ket_qua: Literal[0, 1, 2]
    y_kien: str


class MinhChung(BaseModel):
    """One attachment of a report."""

    id: int
    tai_lieu_id: str
    tieu_de: str
    sha256: str
    tham_dinh: ThamDinh


class MinhChungList(BaseModel):
    """A report's attachments."""

    danh_sach: list[MinhChung]


class HumanEditIn(BaseModel):
    """`/_admin/human-edit`: a person's change to a report in the web UI."""

    model_config = ConfigDict(strict=True)

    id: int
    gia_tri_thuc_hien: str | None = None
    ty_le_hoan_thanh: str | None = None
    tinh_trang: int | None = Field(default=None, ge=1, le=4)
    ghi_chu: str | None = None


class ReviewIn(BaseModel):
    """`/_admin/review`: a reviewer's verdict on one attachment."""

    model_config = ConfigDict(strict=True)

    id: int
    ket_qua: Literal[0, 1, 2]
    y_kien: str = ""


class ResetIn(BaseModel):
    """`/_admin/reset`: optionally a new seed (default: the app's)."""

    model_config = ConfigDict(strict=True)

    seed: int | None = None
