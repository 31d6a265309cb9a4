"""Beijing time, the one clock people read: every stored time is naive UTC (or ISO text of the
audit log), every time shown or typed is China Standard Time, UTC+8 (no daylight saving since
1991, so a fixed offset is exact for every date the app handles).

>>> from datetime import datetime
>>> china_time(datetime(2026, 11, 22, 8, 41))
'2026-11-22 16:41'
>>> china_time("2026-11-22T08:41:00.000000", "%H:%M")
'16:41'
>>> from_china(datetime(2026, 11, 22, 16, 41))
datetime.datetime(2026, 11, 22, 8, 41)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

CHINA_OFFSET = timedelta(hours=8)
CHINA_TZ = timezone(CHINA_OFFSET, "CST")


def to_china(value: datetime | str) -> datetime:
    """A stored time as naive Beijing wall-clock time (for ``.date()``, comparisons, forms)."""
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(CHINA_TZ).replace(tzinfo=None)


def china_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as Beijing time text, e.g. "2026-11-22 16:41"; "" for None."""
    if value is None or value == "":
        return ""
    return to_china(value).strftime(fmt)


def from_china(local: datetime) -> datetime:
    """A Beijing wall-clock time someone typed or picked, as the naive UTC the database keeps."""
    if local.tzinfo is not None:
        return local.astimezone(UTC).replace(tzinfo=None)
    return local - CHINA_OFFSET


__all__ = ["CHINA_OFFSET", "CHINA_TZ", "china_time", "from_china", "to_china"]
