"""Wire shapes of theodoinq: the envelope, grants, report rows, files, login, and /_admin bodies."""

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

MAX_ID = 2**53 - 1
"""Largest id accepted on input (the largest integer a JSON client can hold exactly)."""

PeriodType = Literal["TUAN", "THANG", "QUY"]
GrantStatus = Literal["OPEN", "SUBMITTED", "LOCKED"]
IdxType = Literal["GROUP", "NUMBER", "PERCENT", "TEXT"]
EvalStatus = Literal["CHUA_DANH_GIA", "DAT", "KHONG_DAT"]


class Envelope(BaseModel, Generic[T]):
    """Every JSON answer: `status` OK or ERROR (errors often with HTTP 200), `code`, `message`,
    `data`."""

    status: Literal["OK", "ERROR"]
    code: str | None
    message: str | None
    data: T | None


class ErrorEnvelope(BaseModel):
    """An error answer: `status` ERROR, a `code`, a Vietnamese `message`, `data` null."""

    status: Literal["ERROR"]
    code: str
    message: str
    data: None


class Grant(BaseModel):
    """A reporting assignment (one report per grant)."""

    grantId: int
    resolution: str
    periodType: PeriodType
    fromDate: str
    toDate: str
    deadline: str
    grantStatus: GrantStatus


class ReportRow(BaseModel):
    """One row of a report: a section (GROUP) or an indicator."""

    idxId: int
    idxCode: str
    parentId: int | None
    idxOrder: int
    idxName: str
    idxType: IdxType
    idxUnit: str
    idxTarget: str
    idxValue: str
    idxContent: str
    idxContentRaw: str
    fileIds: list[str]
    evalStatus: EvalStatus
    evalComment: str
    updateTime: str | None
    updateUser: str | None


class RowInput(BaseModel):
    """A row in a save body: matched by `idxId`; only `idxValue`, `idxContent`, `fileIds` are read.

    An absent or null field counts as empty: the save replaces the row's value, content and files.
    """

    model_config = ConfigDict(extra="allow", strict=True)

    idxId: int = Field(ge=1, le=MAX_ID)
    idxValue: str | None = None
    idxContent: str | None = None
    fileIds: list[str] | None = None


class FileMeta(BaseModel):
    """An uploaded file's metadata."""

    fileId: str
    fileName: str
    size: int
    sha256: str
    uploadTime: str


class LoginRequest(BaseModel):
    """Credentials for `POST /auth_api/api/login`."""

    model_config = ConfigDict(strict=True)

    username: str
    password: str


class LoginData(BaseModel):
    """A fresh bearer token and its lifetime in seconds."""

    accessToken: str
    expiresIn: int


class HumanEditRequest(BaseModel):
    """`POST /_admin/human-edit`: change a row as a person on the web would."""

    grantId: int = Field(ge=1, le=MAX_ID)
    idxId: int = Field(ge=1, le=MAX_ID)
    idxValue: str | None = None
    idxContent: str | None = None
    fileIds: list[str] | None = None
    user: str = "web.user"


class ReviewRequest(BaseModel):
    """`POST /_admin/review`: set a row's review."""

    grantId: int = Field(ge=1, le=MAX_ID)
    idxId: int = Field(ge=1, le=MAX_ID)
    evalStatus: EvalStatus
    evalComment: str = ""


class LockRequest(BaseModel):
    """`POST /_admin/lock`: lock, submit or reopen a grant."""

    grantId: int = Field(ge=1, le=MAX_ID)
    grantStatus: GrantStatus


def envelope(data: Any = None) -> dict[str, Any]:
    """A success envelope around `data`."""
    return {"status": "OK", "code": None, "message": None, "data": data}


def error_envelope(code: str, message: str) -> dict[str, Any]:
    """An error envelope."""
    return {"status": "ERROR", "code": code, "message": message, "data": None}
