"""Each exchange at a glance: per product the last price, the day's change and volume, and the
totals since listing, from the exchange's own tape (``market_data.exchange_tape``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from tanshi.market.bars import Interval, bars
from tanshi.services import trading
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.market_data import exchange_tape


def _cny(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def product_overview(engine: Engine, venue: Any, product: Any) -> dict[str, Any]:
    """One product: the latest trading day's close, change, volume; totals since listing."""
    trades, _label, _market = exchange_tape(engine, venue, product.code)
    days = bars(trades, Interval.DAY, ZoneInfo(venue.venue.timezone))
    closes = [bar.close for bar in days if bar.close is not None]
    last = closes[-1] if closes else None
    before = closes[-2] if len(closes) > 1 else product.reference_cny_per_t
    latest = days[-1] if days else None
    change = None if last is None or before is None else last - before
    return {
        "product": product.code, "last_cny_per_t": _cny(last),
        "previous_close_cny_per_t": _cny(before),
        "change_cny_per_t": _cny(change),
        "last_day": latest.start.date().isoformat() if latest else None,
        "day_volume_t": latest.volume_t if latest else 0,
        "day_turnover_cny": _cny(latest.turnover_cny if latest else Decimal(0)),
        "volume_t": sum(trade.quantity_t for trade in trades),
        "turnover_cny": _cny(sum((trade.turnover_cny for trade in trades), Decimal(0))),
        "trades": len(trades),
        "last_traded_at": trades[-1].traded_at.isoformat() if trades else None,
    }  # fmt: skip


def exchange_overview(engine: Engine, jurisdiction: Jurisdiction) -> dict[str, Any] | None:
    """The jurisdiction's exchange and its products, or None if tanshi has no exchange for it."""
    venue = trading.venue_of(jurisdiction)
    if venue is None:
        return None
    return {
        "jurisdiction": jurisdiction.code, "venue": venue.venue.code, "name": venue.venue.name,
        "timezone": venue.venue.timezone, "currency": venue.venue.currency,
        "products": [product_overview(engine, venue, p) for p in venue.products],
    }  # fmt: skip
