import unicodedata
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.local.normalize import (
    CellError,
    _parse_percent,
    cell_text,
    format_number_vi,
    match_key,
    normalize_text,
    parse_actual,
    parse_date,
    parse_deadline,
    parse_heading,
    parse_number,
    parse_period,
    parse_progress_percent,
    parse_status,
    parse_target_code,
    parse_unit,
)
from models.catalogue import get, targets
from models.records import Status, quantize
from models.units import UNITS

EXAMPLES = settings(max_examples=150, deadline=None)
SPACES = st.sampled_from(["", " ", "  ", "\u00a0", " \u00a0", "\t"])
STATUS_WORDS = [
    ("Chưa thực hiện", Status.NOT_STARTED),
    ("Đang thực hiện", Status.IN_PROGRESS),
    ("Hoàn thành", Status.COMPLETED),
    ("Đã hoàn thành", Status.COMPLETED),
    ("HT", Status.COMPLETED),
    ("Quá hạn", Status.OVERDUE),
]
OLD_TONES = {"óa": "oá", "òa": "oà", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "ủy": "uỷ", "úy": "uý"}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def strip_marks(text: str) -> str:
    bare = "".join(c for c in nfd(text) if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D")


def old_tones(text: str) -> str:
    for new, old in OLD_TONES.items():
        text = text.replace(new, old)
    return text


decimals = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False
)


@EXAMPLES
@given(st.text(), st.booleans())
def test_normalize_text_is_nfc_trimmed_collapsed_and_form_blind(text: str, decompose: bool) -> None:
    """NFC and NFD give the same text: NFC, trimmed, single spaces, idempotent."""
    out = normalize_text(nfd(text) if decompose else text)
    assert out == normalize_text(text)
    assert out == unicodedata.normalize("NFC", out)
    assert out == out.strip() and "  " not in out and "\u00a0" not in out
    assert normalize_text(out) == out


@EXAMPLES
@given(
    st.sampled_from(STATUS_WORDS),
    st.sampled_from([str.lower, str.upper, str.title, str.capitalize, lambda s: s]),
    st.sampled_from([nfd, strip_marks, lambda s: s]),
    SPACES,
    SPACES,
)
def test_status_words_in_any_case_form_and_spacing(word, case, form, before, after) -> None:  # type: ignore[no-untyped-def]
    """A status word reads the same in any case, with or without diacritics, NFC or NFD."""
    text, status = word
    assert parse_status(before + form(case(text)).replace(" ", " \u00a0") + after) == status


@pytest.mark.parametrize("value", ["xong", "Hoàn", "", "1"])
def test_unknown_status_is_a_cell_error(value: str) -> None:
    """Any other word is an error listing the four statuses."""
    with pytest.raises(CellError, match=r"Tình trạng không hợp lệ: .*Quá hạn$"):
        parse_status(value)


@EXAMPLES
@given(decimals)
def test_number_written_the_vietnamese_way_reads_back(value: Decimal) -> None:
    """`format_number_vi` then `parse_number` gives the exact decimal back (`1.234,5`)."""
    assert parse_number(format_number_vi(value)) == value


@EXAMPLES
@given(st.floats(min_value=-1e12, max_value=1e12))
def test_numeric_cells_are_taken_through_their_repr_and_rounded_once(value: float) -> None:
    """A number cell is its shortest repr as a decimal, rounded once to six places."""
    assert parse_number(value) == quantize(Decimal(repr(value)))


def test_a_formulas_float_noise_is_rounded_away() -> None:
    """99.99999999999999 from a formula reads 100, as a percentage cell or a plain number."""
    assert parse_number(99.99999999999999) == Decimal(100)
    assert parse_progress_percent(0.9999999999999999, percent_format=True) == Decimal(100)
    assert _parse_percent(0.1234567, percent_format=True) == Decimal("12.34567")
    assert parse_number("87,5") == Decimal("87.5") and parse_number(0.1) == Decimal("0.1")


@pytest.mark.parametrize("value", [1e13, "1.000.000.000.000.001", -1e15, "9" * 400])
def test_absurd_magnitudes_are_cell_errors(value: object) -> None:
    """Anything beyond a thousand billion is refused as too large."""
    with pytest.raises(CellError, match=r"^Giá trị quá lớn: .* \(tối đa 1\.000\.000\.000\.000\)$"):
        parse_number(value)  # type: ignore[arg-type]


@EXAMPLES
@given(st.decimals(min_value=0, max_value=Decimal("99999"), places=2, allow_nan=False))
def test_dot_with_one_or_two_decimals_is_a_decimal_point(value: Decimal) -> None:
    """`87.5` typed the English way reads 87.5 when 1–2 digits follow the dot."""
    text = f"{value:.2f}".rstrip("0")
    if text.endswith("."):
        text = text[:-1]
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,5", "1234.5"),
        ("1.234", "1234"),
        ("12.345.678", "12345678"),
        ("1,234", "1.234"),
        ("1,234.5", "1234.5"),
        ("0.875", "0.875"),
        ("3.14159", "3.14159"),
        ("87,5", "87.5"),
        (" -1.234,50 ", "-1234.5"),
        ("1 234,5", "1234.5"),
        ("\u22121,5", "-1.5"),
        ("0,1234567", "0.123457"),
    ],
)
def test_vietnamese_number_text(text: str, expected: str) -> None:
    """Text numbers: dot groups thousands, comma decimals; `1.234` is the Vietnamese 1234."""
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    ["abc", "1.2.3", "1,2,3", "12.34.567", "1.234.5", "1,", ".5", "", "nan", "1e5", "inf"],
)
def test_non_numbers_are_cell_errors(text: str) -> None:
    """Anything else is an error naming the value."""
    with pytest.raises(CellError) as info:
        parse_number(text, "Giá trị thực hiện")
    assert info.value.reason == f"Giá trị thực hiện không phải là số: '{text}'"


@EXAMPLES
@given(st.decimals(min_value=0, max_value=100, places=3, allow_nan=False), SPACES)
def test_percent_text_reads_back(value: Decimal, space: str) -> None:
    """`87,5%`, `87,5 %`, `87,5` all give 87.5."""
    text = format_number_vi(value)
    for written in (text, f"{text}%", f"{text}{space}%"):
        assert _parse_percent(written, percent_format=False) == value


@EXAMPLES
@given(st.decimals(min_value=0, max_value=1, places=4, allow_nan=False))
def test_percent_formatted_cell_means_hundredths(value: Decimal) -> None:
    """A percent-formatted cell holding 0.875 means 87.5 (no float noise)."""
    assert _parse_percent(float(value), percent_format=True) == value * 100
    assert _parse_percent(float(value), percent_format=False) == value


@pytest.mark.parametrize(
    ("value", "percent_format", "expected"),
    [
        (0.875, True, 87.5),
        (87.5, False, 87.5),
        ("87,5%", False, 87.5),
        ("87,5", False, 87.5),
        ("50 %", False, 50.0),
        (0.07, True, 7.0),
        (1, True, 100.0),
    ],
)
def test_brief_percent_examples(value: object, percent_format: bool, expected: float) -> None:
    """The brief's examples of percentages."""
    assert _parse_percent(value, percent_format=percent_format) == expected  # type: ignore[arg-type]


def test_progress_outside_0_100_is_an_error() -> None:
    """Completion must lie in 0–100."""
    assert parse_progress_percent(100, percent_format=False) == 100
    with pytest.raises(CellError, match=r"^Tỷ lệ hoàn thành phải từ 0 đến 100: 100,5$"):
        parse_progress_percent("100,5", percent_format=False)
    with pytest.raises(CellError, match=r"^Tỷ lệ hoàn thành phải từ 0 đến 100: 120$"):
        parse_progress_percent(1.2, percent_format=True)


def test_actual_follows_the_targets_unit() -> None:
    """A percentage is the measured value of a `%` target only."""
    vneid, people = get("1.5.17"), get("1.3.3")
    assert parse_actual(0.875, percent_format=True, target=vneid) == 87.5
    assert parse_actual("1.234", percent_format=False, target=people) == 1234
    with pytest.raises(CellError) as info:
        parse_actual("50%", percent_format=False, target=people)
    assert info.value.reason == (
        "Giá trị thực hiện của chỉ tiêu 1.3.3 tính bằng 'người', không phải phần trăm: '50%'"
    )


@pytest.mark.parametrize(
    ("code", "value", "reason"),
    [
        ("1.5.17", -5, "là tỷ lệ phần trăm, phải từ 0 đến 100: -5"),
        ("1.5.17", "100,5%", "là tỷ lệ phần trăm, phải từ 0 đến 100: 100,5"),
        ("1.5.17", 10**12, "là tỷ lệ phần trăm, phải từ 0 đến 100: 1.000.000.000.000"),
        ("1.3.3", -1, "(người) không được là số âm: -1"),
        ("1.5.1", 0, "là thứ hạng, phải là số nguyên từ 1 trở lên: 0"),
        ("1.5.1", "2,5", "là thứ hạng, phải là số nguyên từ 1 trở lên: 2,5"),
        ("1.5.26", -0.5, "không được là số âm: -0,5"),
    ],
)
def test_actual_outside_its_kinds_range_is_an_error(code: str, value: object, reason: str) -> None:
    """Percentages lie in 0–100, rankings are whole numbers from 1, other measures are >= 0."""
    with pytest.raises(CellError) as info:
        parse_actual(value, percent_format=False, target=get(code))  # type: ignore[arg-type]
    assert info.value.reason == f"Giá trị thực hiện của chỉ tiêu {code} {reason}"


def test_actual_at_the_edges_of_its_range_is_read() -> None:
    """0 and 100 on a percentage, 1 on a ranking, 0 on a count are accepted."""
    assert parse_actual(0, percent_format=False, target=get("1.5.17")) == 0
    assert parse_actual(1, percent_format=True, target=get("1.5.17")) == 100
    assert parse_actual("1", percent_format=False, target=get("1.5.1")) == 1
    assert parse_actual(0, percent_format=False, target=get("1.3.3")) == 0


@EXAMPLES
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), SPACES)
def test_every_period_form_gives_its_month(day: date, space: str) -> None:
    """Dates, datetimes and every text form give `YYYY-MM`."""
    y, m, d = day.year, day.month, day.day
    forms = [
        day,
        datetime(y, m, d, 13, 45),
        f"{d:02d}/{m:02d}/{y}",
        f"{d}/{m}/{y}",
        f"{m}/{y}",
        f"{m:02d}-{y}",
        f"Tháng {m}/{y}",
        nfd(f"tháng{space}{m:02d}/{y}"),
        f"Tháng {m} năm {y}",
        f"{y}-{m:02d}",
        f"{y}-{m:02d}-{d:02d} 00:00:00",
        f"{space}{m}/{y}{space}",
        float((day - date(1899, 12, 30)).days),
    ]
    for form in forms:
        assert parse_period(form) == f"{y:04d}-{m:02d}", form


@pytest.mark.parametrize("value", ["13/2026", "0/2026", "31/02/2026", "2026", "abc", 11, True])
def test_bad_periods_are_cell_errors(value: object) -> None:
    """A month that does not exist, or no month at all, is an error."""
    with pytest.raises(CellError, match=r"^Kỳ báo cáo không hợp lệ: .* \(ví dụ: 11/2026\)$"):
        parse_period(value)  # type: ignore[arg-type]


def test_issue_dates_need_a_day() -> None:
    """An issue date is a day: `20/11/2026`, `2026-11-20` or a date cell."""
    assert parse_date("20/11/2026") == parse_date("2026-11-20") == date(2026, 11, 20)
    assert parse_date(datetime(2026, 11, 20, 8)) == date(2026, 11, 20)
    with pytest.raises(CellError, match=r"^Ngày ban hành không hợp lệ: '11/2026'"):
        parse_date("11/2026")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("31/12/2026", date(2026, 12, 31)),
        ("12/2026", date(2026, 12, 31)),
        ("02/2028", date(2028, 2, 29)),
        ("Quý IV/2026", date(2026, 12, 31)),
        ("quý 2 năm 2026", date(2026, 6, 30)),
        ("Năm 2026", date(2026, 12, 31)),
        ("Trước ngày 30/6/2026", date(2026, 6, 30)),
        ("Thường xuyên", None),
        ("Hằng năm", None),
        (datetime(2026, 9, 30), date(2026, 9, 30)),
    ],
)
def test_deadlines(value: object, expected: date | None) -> None:
    """Deadlines as days, months, quarters, years, or standing duties."""
    assert parse_deadline(value) == expected  # type: ignore[arg-type]


@EXAMPLES
@given(st.sampled_from([t.code for t in targets()]), SPACES, SPACES)
def test_every_code_form_gives_the_plan_code(code: str, before: str, after: str) -> None:
    """`1.5.17`, `1.5.(17)`, `(17)` under a `1.5` heading all give `1.5.17`."""
    section, item = code.rsplit(".", 1)
    for written, heading in ((code, None), (f"{section}.({item})", None), (f"({item})", section)):
        assert parse_target_code(before + written + after, heading) == code


def test_bad_codes_are_cell_errors() -> None:
    """An orphan `(n)`, an unknown code, or no code shape is an error."""
    with pytest.raises(CellError, match=r"^Mã chỉ tiêu '\(3\)' thiếu mục"):
        parse_target_code("(3)", None)
    with pytest.raises(CellError, match=r"^Mã chỉ tiêu không có trong Kế hoạch: '1\.5\.27'$"):
        parse_target_code("1.5.27", None)
    with pytest.raises(CellError, match=r"^Mã chỉ tiêu không hợp lệ: '17' \(ví dụ: 1\.5\.17\)$"):
        parse_target_code(17, "1.5")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.2. Phát triển nguồn nhân lực", "1.2"),
        ("1.2 Phát triển nguồn nhân lực", "1.2"),
        ("1.5.", "1.5"),
        (1.3, "1.3"),
        (nfd("PHÁT TRIỂN HẠ TẦNG"), "1.1"),
        ("1.5.17", None),
        ("1.6. Khác", None),
        ("(17)", None),
        (None, None),
    ],
)
def test_section_headings(value: object, expected: str | None) -> None:
    """Headings are known sections by number or by title; codes are not headings."""
    assert parse_heading(value) == expected  # type: ignore[arg-type]


@EXAMPLES
@given(
    st.sampled_from(UNITS),
    st.sampled_from([nfd, old_tones, strip_marks, str.upper, lambda s: s.replace(" - ", " – ")]),
)
def test_units_by_code_or_name_in_any_form(unit, form) -> None:  # type: ignore[no-untyped-def]
    """A unit is found by its code in any case or its name in any form or tone placement."""
    assert parse_unit(unit.code.lower()) == unit
    assert parse_unit(form(unit.name)) == unit


def test_match_key_ignores_case_form_tone_dash_and_spaces() -> None:
    """`Phòng Văn hoá – Xã hội` and `phong van hoa-xa hoi` share a key."""
    assert match_key(nfd("Phòng Văn hoá – Xã  hội")) == match_key("phong van hoa-xa hoi")
    assert match_key("Tỷ lệ hoàn thành\n(%)") == match_key("TỶ LỆ HOÀN THÀNH (%)")


def test_cell_text_of_numbers_and_dates() -> None:
    """Numbers and dates read as text without float noise."""
    assert cell_text(12.0) == "12"
    assert cell_text(datetime(2026, 11, 27)) == "2026-11-27"
    assert cell_text(None) == ""
