"""Security controls in time: business hours, holidays, transfer delays, trusted-list waits.

All moments are timezone-aware; the calendar works in the jurisdiction's time zone.

- A proposal or approval is accepted only while the registry is open (business hours on a
  business day that is not a holiday); otherwise ``outside_business_hours``.
- A delayed transfer is released ``delay`` hours after its approval; if that moment falls
  outside business hours, at the next opening. (Friday 15:00 + 26 h = Saturday 17:00 →
  Monday 10:00, or later if Monday is a holiday.)
- A trusted-list entry becomes active at the opening of the N-th working day after it was
  approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tanshi.rulebook.model import RegistryRule


@dataclass(frozen=True, slots=True)
class Calendar:
    """When the registry is open."""

    zone: ZoneInfo
    opening: time
    closing: time
    business_days: frozenset[int]  # ISO weekdays, Monday = 1
    holidays: frozenset[date]

    @classmethod
    def of(cls, rule: RegistryRule, timezone: str) -> Calendar:
        return cls(
            ZoneInfo(timezone),
            rule.opening(),
            rule.closing(),
            frozenset(rule.business_days),
            frozenset(rule.holidays),
        )

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.business_days and day not in self.holidays

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return self.is_working_day(local.date()) and self.opening <= local.time() < self.closing

    def next_opening(self, moment: datetime) -> datetime:
        """The first opening at or after ``moment`` (``moment`` itself if open)."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        day = local.date()
        if local.time() >= self.opening:
            day += timedelta(days=1)
        for _ in range(3660):  # a bound: ten years of closed days would be a broken calendar
            if self.is_working_day(day):
                return datetime.combine(day, self.opening, self.zone)
            day += timedelta(days=1)
        raise AssertionError("the registry calendar has no working day in ten years")

    def working_days_after(self, moment: datetime, count: int) -> datetime:
        """The opening of the ``count``-th working day after the day of ``moment``."""
        day = moment.astimezone(self.zone).date()
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        if count == 0:
            return moment
        return datetime.combine(day, self.opening, self.zone)


def release_time(calendar: Calendar, approved_at: datetime, delay_hours: int) -> datetime:
    """When a delayed transfer approved at ``approved_at`` may execute."""
    if delay_hours == 0:
        return approved_at
    return calendar.next_opening(approved_at + timedelta(hours=delay_hours))
