"""The login throttle: attempts per client address in a sliding minute, kept in the database.

Every server process (``TANSHI_WORKERS``) counts in the same table, so an address gets the
limit once, not once per process. One row per allowed attempt; each attempt first deletes
the rows that fell out of the minute (of every address), so the table holds at most a
minute of attempts. A refused attempt is not written: as before, an address may try again
once its oldest counted attempt is a minute old.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, or_, select

from tanshi.core.moments import to_utc
from tanshi.store.schema import login_attempts

WINDOW = timedelta(minutes=1)
# pg_advisory_xact_lock(THROTTLE_LOCK, crc32 of the address): one address's count and insert
# at a time, so two processes cannot both take the last attempt (SQLite's BEGIN IMMEDIATE
# already serialises writers). Another namespace than the proposals' lock (7 401).
THROTTLE_LOCK = 7_402
# A row this far ahead of ``now`` was written by a clock that was ahead (a machine whose
# time was wrong, or a caller's test clock): it is deleted rather than counted.
_AHEAD = timedelta(minutes=1)


def allow_attempt(engine: Engine, address: str, now: datetime, per_minute: int) -> bool:
    """Count a login attempt from ``address`` at ``now``; False (and not counted) when
    ``address`` already made ``per_minute`` attempts in the minute up to ``now``."""
    address, now = address[:64], to_utc(now)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            key = zlib.crc32(address.encode()) - 2**31  # fits PostgreSQL's int4
            connection.execute(select(func.pg_advisory_xact_lock(THROTTLE_LOCK, key)))
        at = login_attempts.c.attempted_at
        connection.execute(login_attempts.delete().where(or_(at < now - WINDOW, at > now + _AHEAD)))
        seen = connection.execute(
            select(func.count())
            .select_from(login_attempts)
            .where(login_attempts.c.address == address)
        ).scalar_one()
        if seen >= per_minute:
            return False
        connection.execute(login_attempts.insert().values(address=address, attempted_at=now))
    return True
