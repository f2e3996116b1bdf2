"""Exchange trade records (the tape) and the markets that print them: the input of market data."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from tanshi.core.issues import Issue

CNY_TICK = Decimal("0.01")


class TradeKind(enum.StrEnum):
    """How a trade was made; listed trades form the published prices."""

    LISTED = "listed"  # on the screen (挂牌协议 / continuous): forms open, high, low, close
    BLOCK = "block"  # negotiated block trade (大宗协议): counts in volume and turnover
    OTC = "otc"  # agreed off the exchange and reported to it: counts in volume and turnover


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """One trade printed by an exchange: ``quantity_t`` allowances at ``price_cny_per_t``."""

    exchange: str
    product: str
    traded_at: datetime  # timezone-aware
    price_cny_per_t: Decimal
    quantity_t: int
    kind: TradeKind

    @property
    def turnover_cny(self) -> Decimal:
        return self.price_cny_per_t * self.quantity_t


class ClosingRule(enum.StrEnum):
    """How a market's official daily close is made from its listed trades."""

    LAST_TRADE = "last_trade"  # the day's last listed trade
    VWAP_OF_DAY = "vwap_of_day"  # the volume-weighted average of the day's listed trades


@dataclass(frozen=True, slots=True)
class Market:
    """A market whose trades are reported: the national market or a pilot, with its names."""

    code: str
    scope: str  # "national" or "pilot"
    name_en: str
    name_zh: str
    exchange_en: str
    exchange_zh: str
    product: str
    time_zone: str
    sessions: tuple[tuple[time, time], ...]  # local opening and closing times
    closing_rule: ClosingRule
    listed_max_t: int | None  # the largest listed order, if limited
    block_min_t: int | None  # the smallest block order, if limited
    source: str

    def name(self, chinese: bool) -> str:
        return self.name_zh if chinese else self.name_en


def check_trade_record(record: TradeRecord, where: str) -> list[Issue]:
    """Every problem with one trade record (``where`` says which line it came from)."""
    issues = []
    if not record.exchange:
        issues.append(Issue("exchange_missing", "name the exchange (e.g. national)", where))
    if record.traded_at.tzinfo is None:
        issues.append(
            Issue(
                "time_without_zone",
                f"{record.traded_at.isoformat()} has no UTC offset; write e.g. "
                "2017-09-08T10:30:00+08:00",
                where,
            )
        )
    if record.quantity_t <= 0:
        issues.append(Issue("quantity_must_be_positive", "trade at least 1 t", where))
    if record.price_cny_per_t <= 0:
        issues.append(Issue("price_must_be_positive", "the price must be above zero", where))
    elif record.price_cny_per_t != record.price_cny_per_t.quantize(CNY_TICK):
        issues.append(
            Issue(
                "price_off_tick",
                f"price {record.price_cny_per_t} is finer than the tick of CNY 0.01",
                where,
            )
        )
    return issues
