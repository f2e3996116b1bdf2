"""How pages write numbers and moments: thousands separators, fixed decimals, local time.

Templates write ``{{ x|number }}`` (a count or a quantity as it is), ``{{ x|cny }}`` (yuan,
2 decimals), ``{{ x|tco2 }}`` (tonnes of CO2, 3 decimals: storage keeps kilograms),
``{{ fen|yuan }}`` (integer fen as yuan) and ``{{ moment|local(zone) }}`` (a stored UTC
moment on the clock of the jurisdiction or venue, whose offset the column heading names;
``local`` is ``core.moments``'s, shared with the command line; ``offset`` reads today's
clock for a heading without a moment); ``{{ code|currency }}`` names a currency as the page's
language writes it (``CNY`` in English, 元 in Chinese; ``currency("t")`` per tonne: CNY/t, 元/吨).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from jinja2 import pass_context
from jinja2.runtime import Context

from tanshi.api.context import Service
from tanshi.api.errors import ApiError
from tanshi.core.moments import has_summer_time, local, offset_at
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


# A currency's name in a language other than English (which writes the ISO code), and the
# tonne as a unit after "/".
CURRENCY_NAMES = {"zh": {"CNY": "元"}}
TONNE = {"zh": "吨", "en": "t"}


def currency_in(locale: str, code: object, per: str = "") -> str:
    """``code`` (an ISO currency) as ``locale`` writes it; ``per="t"``: per tonne."""
    name = CURRENCY_NAMES.get(locale, {}).get(str(code), str(code))
    if not per:
        return name
    return f"{name}/{TONNE.get(locale, per) if per == 't' else per}"


@pass_context
def currency(context: Context, code: object, per: str = "") -> str:
    """The ``currency`` filter of templates: ``code`` in the page's language."""
    return currency_in(str(context.get("locale", "en")), code, per)


def display_zone(svc: Service, who: Visitor) -> str:
    """The time zone a page shows moments in: the visitor's jurisdiction's, else the only
    jurisdiction's of the database, else UTC."""
    code = who.principal.jurisdiction if who.principal else None
    try:
        return svc.jurisdiction(code).rulebook.rulebook.timezone
    except ApiError:
        return "UTC"


def offset(zone: str, at: datetime | None = None) -> str:
    """``zone``'s offset as a page heading writes it: ``UTC+08:00``; a zone with summer time
    (Europe/Brussels) by its name, since its offset depends on the moment shown."""
    now = datetime.now(UTC)
    if at is None and has_summer_time(zone, now.year):
        return zone
    return offset_at(zone, at or now)


FILTERS = {"number": number, "cny": cny, "tco2": tco2, "yuan": yuan, "local": local,
           "offset": offset, "currency": currency}  # fmt: skip
