"""Numbers as both remotes write them: strings with a decimal comma, `""` when empty."""


def format_decimal(value: float | None) -> str:
    """A number with a decimal comma and no thousands separator; `""` for none."""
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def parse_decimal(text: str | None) -> float | None:
    """A decimal-comma string (`"87,5"`, `"1.234,5"`) as a number; None when empty or unreadable."""
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    try:
        return float(raw.replace(".", "").replace(",", ".") if "," in raw else raw)
    except ValueError:
        return None
