"""Moments for people, shared by the web and the command line: the zone's clock, named."""

from __future__ import annotations

from datetime import UTC, datetime

from tanshi.core.moments import local, zoned
from tanshi.web import formats


def test_a_moment_is_written_on_the_zones_clock_with_the_zone_named() -> None:
    assert zoned("2017-03-01T03:00:00+00:00", "Asia/Shanghai") == (
        "2017-03-01 11:00 Asia/Shanghai (UTC+08:00)")  # fmt: skip
    assert zoned(datetime(2017, 3, 1, 3, 0), "Asia/Shanghai").startswith("2017-03-01 11:00")
    # A zone with summer time: the offset it had at that moment.
    assert zoned(datetime(2020, 7, 1, 8, 0, tzinfo=UTC), "Europe/Brussels") == (
        "2020-07-01 10:00 Europe/Brussels (UTC+02:00)")  # fmt: skip
    assert zoned(datetime(2020, 1, 1, 8, 0, tzinfo=UTC), "Europe/Brussels").endswith("(UTC+01:00)")
    assert zoned("2017-03-01T03:00:00Z", "UTC") == "2017-03-01 03:00 UTC"
    assert zoned(None, "Asia/Shanghai") == "—"


def test_the_web_writes_moments_with_the_same_functions() -> None:
    assert formats.local is local and formats.FILTERS["local"] is local
