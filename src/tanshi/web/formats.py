"""How pages write numbers and moments: thousands separators, fixed decimals, local time.

Templates write ``{{ x|number }}`` (a count or a quantity as it is), ``{{ x|cny }}`` (yuan,
2 decimals), ``{{ x|tco2 }}`` (tonnes of CO2, 3 decimals: storage keeps kilograms),
``{{ fen|yuan }}`` (integer fen as yuan) and ``{{ moment|local(zone) }}`` (a stored UTC
moment on the clock of the jurisdiction or venue, whose offset the column heading names).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from tanshi.api.context import Service
from tanshi.api.errors import ApiError
from tanshi.web.session import Visitor

EMPTY = "—"


def number(value: object, places: int | None = None) -> str:
    """``value`` with thousands separators; with ``places``, rounded half up to that many
    decimals (1968948.410 → 1,968,948.41 at 2). None and "" read as a dash."""
    if value is None or value == "":
        return EMPTY
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places is not None:
        exact = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{exact:,f}"


def cny(value: object) -> str:
    """Yuan with thousands separators and two decimals."""
    return number(value, 2)


def tco2(value: object) -> str:
    """Tonnes of CO2 with thousands separators and three decimals (whole kilograms)."""
    return number(value, 3)


def yuan(fen: int | None) -> str:
    """Fen as CNY with thousands separators and two decimals (negative for the bank)."""
    if fen is None:
        return EMPTY
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def _moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # stored moments are UTC


def local(value: object, zone: str = "UTC", seconds: bool = False) -> str:
    """A moment (ISO text or datetime; without an offset it is UTC, as stored) on ``zone``'s
    clock: ``2016-06-30 10:00`` (with ``:SS`` when ``seconds``); text that is no moment is
    shown as it is."""
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    shown = moment.astimezone(ZoneInfo(zone))
    return f"{shown:%Y-%m-%d %H:%M:%S}" if seconds else f"{shown:%Y-%m-%d %H:%M}"


def offset(zone: str, at: datetime | None = None) -> str:
    """``zone``'s offset as the page header writes it: ``UTC+08:00``; a zone with summer
    time (Europe/Brussels) by its name, since its offset depends on the moment shown."""
    if at is None and _has_summer_time(zone):
        return zone
    delta = (at or datetime.now(UTC)).astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(delta.total_seconds()) // 60 if delta else 0
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"


def _has_summer_time(zone: str) -> bool:
    year = datetime.now(UTC).year
    january, july = (datetime(year, month, 1, tzinfo=UTC) for month in (1, 7))
    place = ZoneInfo(zone)
    return january.astimezone(place).utcoffset() != july.astimezone(place).utcoffset()


def display_zone(svc: Service, who: Visitor) -> str:
    """The time zone a page shows moments in: the visitor's jurisdiction's, else the only
    jurisdiction's of the database, else UTC."""
    code = who.principal.jurisdiction if who.principal else None
    try:
        return svc.jurisdiction(code).rulebook.rulebook.timezone
    except ApiError:
        return "UTC"


FILTERS = {"number": number, "cny": cny, "tco2": tco2, "yuan": yuan, "local": local,
           "offset": offset}  # fmt: skip
