"""theodoinq's date formats: day first."""

from datetime import date


def day(value: date) -> str:
    """`dd/mm/yyyy`."""
    return value.strftime("%d/%m/%Y")


def deadline(value: date, hour: int = 17) -> str:
    """`dd/mm/yyyy HH:MM` at the given hour."""
    return f"{day(value)} {hour:02d}:00"
