"""Trading venues as data: products, trading methods with price rules, sessions, calendar.

A venue file (TOML, ``src/tanshi/data/venues``) is parsed from text with every problem
located by line, like a rulebook; ``book_rules`` turns a venue's continuous method into
the integer rules of the matching engine and ``schedule`` gives a day's phase changes.
"""

from __future__ import annotations

import enum
import tomllib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tanshi.core.issues import Issue, Severity
from tanshi.market.book import BookRules
from tanshi.market.orders import Phase
from tanshi.rulebook.model import Code, Ruled, Sourced, Text, Year
from tanshi.rulebook.parse import LineIndex, locate

PositiveInt = Annotated[int, Field(gt=0)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class MethodKind(enum.StrEnum):
    """How a trade is made (2024 Regulation Art. 15: agreement transfer, one-way bidding)."""

    LISTED = "listed"  # 挂牌协议: anonymous orders matched on the book
    BLOCK = "block"  # 大宗协议: negotiated bilaterally, confirmed by the exchange
    ONE_WAY_BIDDING = "one_way_bidding"  # 单向竞价: one seller (or buyer), many bidders
    OTC = "otc"  # agreed off the venue and reported for settlement


class ClosingRuleKind(enum.StrEnum):
    """How the day's closing price is made."""

    VWAP_OF_DAY = "vwap_of_day"  # volume-weighted average of the day's listed trades
    VWAP_LAST_MINUTES = "vwap_last_minutes"  # ... of the last ``minutes`` before the close
    CLOSING_CALL = "closing_call"  # the closing call auction's price


class OrderValidity(enum.StrEnum):
    """How long a resting order lives."""

    DAY = "day"  # cancelled at the day's close
    UNTIL_CANCELLED = "until_cancelled"


class VenueHeader(Sourced):
    """Who runs the venue and in which time zone its sessions are."""

    code: Code
    name: Text
    timezone: Text
    currency: Code
    order_validity: OrderValidity = OrderValidity.DAY

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone '{value}'; use an IANA name") from error
        return value


class Product(Sourced):
    """A listed product: one unit class (unit type and vintage)."""

    code: Code  # the registry unit class, e.g. CEA-2024
    unit_type: Code
    vintage: Year
    reference_cny_per_t: Decimal | None = None  # the first day's reference (listing) price


class TradingMethod(Ruled):
    """The rules of one trading method: size range, ticks and the price band."""

    kind: MethodKind
    tick_cny: Decimal = Decimal("0.01")
    lot_t: PositiveInt = 1
    min_quantity_t: PositiveInt | None = None
    max_quantity_t: PositiveInt | None = None
    band_pct: Annotated[Decimal, Field(gt=0, lt=100)] | None = None


class Session(Sourced):
    """A period of a trading day in which a phase runs for some methods."""

    name: Code
    phase: Phase
    start: time
    end: time
    methods: list[MethodKind]


class Calendar(Sourced):
    """Trading days: the listed weekdays (1 = Monday) except holidays."""

    weekdays: list[Annotated[int, Field(ge=1, le=7)]]
    holidays: tuple[date, ...] = ()


class ClosingRule(Ruled):
    """The closing-price rule; with no listed trade the close stays the reference price."""

    rule: ClosingRuleKind
    minutes: PositiveInt | None = None


class Venue(_Record):
    """One exchange's rules."""

    venue: VenueHeader
    products: list[Product]
    methods: list[TradingMethod]
    sessions: list[Session]
    calendar: Calendar
    closing: ClosingRule

    def method(self, kind: MethodKind) -> TradingMethod | None:
        return next((m for m in self.methods if m.kind is kind), None)

    def product(self, code: str) -> Product | None:
        return next((p for p in self.products if p.code == code), None)


def check_venue(venue: Venue) -> list[Issue]:
    """Every inconsistency between a venue's tables, located by path."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for i, product in enumerate(venue.products):
        if product.code in seen:
            issues.append(
                Issue(
                    "duplicate_product",
                    f"product {product.code} is listed twice",
                    f"products[{i}].code",
                )
            )
        seen.add(product.code)
    kinds = [m.kind for m in venue.methods]
    for i, method in enumerate(venue.methods):
        where = f"methods[{i}]"
        if kinds.count(method.kind) > 1:
            issues.append(
                Issue("duplicate_method", f"method {method.kind} is defined twice", where)
            )
        exponent = method.tick_cny.as_tuple().exponent  # a letter only for NaN or infinity
        if method.tick_cny <= 0 or not isinstance(exponent, int) or exponent < -2:
            issues.append(
                Issue(
                    "tick_not_whole_fen",
                    "the price tick must be a positive whole fen, e.g. 0.01",
                    f"{where}.tick_cny",
                )
            )
        if method.kind is MethodKind.LISTED and method.band_pct is None:
            issues.append(
                Issue("listed_needs_band", "listed trading needs a price band (band_pct)", where)
            )
        low, high = method.min_quantity_t, method.max_quantity_t
        if low is not None and high is not None and low > high:
            issues.append(
                Issue(
                    "quantity_range_empty",
                    f"min_quantity_t {low} is above max_quantity_t {high}",
                    f"{where}.min_quantity_t",
                )
            )
    listed, block = venue.method(MethodKind.LISTED), venue.method(MethodKind.BLOCK)
    if (
        listed
        and block
        and listed.max_quantity_t
        and block.min_quantity_t
        and listed.max_quantity_t + 1 != block.min_quantity_t
    ):
        issues.append(
            Issue(
                "listed_and_block_sizes_do_not_meet",
                f"listed orders go up to {listed.max_quantity_t} t but block trades start at "
                f"{block.min_quantity_t} t: the block minimum should be the listed maximum + 1",
                f"methods[{kinds.index(MethodKind.BLOCK)}].min_quantity_t",
            )
        )
    issues.extend(_check_sessions(venue, set(kinds)))
    for i, day in enumerate(venue.calendar.holidays):
        if day.isoweekday() not in venue.calendar.weekdays:
            issues.append(
                Issue(
                    "holiday_not_a_weekday",
                    f"{day} is not a trading weekday anyway",
                    f"calendar.holidays[{i}]",
                    Severity.WARNING,
                )
            )
    closing = venue.closing
    if closing.rule is ClosingRuleKind.VWAP_LAST_MINUTES and closing.minutes is None:
        issues.append(
            Issue("closing_minutes_missing", "vwap_last_minutes needs minutes = N", "closing.rule")
        )
    if closing.rule is ClosingRuleKind.CLOSING_CALL and not any(
        s.phase is Phase.CLOSING_CALL for s in venue.sessions
    ):
        issues.append(
            Issue(
                "no_closing_call_session",
                "closing_call needs a session with phase closing_call",
                "closing.rule",
            )
        )
    return issues


def _check_sessions(venue: Venue, kinds: set[MethodKind]) -> list[Issue]:
    issues = []
    previous_end: dict[MethodKind, tuple[time, int]] = {}
    for i, session in enumerate(venue.sessions):
        where = f"sessions[{i}]"
        if session.start >= session.end:
            issues.append(
                Issue(
                    "session_ends_before_start",
                    f"session {session.name} must end after it starts",
                    f"{where}.end",
                )
            )
        for method in session.methods:
            if method not in kinds:
                issues.append(
                    Issue(
                        "session_method_undefined",
                        f"method {method} has no [[methods]] table",
                        f"{where}.methods",
                    )
                )
            last = previous_end.get(method)
            if last is not None and session.start < last[0]:
                issues.append(
                    Issue(
                        "sessions_overlap",
                        f"session {session.name} starts before sessions[{last[1]}] ends; list sessions "
                        "in time order without overlaps",
                        f"{where}.start",
                    )
                )
            previous_end[method] = (session.end, i)
    return issues


def parse_venue(text: str, origin: str = "<venue>") -> tuple[Venue | None, list[Issue]]:
    """Parse and check a venue file; returns it (or None) with every problem located."""
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        return None, [Issue("venue_not_toml", f"the file is not valid TOML: {error}", origin)]
    index = LineIndex(text)
    try:
        venue = Venue.model_validate(raw)
    except ValidationError as error:
        return None, [
            Issue(f"venue_{problem['type']}", problem["msg"], locate(origin, index, problem["loc"]))
            for problem in error.errors()
        ]
    issues = [
        Issue(issue.code, issue.message, locate(origin, index, _split(issue.where)), issue.severity)
        for issue in check_venue(venue)
    ]
    return venue, issues


def _split(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for token in path.replace("]", "").replace("[", ".").split("."):
        if token:
            parts.append(int(token) if token.isdigit() else token)
    return parts


def book_rules(venue: Venue, product: str) -> BookRules:
    """The matching engine's integer rules for ``product`` under the listed method."""
    listed = venue.method(MethodKind.LISTED)
    assert listed is not None, "book_rules needs a venue with a listed method (check_venue)"
    band_bp = None if listed.band_pct is None else int(listed.band_pct * 100)
    return BookRules(
        product, int(listed.tick_cny * 100), listed.lot_t, listed.max_quantity_t, band_bp
    )


def book_key(venue: Venue, product: str) -> str:
    """The id of a product's book in a deployment of several venues, e.g. ``CEEX:CEA-2024``."""
    return f"{venue.venue.code}:{product}"


def venue_books(venue: Venue) -> tuple[list[BookRules], dict[str, int | None]]:
    """The rules of every product's book (keyed ``VENUE:PRODUCT``) and its first reference."""
    rules, references = [], {}
    for product in venue.products:
        single = book_rules(venue, product.code)
        key = book_key(venue, product.code)
        rules.append(
            BookRules(key, single.tick_fen, single.lot_t, single.max_quantity_t, single.band_bp)
        )
        price = product.reference_cny_per_t
        references[key] = None if price is None else int(price * 100)
    return rules, references


def is_trading_day(venue: Venue, day: date) -> bool:
    """True when the venue trades on ``day``."""
    return day.isoweekday() in venue.calendar.weekdays and day not in venue.calendar.holidays


def schedule(
    venue: Venue, day: date, method: MethodKind = MethodKind.LISTED
) -> list[tuple[datetime, Phase]]:
    """The phase changes of ``method`` on ``day`` (aware datetimes), ending with CLOSED."""
    if not is_trading_day(venue, day):
        return []
    zone = ZoneInfo(venue.venue.timezone)
    changes: list[tuple[datetime, Phase]] = []
    for session in venue.sessions:
        if method not in session.methods:
            continue
        start = datetime.combine(day, session.start, zone)
        if changes and changes[-1][0] == start:
            changes.pop()  # back-to-back sessions: no closed gap between them
        changes.append((start, session.phase))
        changes.append((datetime.combine(day, session.end, zone), Phase.CLOSED))
    return changes


def phase_at(venue: Venue, moment: datetime, method: MethodKind = MethodKind.LISTED) -> Phase:
    """The phase of ``method`` at ``moment``."""
    local = moment.astimezone(ZoneInfo(venue.venue.timezone))
    phase = Phase.CLOSED
    for at, next_phase in schedule(venue, local.date(), method):
        if at <= local:
            phase = next_phase
    return phase


def next_trading_day(venue: Venue, day: date) -> date:
    """The first trading day after ``day`` (the calendar must have at least one weekday)."""
    day += timedelta(days=1)
    while not is_trading_day(venue, day):
        day += timedelta(days=1)
    return day
