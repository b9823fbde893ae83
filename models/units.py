"""The commune's units named in the plan, with the codes nqsync uses for them."""

from pydantic import BaseModel, ConfigDict


class Unit(BaseModel):
    """A unit of xã Đại Phước that reports progress."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    sample: bool = False


UNITS: tuple[Unit, ...] = (
    Unit(code="VHXH", name="Phòng Văn hóa - Xã hội"),
    Unit(code="VPDU", name="Văn phòng Đảng ủy xã"),
    Unit(code="VPUB", name="Văn phòng HĐND-UBND xã"),
    Unit(code="CAX", name="Công an xã"),
    Unit(code="BXDD", name="Ban xây dựng Đảng Đảng ủy xã"),
    Unit(code="MTTQ", name="Ủy ban Mặt trận Tổ quốc xã"),
    Unit(code="TCNS", name="Tổ công nghệ số cộng đồng"),
    Unit(code="DTN", name="Đoàn Thanh niên"),
    Unit(code="PKT", name="Phòng Kinh tế", sample=True),
)

STANDING_OFFICE = "VHXH"


def get_unit(code: str) -> Unit | None:
    """The unit with that code (case-insensitive), or None."""
    wanted = code.strip().upper()
    return next((u for u in UNITS if u.code == wanted), None)
