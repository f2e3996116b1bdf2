"""The service's clock: real time, or a chosen moment that runs on (or stays) from start-up.

Business rules (deadlines, business hours, exchange sessions) run on the service's clock.
One-time codes are checked at the real time whatever the clock, because the user's
authenticator app computes them from its own real clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine

from tanshi.core.errors import TanshiError
from tanshi.services.demo_clock import demo_moment

REAL = ("", "real")
DEMO = "demo"


class _HasClock(Protocol):
    @property
    def clock(self) -> object: ...

    def now(self) -> datetime: ...


def real_time() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ShiftedClock:
    """Starts at ``start`` when made and runs on in real time (or stays there: ``runs``)."""

    start: datetime
    runs: bool = True
    origin: datetime = field(default_factory=real_time)

    def __call__(self) -> datetime:
        return self.start + (real_time() - self.origin) if self.runs else self.start

    def label(self) -> str:
        """The clock's time as shown in the page header, in the start's time zone."""
        shown = self().astimezone(self.start.tzinfo)
        offset = shown.utcoffset() or timedelta(0)
        hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
        return f"{shown:%Y-%m-%d %H:%M} UTC{hours:+03d}:{rest:02d}"


def totp_moment(svc: _HasClock) -> datetime:
    """When one-time codes are checked: the real time under a shifted clock, else the
    service's clock (tests inject one clock for both)."""
    return real_time() if isinstance(svc.clock, ShiftedClock) else svc.now()


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment with its UTC offset (``2017-06-12T10:00+08:00``)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TanshiError(
            f"clock {text!r} is not an ISO 8601 moment: write the date, the time and the UTC "
            "offset, e.g. 2017-06-12T10:00+08:00, or 'demo', or leave it empty for real time"
        ) from None
    if moment.tzinfo is None:
        raise TanshiError(f"clock {text!r} needs its UTC offset, e.g. 2017-06-12T10:00+08:00")
    return moment


def service_clock(setting: str, runs: bool, engine: Engine) -> ShiftedClock | None:
    """The clock a ``TANSHI_CLOCK`` setting names: None for real time; ``demo`` for the demo
    database's own moment (services/demo_clock.py); else the moment given."""
    text = setting.strip()
    if text.lower() in REAL:
        return None
    if text.lower() == DEMO:
        moment = demo_moment(engine)
        if moment is None:
            raise TanshiError(
                "the demo clock needs a demo database whose exchange traded: run `tanshi demo` "
                "first, or give the clock a moment such as 2017-06-12T10:00+08:00"
            )
        return ShiftedClock(moment, runs)
    return ShiftedClock(parse_moment(text), runs)
