"""Bilateral trades agreed between two holders, and the market prices derived from them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tanshi.core.issues import Issue

PRICE_TICK_CNY = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Trade:
    """A trade agreed bilaterally: ``quantity_t`` units at ``price_cny_per_t`` on a day."""

    seller: str
    buyer: str
    unit_class: str
    quantity_t: int
    price_cny_per_t: Decimal
    traded_on: date

    @property
    def value_cny(self) -> Decimal:
        return self.price_cny_per_t * self.quantity_t


def check_trade(trade: Trade) -> list[Issue]:
    """Every problem with a proposed trade, before it reaches the registry."""
    where = f"trade {trade.seller} -> {trade.buyer} on {trade.traded_on}"
    issues = []
    if trade.seller == trade.buyer:
        issues.append(Issue("same_counterparty", "seller and buyer must differ", where))
    if trade.quantity_t <= 0:
        issues.append(Issue("quantity_must_be_positive", "trade at least 1 t (one unit)", where))
    if trade.price_cny_per_t <= 0:
        issues.append(Issue("price_must_be_positive", "the price must be above zero", where))
    elif trade.price_cny_per_t != trade.price_cny_per_t.quantize(PRICE_TICK_CNY):
        issues.append(
            Issue(
                "price_off_tick",
                f"price {trade.price_cny_per_t} is finer than the tick of CNY 0.01",
                where,
            )
        )
    return issues


def average_price(trades: Iterable[Trade], start: date, end: date) -> Decimal | None:
    """The volume-weighted average price of trades from ``start`` to ``end`` inclusive.

    Rounded half up to the price tick; None when nothing traded in the window.
    """
    quantity = 0
    value = Decimal(0)
    for trade in trades:
        if start <= trade.traded_on <= end:
            quantity += trade.quantity_t
            value += trade.value_cny
    if quantity == 0:
        return None
    return (value / quantity).quantize(PRICE_TICK_CNY, rounding=ROUND_HALF_UP)
