"""The demo's own moment: when a served demo database lets every role do its main task.

The demo runs a compliance year that is in the past, so on the real clock its deadlines
have passed and its exchange is closed. Its moment is 10:00 on the first trading day after
its exchange stopped: the exchange is in continuous trading, the registry in business
hours, the year's surrender deadline still ahead, the next year's reports open to filing
and verification. The day counts as open until its orders expire at the close, so a
restarted service resumes on the same day, just after the last order people entered.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from tanshi.core.moments import from_store
from tanshi.market.venues import is_trading_day
from tanshi.services import trading
from tanshi.services.exchange_log import last_closed_day, last_command_after
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.services.views import jurisdiction_list
from tanshi.store.engine import reader
from tanshi.store.schema import transactions

OPENING_HOUR = time(10)  # an hour into continuous trading; inside registry business hours
RESUME_AFTER = timedelta(seconds=1)


def last_booked(engine: Engine) -> datetime | None:
    """When the registry's latest entry was booked, if any."""
    with reader(engine).connect() as connection:
        at = connection.execute(select(func.max(transactions.c.booked_at))).scalar_one()
    return None if at is None else from_store(at)


def demo_moment(engine: Engine) -> datetime | None:
    """The demo's moment in the exchange's time zone; None without a demo that traded."""
    for listed in jurisdiction_list(engine):
        if not listed.get("is_demo"):
            continue
        venue = trading.venue_of(load_jurisdiction(engine, listed["code"]))
        closed = last_closed_day(engine, venue.venue.code) if venue else None
        if venue is None or closed is None:
            continue
        day = closed + timedelta(days=1)
        while not is_trading_day(venue, day):
            day += timedelta(days=1)
        zone = ZoneInfo(venue.venue.timezone)
        moment = datetime.combine(day, OPENING_HOUR, zone)
        since = last_command_after(engine, venue.venue.code, closed)
        if since is not None:
            moment = max(moment, since.astimezone(zone) + RESUME_AFTER)
        booked = last_booked(engine)  # a registry write made after the start (web, CLI)
        return moment if booked is None else max(moment, booked.astimezone(zone) + RESUME_AFTER)
    return None
