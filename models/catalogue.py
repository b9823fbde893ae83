"""The plan's 44 targets (section I.1 of the commune's 2026 plan), the single source of truth.

Transcribed from the seed plan of xã Đại Phước. Titles keep the plan's wording (NFC);
the plan's `$\\geq 2\\%$` artefacts are written `≥ 2%`.
"""

import unicodedata
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from models.records import quantize

TargetOperator = Literal[">=", "<=", "="]

DEADLINE = date(2026, 12, 31)


class TargetKind(StrEnum):
    """How a target is measured."""

    PERCENT = "percent"
    COUNT = "count"
    RANKING = "ranking"
    MILESTONE = "milestone"
    ON_SCHEDULE = "on_schedule"


class Section(BaseModel):
    """One of the plan's five target groups (1.1 … 1.5)."""

    model_config = ConfigDict(frozen=True)

    code: str
    title: str
    size: int


class Target(BaseModel):
    """One numbered target of the plan, identified by its code `1.<section>.<item>`."""

    model_config = ConfigDict(frozen=True)

    code: str
    section: str
    section_title: str
    item: int
    title: str
    unit: str | None
    kind: TargetKind
    target_operator: TargetOperator | None
    target_value: float | None
    deadline: date

    def is_met_by(self, actual: Decimal | float | None) -> bool:
        """Whether a measured value meets the target (a report of completion)."""
        if actual is None or self.target_operator is None or self.target_value is None:
            return False
        value, goal = quantize(actual), quantize(self.target_value)
        if self.target_operator == ">=":
            return value >= goal
        if self.target_operator == "<=":
            return value <= goal
        return value == goal


SECTIONS: tuple[Section, ...] = (
    Section(code="1.1", title="Phát triển hạ tầng", size=2),
    Section(code="1.2", title="Phát triển nguồn nhân lực", size=6),
    Section(code="1.3", title="Phát triển khoa học, công nghệ", size=5),
    Section(code="1.4", title="Phát triển hệ sinh thái đổi mới sáng tạo", size=5),
    Section(code="1.5", title="Phát triển chuyển đổi số", size=26),
)

_P, _C, _R, _M, _S = (
    TargetKind.PERCENT,
    TargetKind.COUNT,
    TargetKind.RANKING,
    TargetKind.MILESTONE,
    TargetKind.ON_SCHEDULE,
)

# (code, title, unit, kind, operator, value)
_ROWS: tuple[tuple[str, str, str | None, TargetKind, TargetOperator | None, float | None], ...] = (
    ("1.1.1", "Tỷ lệ phủ sóng 5G trên địa bàn xã đạt 60% dân số trở lên", "%", _P, ">=", 60),
    ("1.1.2", "Tỷ lệ hộ gia đình có khả năng truy cập băng rộng cố định với tốc độ 01 Gbps "
     "đạt từ 70% trở lên", "%", _P, ">=", 70),
    ("1.2.1", "Tỷ lệ chi ngân sách địa phương chi cho khoa học, công nghệ, đổi mới sáng tạo và "
     "chuyển đổi số/GRDP ≥ 2% và tăng dần theo yêu cầu phát triển", "%", _P, ">=", 2),
    ("1.2.2", "Tỷ lệ cán bộ, công chức xã được bồi dưỡng kỹ năng số căn bản 100%",
     "%", _P, "=", 100),
    ("1.2.3", "Tỷ lệ cán bộ, công chức, viên chức làm chủ kỹ năng số, ứng dụng công nghệ trong "
     "quản lý, điều hành 100%", "%", _P, "=", 100),
    ("1.2.4", "100% học sinh từ cấp tiểu học được trang bị kiến thức, kỹ năng số để phục vụ học "
     "tập, nghiên cứu và sáng tạo, nhận biết được nguy cơ, có kỹ năng bảo đảm an toàn trong "
     "môi trường số", "%", _P, "=", 100),
    ("1.2.5", "Tỷ lệ dân số trưởng thành tiếp cận dịch vụ số trong y tế, giáo dục, bảo hiểm, "
     "giao thông ≥ 90%", "%", _P, ">=", 90),
    ("1.2.6", "Có ít nhất 06 - 10 người trên địa bàn xã có các đề tài, sáng kiến kinh nghiệm "
     "hoặc mô hình sản xuất ứng dụng công nghệ mới được công nhận hoặc áp dụng hiệu quả vào "
     "thực tế", "người", _C, ">=", 6),
    ("1.3.1", "Số lượng Hợp tác xã, hộ kinh doanh, giáo viên, Đoàn Thanh niên được tiếp cận và "
     "hướng dẫn, hỗ trợ ứng dụng tiến bộ khoa học kỹ thuật vào sản xuất từ 01 - 02 mô "
     "hình/năm", "mô hình/năm", _C, ">=", 1),
    ("1.3.2", "Triển khai chuyển giao, áp dụng, nhân rộng mô hình ứng dụng tiến bộ KH&CN trên "
     "các lĩnh vực: trong nông nghiệp, xử lý rác thải, quản lý cộng đồng,... có hiệu quả được "
     "công bố của tỉnh", None, _M, None, None),
    ("1.3.3", "Đảm bảo việc bố trí cán bộ, công chức xã tham gia chương trình đào tạo, bồi "
     "dưỡng, nghiên cứu đóng góp vào nguồn lực khoa học và công nghệ đóng góp vào chỉ tiêu "
     "toàn tỉnh có từ 500 người trở lên", "người", _C, ">=", 500),
    ("1.3.4", "Đề xuất ít nhất 01 đề tài/đề án khoa học, công nghệ về tỉnh",
     "đề tài/đề án", _C, ">=", 1),
    ("1.3.5", "Triển khai Ứng dụng AI, IoT, Big Data,... trong quản lý môi trường, đô thị thông "
     "minh, an ninh trật tự,... góp phần nâng cao chất lượng sống người dân", None, _M, None,
     None),
    ("1.4.1", "Hỗ trợ, hướng dẫn Hợp tác xã, Hộ kinh doanh có ứng dụng khoa học công nghệ, "
     "thương mại điện tử trong quản lý và bán hàng trực tuyến", None, _M, None, None),
    ("1.4.2", "Ít nhất 80% Doanh nghiệp/Hộ kinh doanh trên địa bàn có áp dụng thanh toán không "
     "dùng tiền mặt, đưa sản phẩm lên các sàn Thương mại điện tử/Mạng xã hội", "%", _P, ">=",
     80),
    ("1.4.3", "100% sản phẩm OCOP địa phương được hỗ trợ xây dựng nhãn hiệu, truy xuất nguồn "
     "gốc hoặc đăng ký tham gia chương trình thương mại hóa", "%", _P, "=", 100),
    ("1.4.4", "Tuyên truyền, phổ biến các cơ chế, chính sách hỗ trợ KH&CN của tỉnh đến 100% "
     "doanh nghiệp, HTX trên địa bàn", "%", _P, "=", 100),
    ("1.4.5", "Có ít nhất 02 mô hình, giải pháp, sáng kiến của cán bộ, công chức xã được công "
     "nhận", "mô hình", _C, ">=", 2),
    ("1.5.1", "Chỉ số chuyển đổi số (DTI) của xã thuộc nhóm 10 đơn vị cấp xã/phường có thứ "
     "hạng cao nhất của tỉnh Đồng Nai", "thứ hạng", _R, "<=", 10),
    ("1.5.2", "Tỷ lệ thủ tục hành chính được tiếp nhận, giải quyết phi địa giới hành chính giữa "
     "các cấp chính quyền 90%", "%", _P, ">=", 90),
    ("1.5.3", "Tỷ lệ thủ tục hành chính liên quan đến đào tạo, nghiên cứu, sản xuất, kinh doanh "
     "phải được thực hiện trực tuyến 100%", "%", _P, "=", 100),
    ("1.5.4", "Tỷ lệ giao dịch hành chính thuộc diện “phi tiếp xúc” 100%", "%", _P, "=", 100),
    ("1.5.5", "Tỷ lệ hồ sơ, kết quả giải quyết thủ tục hành chính được số hóa 100%",
     "%", _P, "=", 100),
    ("1.5.6", "Tỷ lệ dịch vụ công trực tuyến toàn trình trên tổng số thủ tục hành chính có đủ "
     "điều kiện 100%", "%", _P, "=", 100),
    ("1.5.7", "Tỷ lệ hồ sơ thủ tục hành chính xử lý trực tuyến 95%", "%", _P, ">=", 95),
    ("1.5.8", "Tỷ lệ sử dụng dịch vụ công trực tuyến của người dân và doanh nghiệp tối thiểu "
     "đạt 80%", "%", _P, ">=", 80),
    ("1.5.9", "Tỷ lệ cấp kết quả giải quyết thủ tục hành chính điện tử tối thiểu đạt 90%",
     "%", _P, ">=", 90),
    ("1.5.10", "Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu đã được số hóa trong giải quyết "
     "thủ tục hành chính, dịch vụ công tối thiểu đạt 80%", "%", _P, ">=", 80),
    ("1.5.11", "Tỷ lệ thanh toán trực tuyến trong giải quyết thủ tục hành chính, dịch vụ công "
     "tối thiểu đạt 90%", "%", _P, ">=", 90),
    ("1.5.12", "Tỷ lệ xử lý văn bản, hồ sơ công việc toàn trình trên môi trường điện tử của các "
     "cơ quan hành chính nhà nước 100%", "%", _P, "=", 100),
    ("1.5.13", "Tỷ lệ nhiệm vụ được theo dõi, quản lý, giám sát của các cơ quan hành chính thực "
     "hiện trên môi trường điện tử 100%", "%", _P, "=", 100),
    ("1.5.14", "Tỷ lệ các cơ quan nhà nước thực hiện chỉ đạo, điều hành, quản trị nội bộ trên "
     "môi trường điện tử 100%", "%", _P, "=", 100),
    ("1.5.15", "Tỷ lệ giao dịch không dùng tiền mặt trong xã hội tối thiểu đạt 80%",
     "%", _P, ">=", 80),
    ("1.5.16", "Tỷ lệ Hộ kinh doanh cá thể và hợp tác xã, tiểu thương, hộ kinh doanh có áp dụng "
     "các nền tảng số trong quản lý, bán hàng (sử dụng hóa đơn điện tử, phần mềm quản lý bán "
     "hàng, thanh toán số, nền tảng xã hội để bán hàng,...) tối thiểu đạt 80%", "%", _P, ">=",
     80),
    ("1.5.17", "Tỷ lệ người dân có tài khoản định danh điện tử (VNeID) tối thiểu đạt 90%",
     "%", _P, ">=", 90),
    ("1.5.18", "Tỷ lệ người dân trưởng thành có chữ ký số tối thiểu đạt 50% trở lên",
     "%", _P, ">=", 50),
    ("1.5.19", "Tỷ lệ đảng ủy, chính quyền xã, phường sử dụng phần mềm quản trị điều hành thống "
     "nhất tối thiểu từ 90% trở lên", "%", _P, ">=", 90),
    ("1.5.20", "triển khai các giải pháp thúc đẩy phát triển kinh tế số của địa phương góp phần "
     "vào quy mô kinh tế số/GRDP của tỉnh từ 15-17%", "%", _P, ">=", 15),
    ("1.5.21", "Phân đấu công tác quản lý nhà nước trên môi trường số, kết nối và vận hành "
     "thông suốt giữa các cơ quan trong hệ thống chính trị 100%", "%", _P, "=", 100),
    ("1.5.22", "Dân số từ 15 tuổi trở lên có tài khoản giao dịch tại ngân hàng hoặc các tổ chức "
     "được phép khác tối thiểu đạt 95% trở lên", "%", _P, ">=", 95),
    ("1.5.23", "Tỷ lệ người dân có Sổ sức khỏe điện tử tối thiểu đạt 95% trở lên",
     "%", _P, ">=", 95),
    ("1.5.24", "Tỷ lệ người dân được định danh số 100%", "%", _P, "=", 100),
    ("1.5.25", "Thực hiện cung cấp, cập nhật, khai thác, chia sẻ dữ liệu mở của các ngành xã "
     "đảm bảo đúng theo lộ trình của Kế hoạch tỉnh đề ra", None, _S, None, None),
    ("1.5.26", "Hệ thống thông tin của xã được phê duyệt cấp độ an toàn thông tin và đảm bảo "
     "triển khai đầy đủ phương án bảo đảm an toàn thông tin theo hồ sơ cấp độ", None, _M, None,
     None),
)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@cache
def targets() -> tuple[Target, ...]:
    """All 44 targets in the plan's order."""
    titles = {s.code: s.title for s in SECTIONS}
    out = []
    for code, title, unit, kind, op, value in _ROWS:
        section, item = code.rsplit(".", 1)
        out.append(
            Target(
                code=code,
                section=section,
                section_title=_nfc(titles[section]),
                item=int(item),
                title=_nfc(title),
                unit=_nfc(unit) if unit else None,
                kind=kind,
                target_operator=op,
                target_value=float(value) if value is not None else None,
                deadline=DEADLINE,
            )
        )
    return tuple(out)


@cache
def by_code() -> dict[str, Target]:
    """The targets keyed by plan code."""
    return {t.code: t for t in targets()}


def get(code: str) -> Target | None:
    """The target with that plan code, or None."""
    return by_code().get(code)


def section(code: str) -> Section | None:
    """The section with that code (`1.1` … `1.5`), or None."""
    return next((s for s in SECTIONS if s.code == code), None)


def as_json_rows() -> list[dict[str, object]]:
    """The catalogue as plain JSON-ready dicts (what `nqsync catalogue --json` prints)."""
    rows: list[dict[str, object]] = []
    for t in targets():
        row = t.model_dump(mode="json")
        if t.target_value is not None and t.target_value.is_integer():
            row["target_value"] = int(t.target_value)
        rows.append(row)
    return rows
