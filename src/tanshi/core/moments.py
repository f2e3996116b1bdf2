"""Moments in time: always timezone-aware in the domain, always UTC in storage.

SQLite keeps a datetime's wall-clock digits and drops its zone, so everything is converted
to UTC before it is written, and naive values read back are taken to be UTC. People read
them on the clock of a jurisdiction or venue (``local``, ``offset_at``, ``zoned``): the web's
filters (``web.formats``) and the command line share those; none reads the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo


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


def as_moment(value: object) -> datetime | None:
    """A datetime or ISO text as an aware moment (without an offset it is UTC, as stored);
    None for anything else."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(value: object, zone: str = "UTC", seconds: bool = False) -> str:
    """A moment (ISO text or datetime; without an offset it is UTC, as stored) on ``zone``'s
    clock: ``2016-06-30 10:00`` (with ``:SS`` when ``seconds``); text that is no moment is
    shown as it is."""
    moment = as_moment(value)
    if moment is None:
        return "" if value is None else str(value)
    shown = moment.astimezone(ZoneInfo(zone))
    return f"{shown:%Y-%m-%d %H:%M:%S}" if seconds else f"{shown:%Y-%m-%d %H:%M}"


def offset_at(zone: str, at: datetime) -> str:
    """``zone``'s offset at moment ``at`` as a heading writes it: ``UTC+08:00``."""
    delta = at.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(delta.total_seconds()) // 60 if delta else 0
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"


def has_summer_time(zone: str, year: int) -> bool:
    """Whether ``zone``'s offset in January of ``year`` differs from July's."""
    january, july = (datetime(year, month, 1, tzinfo=UTC) for month in (1, 7))
    place = ZoneInfo(zone)
    return january.astimezone(place).utcoffset() != july.astimezone(place).utcoffset()


def zoned(value: object, zone: str) -> str:
    """A moment for a line of text, its zone named: ``2017-03-01 09:00 Asia/Shanghai
    (UTC+08:00)`` (the offset the zone had at that moment); ``—`` for no moment."""
    moment = as_moment(value)
    if moment is None:
        return "—"
    if zone == "UTC":
        return f"{local(moment, zone)} UTC"
    return f"{local(moment, zone)} {zone} ({offset_at(zone, moment)})"
