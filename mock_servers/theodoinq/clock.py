"""theodoinq's time formats: day first, local time (UTC+7), no offset."""

from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7))


def now_local() -> datetime:
    """The current time in UTC+7."""
    return datetime.now(UTC).astimezone(VIETNAM)


def stamp(moment: datetime) -> str:
    """`dd/mm/yyyy HH:MM:SS` in UTC+7."""
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S")


def now_stamp() -> str:
    """The current time as `dd/mm/yyyy HH:MM:SS` in UTC+7."""
    return stamp(now_local())


def day(value: date) -> str:
    """`dd/mm/yyyy`."""
    return value.strftime("%d/%m/%Y")


def deadline(value: date, hour: int = 17) -> str:
    """`dd/mm/yyyy HH:MM` at the given hour."""
    return f"{day(value)} {hour:02d}:00"
