"""Numbers as both remotes write them: strings with a decimal comma, `""` when empty."""

from decimal import Decimal, InvalidOperation

from models.records import quantize


def format_decimal(value: Decimal | float | None) -> str:
    """A number with a decimal comma, no thousands separator, at most 6 places; `""` for none."""
    if value is None:
        return ""
    text = format(quantize(value), "f")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def parse_decimal(text: str | None) -> Decimal | None:
    """A decimal-comma string (`"87,5"`, `"1.234,5"`) as a number; None when empty or unreadable."""
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    try:
        number = Decimal(raw.replace(".", "").replace(",", ".") if "," in raw else raw)
    except InvalidOperation:
        return None
    return quantize(number) if number.is_finite() else None
