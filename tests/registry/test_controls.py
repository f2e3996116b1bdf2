"""Delays across weekends and holidays, business hours and trusted-list waits."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tanshi.registry.controls import Calendar, release_at_time_of_day, release_time

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


@pytest.mark.parametrize(
    ("approved", "released"),
    [
        ("2024-03-05T11:00", "2024-03-06T12:00"),  # Tuesday before noon: Wednesday 12:00
        ("2024-03-05T12:00", "2024-03-07T12:00"),  # at noon is after the cut-off: Thursday
        ("2024-03-08T09:00", "2024-03-11T12:00"),  # Friday morning: Monday 12:00
        ("2024-03-08T15:00", "2024-03-12T12:00"),  # Friday afternoon: Tuesday 12:00
        ("2024-03-09T11:00", "2024-03-12T12:00"),  # Saturday counts as after the cut-off
        ("2024-03-28T10:30", "2024-03-29T12:00"),  # Thursday morning: Good Friday is open here
        ("2024-03-29T10:30", "2024-04-02T12:00"),  # Friday; Easter Monday 1 April is a holiday
    ],
)
def test_release_at_noon_of_a_later_working_day(approved: str, released: str) -> None:
    """The EU rule since 2021 (Reg. 2019/1122 Art. 35(3)): 12:00 of the next working day if
    approved before 12:00, else of the second."""
    assert release_at_time_of_day(CALENDAR, at(approved), time(12)) == at(released)


def test_trusted_list_activation_at_a_time_of_day() -> None:
    assert CALENDAR.working_days_after(at("2024-03-28T12:00"), 4, time(12)) == at(
        "2024-04-04T12:00"
    )
