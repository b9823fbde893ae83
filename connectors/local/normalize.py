"""Pure normalisers from what a spreadsheet cell holds to canonical values.

Every parser takes a non-blank cell value (str, int, float, Decimal, date, datetime) and
returns the canonical value, or raises `CellError` whose `reason` is in Vietnamese (NFC).
Blank cells are the caller's business (`is_blank`).

Text is compared through `match_key`: NFC/NFD, case, diacritics (so both tone-placement
habits, `hoà`/`hòa`), dashes and spaces (NBSP included) do not matter.

Numbers written as text are read the Vietnamese way: `,` is the decimal mark and `.` groups
thousands (`1.234,5` → 1234.5). When both marks appear, the last one is the decimal mark
(`1,234.5` → 1234.5). A lone `,` is always the decimal mark (`1,234` → 1.234). A lone `.` is a
decimal point (`87.5`, `0.875`, `3.14159`) except in the ambiguous shape of one group of 1–3
digits not starting with 0 followed by exactly three digits: `1.234` reads 1234, the
Vietnamese reading. Numeric cells are already numbers and are taken as they are (a float
through its shortest repr, never through binary arithmetic). Every number is a `Decimal`,
scaled first (a percent-formatted cell) and then rounded once to six places, so that the
rules judge the value the records keep: 99.99999999999999 from a formula is 100. A number
larger than `MAX_MAGNITUDE` is refused.
"""

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TypeGuard

from models.catalogue import SECTIONS, Target, TargetKind, get, section
from models.records import STATUS_LABELS, Status, quantize
from models.units import UNITS, Unit, get_unit

CellValue = str | int | float | Decimal | date | datetime | bool | None


class CellError(ValueError):
    """A cell that cannot be read; `reason` says why, in Vietnamese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_STATUS_WORDS: dict[Status, tuple[str, ...]] = {
    Status.NOT_STARTED: ("Chưa thực hiện",),
    Status.IN_PROGRESS: ("Đang thực hiện",),
    Status.COMPLETED: ("Hoàn thành", "Đã hoàn thành", "HT"),
    Status.OVERDUE: ("Quá hạn",),
}

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (36526, 73050)  # 2000-01-01 … 2099-12-31
_YEAR_RANGE = (1900, 2100)


def normalize_text(value: str) -> str:
    """NFC, without invisible characters, NBSP as space, whitespace runs collapsed, trimmed."""
    text = unicodedata.normalize("NFC", value.translate(_INVISIBLE))
    return " ".join(text.split())


def is_blank(value: CellValue) -> bool:
    """Whether a cell holds nothing (None, or only spaces)."""
    return value is None or (isinstance(value, str) and not normalize_text(value))


def cell_text(value: CellValue) -> str:
    """A cell's value as normalised text (`12.0` → `12`, a date → `2026-11-27`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, date | datetime):
        return value.isoformat()
    return normalize_text(str(value))


def match_key(value: str) -> str:
    """A key for comparing names: no case, diacritics, dashes variants or spaces."""
    text = unicodedata.normalize("NFD", normalize_text(value))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("đ", "d").replace("Đ", "D").casefold().translate(_DASHES)
    return "".join(text.split()).rstrip(".:")


def _show(value: CellValue) -> str:
    if isinstance(value, bool):
        return f"'{value}'"
    if isinstance(value, int | float | Decimal) and math.isfinite(value):
        return format_number_vi(value)
    return f"'{cell_text(value)}'"


def _is_number(value: CellValue) -> TypeGuard[int | float | Decimal]:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# numbers ------------------------------------------------------------------------------------

_GROUPED = {
    ".": re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+"),
    ",": re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+"),
}


def _digits_of(text: str) -> str | None:
    """`text` (no sign, no spaces) as a plain decimal string, or None when it is no number."""
    if not re.fullmatch(r"[0-9][0-9.,]*[0-9]|[0-9]", text):
        return None
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        mark = "." if text.rfind(".") > text.rfind(",") else ","
        group = "," if mark == "." else "."
        if text.count(mark) != 1:
            return None
        whole, fraction = text.split(mark)
        if not _GROUPED[group].fullmatch(whole) or not fraction.isdigit():
            return None
        return whole.replace(group, "") + "." + fraction
    if commas:
        if commas == 1:
            return text.replace(",", ".")
        return text.replace(",", "") if _GROUPED[","].fullmatch(text) else None
    if dots > 1:
        return text.replace(".", "") if _GROUPED["."].fullmatch(text) else None
    if dots == 1:
        whole, fraction = text.split(".")
        if len(fraction) == 3 and re.fullmatch(r"[1-9][0-9]{0,2}", whole):
            return whole + fraction
    return text


MAX_MAGNITUDE = Decimal(10) ** 12
"""No figure of a commune's plan comes near this: anything larger is refused as absurd."""


def _exact(value: CellValue) -> Decimal | None:
    """A cell's number exactly (a float through its shortest repr), or None for no number."""
    if _is_number(value):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return number if number.is_finite() else None
    if isinstance(value, str):
        text = "".join(normalize_text(value).split())
        sign = ""
        if text[:1] in ("+", "-", "\u2212"):
            sign, text = ("" if text[0] == "+" else "-"), text[1:]
        digits = _digits_of(text)
        if digits is not None:
            try:
                return Decimal(sign + digits)
            except InvalidOperation:
                return None
    return None


def _quantized(number: Decimal, value: CellValue, label: str) -> Decimal:
    """NUMBER rounded once as the records keep it; CellError when it is absurdly large."""
    if abs(number) > MAX_MAGNITUDE:
        limit = format_number_vi(MAX_MAGNITUDE)
        raise CellError(f"{label} quá lớn: {_show(value)} (tối đa {limit})")
    return quantize(number)


def parse_number(value: CellValue, label: str = "Giá trị") -> Decimal:
    """A number from a numeric cell or from text written the Vietnamese (or English) way,
    rounded once to six places (`models.records.quantize`)."""
    number = _exact(value)
    if number is None:
        raise CellError(f"{label} không phải là số: {_show(value)}")
    return _quantized(number, value, label)


def format_number_vi(value: float | int | Decimal) -> str:
    """A number written the Vietnamese way: `1.234,5` (dot groups thousands, comma decimals)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        number = value
    elif not math.isfinite(value):
        return str(value)
    else:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = format(number, "f")
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    return sign + grouped + ("," + fraction if fraction else "")


def _parse_percent(value: CellValue, *, percent_format: bool, label: str = "Tỷ lệ") -> Decimal:
    """A percentage as a number of percent: a percent-formatted 0.875 → 87.5; `"87,5%"` → 87.5."""
    if _is_number(value):
        number = _exact(value)
        if number is not None:
            return _quantized(number * 100 if percent_format else number, value, label)
    elif isinstance(value, str):
        text = normalize_text(value)
        number = _exact(text[:-1] if text.endswith("%") else text)
        if number is not None:
            return _quantized(number, value, label)
    raise CellError(f"{label} không phải là số: {_show(value)}")


def parse_progress_percent(value: CellValue, *, percent_format: bool) -> Decimal:
    """The completion percentage, 0–100 (judged once rounded: 99.99999999999999 is 100)."""
    label = "Tỷ lệ hoàn thành"
    number = _parse_percent(value, percent_format=percent_format, label=label)
    if not 0 <= number <= 100:
        raise CellError(f"{label} phải từ 0 đến 100: {format_number_vi(number)}")
    return number


def parse_actual(value: CellValue, *, percent_format: bool, target: Target | None) -> Decimal:
    """The measured value in the target's own unit (a percentage only for a `%` target),
    within the range its kind allows: a percentage 0–100, a ranking a whole number from 1, any
    other measure not negative."""
    label = "Giá trị thực hiện"
    if target is None or target.unit == "%":
        number = _parse_percent(value, percent_format=percent_format, label=label)
    elif (percent_format and _is_number(value)) or (isinstance(value, str) and "%" in value):
        shown = (
            cell_text(value)
            if isinstance(value, str)
            else format_number_vi(_parse_percent(value, percent_format=True, label=label)) + "%"
        )
        measure = f"bằng '{target.unit}'" if target.unit else "không theo phần trăm"
        raise CellError(
            f"{label} của chỉ tiêu {target.code} tính {measure}, không phải phần trăm: '{shown}'"
        )
    else:
        number = parse_number(value, label)
    if target is not None:
        _check_range(number, target, label)
    return number


def _check_range(number: Decimal, target: Target, label: str) -> None:
    shown = format_number_vi(number)
    of = f"{label} của chỉ tiêu {target.code}"
    if target.kind is TargetKind.PERCENT and not 0 <= number <= 100:
        raise CellError(f"{of} là tỷ lệ phần trăm, phải từ 0 đến 100: {shown}")
    if target.kind is TargetKind.RANKING and (number < 1 or number != number.to_integral_value()):
        raise CellError(f"{of} là thứ hạng, phải là số nguyên từ 1 trở lên: {shown}")
    if number < 0:
        unit = f" ({target.unit})" if target.unit else ""
        raise CellError(f"{of}{unit} không được là số âm: {shown}")


# dates and periods --------------------------------------------------------------------------

_TIME_SUFFIX = re.compile(r"\s*[t ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{4})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})")
_YEAR_MONTH = re.compile(r"(\d{4})[/.-](\d{1,2})")


def _date_from_serial(value: float) -> date | None:
    if not _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
        return None
    return _EXCEL_EPOCH + timedelta(days=math.floor(value))


def _fold_lower(value: str) -> str:
    text = unicodedata.normalize("NFD", normalize_text(value))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("đ", "d").replace("Đ", "D").casefold().translate(_DASHES)


def _date_parts(value: CellValue) -> tuple[int, int, int | None] | None:
    """(year, month, day or None) of a cell, or None when it is no date or month."""
    if isinstance(value, datetime | date):
        return value.year, value.month, value.day
    if _is_number(value):
        serial = _date_from_serial(float(value))
        return None if serial is None else (serial.year, serial.month, serial.day)
    if not isinstance(value, str):
        return None
    text = _TIME_SUFFIX.sub("", _fold_lower(value))
    text = re.sub(r"^(thang|t)\s*", "", text)
    text = re.sub(r"\s*nam\s*", "/", text).replace(" ", "")
    parts: tuple[int, int, int | None]
    if m := _DAY_MONTH_YEAR.fullmatch(text):
        parts = int(m[3]), int(m[2]), int(m[1])
    elif m := _YEAR_MONTH_DAY.fullmatch(text):
        parts = int(m[1]), int(m[2]), int(m[3])
    elif m := _MONTH_YEAR.fullmatch(text):
        parts = int(m[2]), int(m[1]), None
    elif m := _YEAR_MONTH.fullmatch(text):
        parts = int(m[1]), int(m[2]), None
    else:
        return None
    year, month, day = parts
    if not _YEAR_RANGE[0] <= year <= _YEAR_RANGE[1] or not 1 <= month <= 12:
        return None
    if day is not None:
        try:
            date(year, month, day)
        except ValueError:
            return None
    return parts


def parse_period(value: CellValue) -> str:
    """The reported month, `YYYY-MM`, from a date, a datetime or text (`Tháng 11/2026`, …)."""
    parts = _date_parts(value)
    if parts is None:
        raise CellError(f"Kỳ báo cáo không hợp lệ: {_show(value)} (ví dụ: 11/2026)")
    return f"{parts[0]:04d}-{parts[1]:02d}"


def parse_date(value: CellValue, label: str = "Ngày ban hành") -> date:
    """A day date from a date cell or text such as `27/11/2026` or `2026-11-27`."""
    parts = _date_parts(value)
    if parts is None or parts[2] is None:
        raise CellError(f"{label} không hợp lệ: {_show(value)} (ví dụ: 27/11/2026)")
    return date(parts[0], parts[1], parts[2])


_ONGOING = ("thuongxuyen", "hangnam", "hangquy", "hangthang", "lientuc")
_QUARTER = re.compile(r"quy(iv|i{1,3}|[1-4])[/.-]?(\d{4})")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def parse_deadline(value: CellValue) -> date | None:
    """An assignment's deadline: a day, or the last day of a month, quarter (`Quý IV/2026`) or
    year (`Năm 2026`); None for a standing duty (`Thường xuyên`, `Hằng năm`)."""
    if isinstance(value, str):
        text = re.sub(r"^(truoc|cham nhat)\s*(ngay\s*)?", "", _fold_lower(value))
        key = text.replace(" ", "")
        if key.startswith(_ONGOING):
            return None
        if m := _QUARTER.fullmatch(key.replace("nam", "")):
            return _month_end(int(m[2]), 3 * (_ROMAN.get(m[1]) or int(m[1])))
        if m := re.fullmatch(r"(?:nam)?(\d{4})", key):
            return date(int(m[1]), 12, 31)
        parts = _date_parts(text)
    else:
        parts = _date_parts(value)
    if parts is None:
        raise CellError(f"Thời hạn không hợp lệ: {_show(value)} (ví dụ: 31/12/2026)")
    year, month, day = parts
    return _month_end(year, month) if day is None else date(year, month, day)


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


# statuses, codes, units ---------------------------------------------------------------------

_STATUS_BY_KEY: dict[str, Status] = {
    match_key(word): status
    for status, words in _STATUS_WORDS.items()
    for word in (*words, status.value)
}


def parse_status(value: CellValue) -> Status:
    """The status from its Vietnamese words in any case, form or spacing (`hoan thanh`, `HT`)."""
    status = _STATUS_BY_KEY.get(match_key(cell_text(value)))
    if status is None:
        choices = ", ".join(STATUS_LABELS.values())
        raise CellError(f"Tình trạng không hợp lệ: {_show(value)}; chọn một trong: {choices}")
    return status


_HEADING = re.compile(r"(\d+)\.(\d+)\.?\s*(.*)")
_FULL_CODE = re.compile(r"(\d+)\.(\d+)\.(?:\((\d+)\)|(\d+))\.?")
_ITEM_CODE = re.compile(r"\((\d+)\)\.?")
_SECTION_BY_TITLE = {match_key(s.title): s.code for s in SECTIONS}


def parse_heading(value: CellValue) -> str | None:
    """The section code when a cell is a section heading (`1.2. Phát triển nguồn nhân lực`)."""
    text = cell_text(value)
    if m := _HEADING.fullmatch(text):
        code = f"{int(m[1])}.{int(m[2])}"
        if section(code) is not None and (not m[3] or m[3][0].isalpha()):
            return code
    return _SECTION_BY_TITLE.get(match_key(text))


def parse_target_code(value: CellValue, heading: str | None) -> str:
    """The plan code from `1.5.17`, `1.5.(17)`, or `(17)` under the section heading `heading`."""
    raw = cell_text(value)
    text = "".join(raw.split())
    if m := _FULL_CODE.fullmatch(text):
        code = f"{int(m[1])}.{int(m[2])}.{int(m[3] or m[4])}"
    elif m := _ITEM_CODE.fullmatch(text):
        if heading is None:
            raise CellError(
                f"Mã chỉ tiêu '{raw}' thiếu mục: không có dòng tiêu đề mục "
                "(ví dụ '1.5. Phát triển chuyển đổi số') ở phía trên"
            )
        code = f"{heading}.{int(m[1])}"
    else:
        raise CellError(f"Mã chỉ tiêu không hợp lệ: '{raw}' (ví dụ: 1.5.17)")
    if get(code) is None:
        shown = f"'{raw}'" if raw == code else f"'{raw}' ({code})"
        raise CellError(f"Mã chỉ tiêu không có trong Kế hoạch: {shown}")
    return code


_UNIT_BY_NAME = {match_key(u.name): u for u in UNITS}


def unit_by_name(text: str) -> Unit | None:
    """The unit of `models.units` with that name in any case, form or tone placement."""
    return _UNIT_BY_NAME.get(match_key(text))


def parse_unit(value: CellValue) -> Unit:
    """A unit of `models.units` named by its code (any case) or its name (any form)."""
    text = cell_text(value)
    unit = get_unit(text) or unit_by_name(text)
    if unit is None:
        raise CellError(f"Đơn vị không có trong danh mục: '{text}'")
    return unit
