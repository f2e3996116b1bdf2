"""Delays across weekends and holidays, business hours and trusted-list waits."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tanshi.registry.controls import Calendar, release_time

CET = ZoneInfo("Europe/Brussels")
CALENDAR = Calendar(
    CET, time(10), time(16), frozenset({1, 2, 3, 4, 5}), frozenset({date(2024, 4, 1)})
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CET)


@pytest.mark.parametrize(
    ("approved", "released"),
    [
        ("2024-03-05T11:00", "2024-03-06T13:00"),  # Tuesday 11:00 + 26 h: Wednesday 13:00
        ("2024-03-05T15:30", "2024-03-07T10:00"),  # + 26 h = Wednesday 17:30: after closing
        ("2024-03-08T15:00", "2024-03-11T10:00"),  # Friday + 26 h = Saturday: Monday opening
        ("2024-03-28T14:00", "2024-04-02T10:00"),  # Thursday; Easter Monday 1 April is a holiday
    ],
)
def test_release_time(approved: str, released: str) -> None:
    assert release_time(CALENDAR, at(approved), 26) == at(released)


def test_no_delay_releases_at_once() -> None:
    assert release_time(CALENDAR, at("2024-03-08T15:00"), 0) == at("2024-03-08T15:00")


def test_business_hours() -> None:
    assert CALENDAR.is_open(at("2024-03-05T10:00"))
    assert not CALENDAR.is_open(at("2024-03-05T16:00"))
    assert not CALENDAR.is_open(at("2024-03-09T11:00"))  # Saturday
    assert not CALENDAR.is_open(at("2024-04-01T11:00"))  # holiday
    assert CALENDAR.next_opening(at("2024-03-05T09:00")) == at("2024-03-05T10:00")


def test_trusted_list_waits_working_days() -> None:
    """Approved Thursday 28 March: Fri 29, (weekend), (holiday 1 Apr), Tue 2, Wed 3, Thu 4."""
    assert CALENDAR.working_days_after(at("2024-03-28T12:00"), 4) == at("2024-04-04T10:00")
