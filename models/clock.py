"""Vietnam's time, the commune's one time zone: UTC+7 all year (no daylight saving since 1975)."""

from datetime import date, datetime, timedelta, timezone

VIETNAM_ZONE_NAME = "Asia/Ho_Chi_Minh"
"""The zone's IANA name, for what takes a zone by name (the nightly schedule)."""
VIETNAM = timezone(timedelta(hours=7), "+07")


def today_in_vietnam() -> date:
    """Today's date in Vietnam."""
    return datetime.now(VIETNAM).date()
