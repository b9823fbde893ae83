"""theodoinq's time formats: day first, local time (UTC+7), no offset."""

from datetime import date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7))


def stamp(moment: datetime) -> str:
    """`dd/mm/yyyy HH:MM:SS` in UTC+7."""
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S")


def day(value: date) -> str:
    """`dd/mm/yyyy`."""
    return value.strftime("%d/%m/%Y")


def deadline(value: date, hour: int = 17) -> str:
    """`dd/mm/yyyy HH:MM` at the given hour."""
    return f"{day(value)} {hour:02d}:00"
