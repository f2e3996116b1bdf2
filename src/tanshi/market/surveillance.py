"""Surveillance basics as pure checks: position limits, large holders, wash trades and
orders at the daily price limit. Each check returns flag records (a kind and the values its
message is written with); nothing is refused."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Literal, get_args

from pydantic import ValidationError

from tanshi.core.issues import Issue
from tanshi.market.book import price_limits
from tanshi.rulebook.records import Record, Sourced


class Threshold(Sourced):
    value: Decimal


class LimitThreshold(Threshold):
    applies_to: str  # the registry account kind the limit applies to


class SurveillanceRules(Record):
    """The thresholds of the checks, each with its source."""

    position_limit_t: LimitThreshold
    large_holder_share: Threshold
    wash_window_minutes: Threshold
    wash_price_tolerance_bp: Threshold


def parse_surveillance_rules(
    text: str, origin: str
) -> tuple[SurveillanceRules | None, list[Issue]]:
    """The thresholds of a surveillance file, or every problem with it."""
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        return None, [Issue("surveillance_not_toml", f"not valid TOML: {error}", origin)]
    try:
        return SurveillanceRules.model_validate(raw), []
    except ValidationError as error:
        return None, [
            Issue(f"surveillance_{p['type']}", p["msg"],
                  f"{origin}:{'.'.join(map(str, p['loc']))}")
            for p in error.errors()
        ]  # fmt: skip


FlagKind = Literal["position_limit_exceeded", "large_holder", "wash_trade_suspected",
                   "order_at_price_limit"]  # fmt: skip
FLAG_KINDS: tuple[FlagKind, ...] = get_args(FlagKind)


# The English text of each kind's alert, written with the flag's params; the web shows it in
# the visitor's language (the templates are msgids there, the words of ``WORDS`` too).
MESSAGES = {
    "position_limit_exceeded":
        "holds {quantity_t:,} t of {unit_class}, above the limit of {limit_t:,} t",
    "large_holder": "holds {quantity_t:,} t, {percent}% of the {total_t:,} t of {unit_class} in "
        "accounts (report from {threshold_percent}%)",
    "wash_trade_suspected": "{party_a} and {party_b} traded {quantity_t:,} t back and forth "
        "({first_trade}, {second_trade})",
    "order_at_price_limit":
        "{side} order {order_id} of {quantity_t:,} t at the {limit} limit {price}",
}  # fmt: skip
WORDS = {"side": ("buy", "sell"), "limit": ("upper", "lower")}  # params that are words


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the surveillance desk should look at (not a refusal): its kind, which is
    the code of its message, and the values the message is written with."""

    kind: str  # one of FLAG_KINDS
    account: str
    day: date
    params: tuple[tuple[str, int | str], ...]

    @property
    def values(self) -> dict[str, int | str]:
        return dict(self.params)

    @property
    def message(self) -> str:
        """The alert in English."""
        return MESSAGES[self.kind].format(**self.values)


@dataclass(frozen=True, slots=True)
class Holding:
    account: str
    account_kind: str
    unit_class: str
    quantity_t: int


@dataclass(frozen=True, slots=True)
class TradeSeen:
    """A trade as the surveillance desk sees it."""

    trade_id: str
    at: datetime
    buyer: str
    seller: str
    quantity_t: int
    price_fen: int


@dataclass(frozen=True, slots=True)
class OrderSeen:
    """An order as entered, with the day's reference price of its book."""

    order_id: int
    at: datetime
    owner: str
    side: int  # 0 buy, 1 sell
    quantity_t: int
    price_fen: int | None
    reference_fen: int | None


def _percent(share: Decimal) -> str:
    """A share as a percentage without trailing zeros: 0.05 → 5, 0.125 → 12.5."""
    text = f"{share * 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def position_flags(holdings: Iterable[Holding], rules: SurveillanceRules, day: date) -> list[Flag]:
    """Accounts of the limited kind holding more of a class than the position limit."""
    limit = int(rules.position_limit_t.value)
    kind = rules.position_limit_t.applies_to
    return [
        Flag("position_limit_exceeded", h.account, day,
             (("quantity_t", h.quantity_t), ("unit_class", h.unit_class), ("limit_t", limit)))
        for h in sorted(holdings, key=lambda h: (h.unit_class, h.account))
        if h.account_kind == kind and h.quantity_t > limit
    ]  # fmt: skip


def large_holder_flags(
    holdings: Iterable[Holding], rules: SurveillanceRules, day: date,
    excluded_kinds: frozenset[str],
) -> list[Flag]:  # fmt: skip
    """Accounts holding at least the large-holder share of a class's units in accounts
    (accounts of ``excluded_kinds`` — government, clearing — neither count nor report)."""
    rows = [h for h in holdings if h.account_kind not in excluded_kinds and h.quantity_t > 0]
    totals: dict[str, int] = {}
    for h in rows:
        totals[h.unit_class] = totals.get(h.unit_class, 0) + h.quantity_t
    share = rules.large_holder_share.value
    flags = []
    for h in sorted(rows, key=lambda h: (h.unit_class, -h.quantity_t, h.account)):
        total = totals[h.unit_class]
        if Decimal(h.quantity_t) >= share * total:
            percent = (Decimal(100 * h.quantity_t) / total).quantize(Decimal("0.1"))
            flags.append(Flag("large_holder", h.account, day, (
                ("quantity_t", h.quantity_t), ("percent", str(percent)), ("total_t", total),
                ("unit_class", h.unit_class), ("threshold_percent", _percent(share)))))  # fmt: skip
    return flags


def wash_trade_flags(
    trades: Iterable[TradeSeen], rules: SurveillanceRules, zone: tzinfo = UTC
) -> list[Flag]:
    """Round trips: A sells to B and B sells the same quantity back to A within the window,
    at prices within the tolerance (the position of neither changes: a possible wash). A
    flag's day is its first trade's date in ``zone`` (the venue's)."""
    window = timedelta(minutes=int(rules.wash_window_minutes.value))
    tolerance = int(rules.wash_price_tolerance_bp.value)
    ordered = sorted(trades, key=lambda t: (t.at, t.trade_id))
    flags = []
    for i, first in enumerate(ordered):
        for later in ordered[i + 1 :]:
            if later.at - first.at > window:
                break
            if (
                (later.buyer, later.seller) == (first.seller, first.buyer)
                and later.quantity_t == first.quantity_t
                and abs(later.price_fen - first.price_fen) * 10_000 <= tolerance * first.price_fen
            ):
                one, other = sorted((first.buyer, first.seller))
                day = first.at.astimezone(zone).date()
                flags.append(Flag("wash_trade_suspected", first.seller, day, (
                    ("party_a", one), ("party_b", other), ("quantity_t", first.quantity_t),
                    ("first_trade", first.trade_id), ("second_trade", later.trade_id))))  # fmt: skip
    return flags


def price_limit_flags(
    orders: Iterable[OrderSeen], band_bp: int, tick_fen: int, zone_day: Mapping[int, date]
) -> list[Flag]:
    """Limit orders priced exactly at the day's upper or lower price limit."""
    flags = []
    for order in orders:
        if order.price_fen is None or order.reference_fen is None:
            continue
        lower, upper = price_limits(order.reference_fen, band_bp, tick_fen)
        if order.price_fen in (lower, upper):
            which = "upper" if order.price_fen == upper else "lower"
            side = "buy" if order.side == 0 else "sell"
            flags.append(Flag("order_at_price_limit", order.owner, zone_day[order.order_id], (
                ("side", side), ("order_id", order.order_id), ("quantity_t", order.quantity_t),
                ("limit", which), ("price", str(Decimal(order.price_fen).scaleb(-2))))))  # fmt: skip
    return flags
