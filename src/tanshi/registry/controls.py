"""Security controls in time: business hours, holidays, transfer delays, trusted-list waits.

All moments are timezone-aware; the calendar works in the jurisdiction's time zone.

- A proposal or approval is accepted only while the registry is open (business hours on a
  business day that is not a holiday); otherwise ``outside_business_hours``.
- A delayed transfer is released either ``delay`` hours after its approval, at the next
  opening if that moment falls outside business hours (the EU rule until 2020: Friday
  15:00 + 26 h = Saturday 17:00 → Monday 10:00, or later if Monday is a holiday), or at a
  time of day T on a later working day: the next one if approved on a working day before T,
  else the second (the EU rule since 2021, T = 12:00 CET, Reg. 2019/1122 Art. 35(3)).
- Where the rulebook queues what comes while the registry is closed (EU Reg. 2019/1122
  Art. 35(2)), a proposal cleared while closed starts at the next opening: it executes then,
  or its delay runs from then (``execution_time``).
- A trusted-list entry becomes active on the N-th working day after it was approved, at the
  opening or at the rulebook's time of day (EU since 2021: 12:00 of the 4th working day).
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

    def working_days_after(self, moment: datetime, count: int, at: time | None = None) -> datetime:
        """The opening (or ``at``) of the ``count``-th working day after the day of ``moment``."""
        day = moment.astimezone(self.zone).date()
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        if count == 0:
            return moment
        return datetime.combine(day, at or self.opening, self.zone)


def release_time(calendar: Calendar, approved_at: datetime, delay_hours: int) -> datetime:
    """When a delayed transfer approved at ``approved_at`` may execute."""
    if delay_hours == 0:
        return approved_at
    return calendar.next_opening(approved_at + timedelta(hours=delay_hours))


def release_at_time_of_day(calendar: Calendar, approved_at: datetime, at: time) -> datetime:
    """When a delayed transfer approved at ``approved_at`` may execute, under a cut-off rule:
    ``at`` on the next working day if approved on a working day before ``at``, else ``at`` on
    the second working day (a weekend or holiday counts as after the cut-off)."""
    local = approved_at.astimezone(calendar.zone)
    early = calendar.is_working_day(local.date()) and local.time() < at
    return calendar.working_days_after(approved_at, 1 if early else 2, at)


def execution_time(
    calendar: Calendar, cleared_at: datetime, *, delayed: bool, delay_hours: int | None,
    release_clock: time | None,
) -> datetime:  # fmt: skip
    """When a proposal cleared (approved, or needing no approval) at ``cleared_at`` may run.

    It starts at ``cleared_at``, or at the next opening if the registry is closed then; a
    transfer to an untrusted account (``delayed``) waits its delay from that start, by the
    time-of-day rule when ``release_clock`` is given, else ``delay_hours``.
    """
    start = calendar.next_opening(cleared_at)
    if not delayed:
        return start
    if release_clock is not None:
        return release_at_time_of_day(calendar, start, release_clock)
    return release_time(calendar, start, delay_hours or 0)
