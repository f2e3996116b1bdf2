"""Moments in time: always timezone-aware in the domain, always UTC in storage.

SQLite keeps a datetime's wall-clock digits and drops its zone, so everything is converted
to UTC before it is written, and naive values read back are taken to be UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; it must carry a time zone."""
    assert moment.tzinfo is not None, "moments must be timezone-aware"
    return moment.astimezone(UTC)


def from_store(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite returns naive UTC values)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """Calendar day ``day`` in ``zone`` as [its first moment, the next day's first) in UTC."""
    start, following = (datetime.combine(d, time(), zone) for d in (day, day + timedelta(1)))
    return to_utc(start), to_utc(following)
