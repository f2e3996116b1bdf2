"""Bilateral trades: the registry transfer (or a settlement, delivery versus payment) and the
trade record in one database transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import aliased

from tanshi.core.issues import Issue
from tanshi.core.moments import from_store
from tanshi.core.quantities import cny_to_fen, fen_to_cny
from tanshi.market import Trade, check_trade
from tanshi.market.settlement import Fill
from tanshi.market.settlement_rules import SettlementRules
from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.services.clearing import Refused, member_accounts, unit_class_by_code
from tanshi.services.jurisdiction import (
    Jurisdiction,
    local_date,
    operator_account_code,
    operator_holding_accounts,
)
from tanshi.services.mrv import company_ids
from tanshi.services.registry import Outcome, execute_in, lock_journal_head
from tanshi.services.settlement import record_trade_in
from tanshi.store.engine import reader
from tanshi.store.schema import accounts, companies, settlements, trades, unit_classes


def bilateral_trade(
    engine: Engine, jurisdiction: Jurisdiction, trade: Trade, idempotency_key: str,
    now: datetime, settlement: SettlementRules | None = None,
) -> tuple[Outcome | None, list[Issue]]:  # fmt: skip
    """Record a trade agreed between two companies and move its units seller → buyer.

    Without ``settlement`` the units move by a registry transfer and the money is paid
    outside tanshi (free of payment). With it, the trade settles delivery versus payment
    through the exchange (``services.settlement``, method ``otc``, which must settle
    T+0): the buyer's money pays for it in the same database transaction.

    Returns the registry outcome (None when the trade was refused before reaching the
    registry) and every problem found. Nothing is written unless every step succeeds.
    """
    issues = check_trade(trade)
    where = f"trade {idempotency_key}"
    booked_on = local_date(jurisdiction, now)
    if trade.traded_on != booked_on:
        issues.append(
            Issue(
                "trade_date_not_booking_date",
                f"the trade is dated {trade.traded_on} but reported on {booked_on}; report a "
                "bilateral trade on the day it is agreed",
                where,
            )
        )
    if issues:
        return None, issues
    try:
        with engine.begin() as connection:
            return _bilateral_in(connection, jurisdiction, trade, idempotency_key, now, settlement)
    except Refused as refused:
        return None, refused.issues


def _bilateral_in(
    connection: Connection, jurisdiction: Jurisdiction, trade: Trade, key: str, now: datetime,
    settlement: SettlementRules | None,
) -> tuple[Outcome | None, list[Issue]]:  # fmt: skip
    where = f"trade {key}"
    # Every jurisdiction's: another's company is refused by the exchange's membership rule.
    ids = company_ids(connection, None)
    unknown = [code for code in (trade.seller, trade.buyer) if code not in ids]
    unit_class = unit_class_by_code(connection, trade.unit_class)
    if unknown or unit_class is None:
        problems = [Issue("unknown_company", f"no company {code}", where) for code in unknown]
        if unit_class is None:
            problems.append(Issue("unknown_unit_class", f"no unit class {trade.unit_class}", where))
        return None, problems
    holding = _holding_accounts(connection, jurisdiction, ids, (trade.seller, trade.buyer))
    seller_code, buyer_code = holding[trade.seller], holding[trade.buyer]
    seller_id, buyer_id = member_accounts(connection, jurisdiction.code, [seller_code, buyer_code],
                                          where)  # fmt: skip
    if settlement is None:
        outcome = execute_in(
            connection,
            TransactionRequest(
                "transfer", key,
                (Movement(seller_id, buyer_id, unit_class, trade.quantity_t),),
                now, memo=f"bilateral trade at CNY {trade.price_cny_per_t}/t on {trade.traded_on}",
            ),
        )  # fmt: skip
        if outcome.result is not ResultCode.OK:
            return outcome, [Issue(outcome.result.value, _explain(outcome.result), where)]
    else:
        lock_journal_head(connection)
        fill = Fill(key, "otc", buyer_code, seller_code, trade.unit_class, trade.quantity_t,
                    cny_to_fen(trade.price_cny_per_t), now)  # fmt: skip
        recorded = record_trade_in(connection, jurisdiction, settlement, fill, now)
        if not recorded.settled:
            raise Refused([Issue("bilateral_trade_must_settle_today",
                                 f"the rules settle otc trades on {recorded.plan.settle_on}; "
                                 "a bilateral trade settles on the day it is reported", where)])  # fmt: skip
        outcome = Outcome(ResultCode.OK, recorded.transaction_id, recorded.replayed)
    if not outcome.replayed:
        connection.execute(
            trades.insert().values(
                transaction_id=outcome.transaction_id,
                seller_company_id=ids[trade.seller],
                buyer_company_id=ids[trade.buyer],
                unit_class_id=unit_class,
                quantity_units=trade.quantity_t,
                price_fen_per_t=cny_to_fen(trade.price_cny_per_t),
                traded_on=trade.traded_on,
            )
        )
    return outcome, []


def _holding_accounts(
    connection: Connection, jurisdiction: Jurisdiction, ids: dict[str, int], codes: tuple[str, ...]
) -> dict[str, str]:
    """Each company's operator holding account: the one opened in its own jurisdiction (the
    exchange's check then refuses another jurisdiction's company by its account)."""
    found = operator_holding_accounts(connection, [ids[code] for code in codes])
    return {code: found.get(ids[code], operator_account_code(jurisdiction.code, code))
            for code in codes}  # fmt: skip


def _explain(result: ResultCode) -> str:
    if result is ResultCode.INSUFFICIENT_UNITS:
        return "the seller does not hold enough units of that class"
    return f"the registry refused the transfer ({result.value})"


def load_trades(engine: Engine, start: date, end: date) -> list[Trade]:
    """Every trade from ``start`` to ``end`` inclusive, in booking order: bilateral trades,
    then trades settled through the exchange (listed, block) that are not bilateral.

    Exchange participants without a company (speculators, the market maker) appear under
    their registry account code; days are UTC days of the trade (the exchange trades in
    the day time of UTC+8, so its UTC day is its local day).
    """
    seller, buyer = aliased(companies), aliased(companies)
    query = (
        select(
            seller.c.code.label("seller"),
            buyer.c.code.label("buyer"),
            unit_classes.c.code.label("unit_class"),
            trades.c.quantity_units,
            trades.c.price_fen_per_t,
            trades.c.traded_on,
        )
        .join(seller, seller.c.id == trades.c.seller_company_id)
        .join(buyer, buyer.c.id == trades.c.buyer_company_id)
        .join(unit_classes, unit_classes.c.id == trades.c.unit_class_id)
        .where(trades.c.traded_on >= start, trades.c.traded_on <= end)
        .order_by(trades.c.id)
    )
    with reader(engine).connect() as connection:
        found = [
            Trade(
                row.seller,
                row.buyer,
                row.unit_class,
                int(row.quantity_units),
                fen_to_cny(row.price_fen_per_t),
                row.traded_on,
            )
            for row in connection.execute(query)
        ]
        for row in _exchange_trades(connection, start, end):
            found.append(
                Trade(row.seller, row.buyer, row.unit_class, int(row.quantity_units),
                      fen_to_cny(row.price_fen_per_t), from_store(row.traded_at).date())
            )  # fmt: skip
    return found


def _exchange_trades(connection: Connection, start: date, end: date) -> list:
    """Settled exchange trades not also booked as bilateral trades, with party names."""
    seller, buyer = aliased(accounts), aliased(accounts)
    seller_co, buyer_co = aliased(companies), aliased(companies)
    bilateral = select(trades.c.id).where(trades.c.transaction_id == settlements.c.transaction_id)
    query = (
        select(
            func.coalesce(seller_co.c.code, seller.c.code).label("seller"),
            func.coalesce(buyer_co.c.code, buyer.c.code).label("buyer"),
            unit_classes.c.code.label("unit_class"),
            settlements.c.quantity_units,
            settlements.c.price_fen_per_t,
            settlements.c.traded_at,
        )
        .join(seller, seller.c.id == settlements.c.seller_account_id)
        .join(buyer, buyer.c.id == settlements.c.buyer_account_id)
        .outerjoin(seller_co, seller_co.c.id == seller.c.company_id)
        .outerjoin(buyer_co, buyer_co.c.id == buyer.c.company_id)
        .join(unit_classes, unit_classes.c.id == settlements.c.unit_class_id)
        .where(
            settlements.c.status == "settled",
            ~bilateral.exists(),
        )
        .order_by(settlements.c.id)
    )
    return [row for row in connection.execute(query)
            if start <= from_store(row.traded_at).date() <= end]  # fmt: skip


def traded_units(engine: Engine, start: date, end: date) -> tuple[dict[str, int], dict[str, int]]:
    """Units bought and sold per company code (or account code) in trades from ``start`` to
    ``end``: bilateral trades and settled exchange trades."""
    bought: dict[str, int] = {}
    sold: dict[str, int] = {}
    for trade in load_trades(engine, start, end):
        bought[trade.buyer] = bought.get(trade.buyer, 0) + trade.quantity_t
        sold[trade.seller] = sold.get(trade.seller, 0) + trade.quantity_t
    return bought, sold
