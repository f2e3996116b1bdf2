"""Negotiated trades reported to the exchange: block trades (大宗协议) between two exchange
accounts, and bilateral trades (协议转让) between two covered companies.

Both are checked against the venue's method for them (size range, lot, tick and the price
band around the last close, or the listing reference before any trading) and must be
reported while the method's session is open. A block trade is then recorded for
settlement (``services.settlement``: units and funds reserved at once, settled on the
method's cycle, T+1 for Demo Province); a bilateral trade settles delivery versus payment on
the day it is reported (``services.market.bilateral_trade`` with the ``otc`` terms).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine

from tanshi.core.issues import Issue
from tanshi.core.quantities import cny_to_fen, fen_to_cny
from tanshi.market import Trade
from tanshi.market.negotiated import NegotiatedTrade, check_negotiated
from tanshi.market.orders import Phase
from tanshi.market.settlement import Fill
from tanshi.market.venues import MethodKind, Venue, book_key, phase_at, venue_books
from tanshi.resources import load_settlement_rules
from tanshi.services import market
from tanshi.services.exchange_log import last_close
from tanshi.services.jurisdiction import Jurisdiction, local_date
from tanshi.services.registry import Outcome
from tanshi.services.settlement import Recorded, record_trade
from tanshi.services.trading import venue_of


def _checked(
    engine: Engine, jurisdiction: Jurisdiction, trade: NegotiatedTrade, where: str
) -> tuple[Venue | None, list[Issue]]:
    """The venue, and every problem of ``trade`` under its method at ``trade.agreed_at``."""
    venue = venue_of(jurisdiction)
    if venue is None:
        return None, [Issue("no_exchange", f"{jurisdiction.code} has no exchange in tanshi", where)]
    method = venue.method(trade.method)
    if method is None:
        return None, [Issue("method_not_offered",
                            f"{venue.venue.code} offers no {trade.method} trading", where)]  # fmt: skip
    if venue.product(trade.product) is None:
        return None, [Issue("unknown_product", f"{venue.venue.code} lists no {trade.product}",
                            where)]  # fmt: skip
    issues = []
    if phase_at(venue, trade.agreed_at, trade.method) is Phase.CLOSED:
        issues.append(Issue("market_closed", f"{trade.method} trades are reported during the "
                            "session for them on a trading day", where))  # fmt: skip
    key = book_key(venue, trade.product)
    reference_fen = last_close(engine, venue, key) or venue_books(venue)[1].get(key)
    reference = None if reference_fen is None else fen_to_cny(reference_fen)
    issues += check_negotiated(trade, method, reference)
    return venue, issues


def report_block_trade(
    engine: Engine, jurisdiction: Jurisdiction, product: str, seller: str, buyer: str,
    quantity_t: int, price_cny_per_t: Decimal, trade_id: str, now: datetime,
) -> tuple[Recorded | None, list[Issue]]:  # fmt: skip
    """Record a block trade between two registry accounts for settlement; every problem, or
    nothing written. Reporting the same ``trade_id`` again returns the first record."""
    trade = NegotiatedTrade(MethodKind.BLOCK, product, seller, buyer, quantity_t,
                            price_cny_per_t, now)  # fmt: skip
    _, issues = _checked(engine, jurisdiction, trade, f"block trade {trade_id}")
    if issues:
        return None, issues
    rules = load_settlement_rules(jurisdiction.rulebook.rulebook.id)
    fill = Fill(trade_id, MethodKind.BLOCK.value, buyer, seller, product, quantity_t,
                cny_to_fen(price_cny_per_t), now)  # fmt: skip
    return record_trade(engine, jurisdiction, rules, fill, now)


def report_bilateral_trade(
    engine: Engine, jurisdiction: Jurisdiction, unit_class: str, seller: str, buyer: str,
    quantity_t: int, price_cny_per_t: Decimal, key: str, now: datetime,
) -> tuple[Outcome | None, list[Issue]]:  # fmt: skip
    """Settle a trade agreed between two covered companies, delivery versus payment, today."""
    trade = NegotiatedTrade(MethodKind.OTC, unit_class, seller, buyer, quantity_t,
                            price_cny_per_t, now)  # fmt: skip
    _, issues = _checked(engine, jurisdiction, trade, f"bilateral trade {key}")
    if issues:
        return None, issues
    rules = load_settlement_rules(jurisdiction.rulebook.rulebook.id)
    agreed = Trade(seller, buyer, unit_class, quantity_t, price_cny_per_t,
                   local_date(jurisdiction, now))  # fmt: skip
    return market.bilateral_trade(engine, jurisdiction, agreed, key, now, settlement=rules)
