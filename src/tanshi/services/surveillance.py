"""The surveillance report of a jurisdiction's exchange, from the stored holdings, settled
trades and the engine's command log (the checks are pure: ``market.surveillance``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import aliased

from tanshi.core.moments import from_store
from tanshi.market.events import NewOrder, SetReference
from tanshi.market.surveillance import (
    Flag,
    Holding,
    OrderSeen,
    SurveillanceRules,
    TradeSeen,
    large_holder_flags,
    position_flags,
    price_limit_flags,
    wash_trade_flags,
)
from tanshi.market.venues import Venue, book_rules
from tanshi.registry import AccountKind
from tanshi.services.exchange_log import stored_log
from tanshi.store.schema import accounts, holdings, settlements, unit_classes, unit_freezes

# Government and exchange accounts neither count towards nor report as large holders.
NOT_HOLDERS = frozenset(
    kind.value
    for kind in AccountKind
    if kind not in (AccountKind.OPERATOR_HOLDING, AccountKind.TRADING, AccountKind.PROJECT)
)


def positions(connection: Connection, jurisdiction_id: int | None = None) -> list[Holding]:
    """What each account (of jurisdiction ``jurisdiction_id``, or every one) holds per unit
    class, its frozen units included: units frozen by order sit in the account's frozen-units
    account but still belong to its holder, who gets them back when the order is lifted
    (docs/market.md, "Surveillance")."""
    owner = dict(connection.execute(
        select(unit_freezes.c.frozen_account_id, unit_freezes.c.account_id).distinct()
    ).all())  # fmt: skip
    listed = select(accounts.c.id, accounts.c.code, accounts.c.kind)
    if jurisdiction_id is not None:
        listed = listed.where(accounts.c.jurisdiction_id == jurisdiction_id)
    known = {row.id: (row.code, row.kind) for row in connection.execute(listed)}
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for account, unit_class, quantity in connection.execute(
        select(holdings.c.account_id, unit_classes.c.code, holdings.c.quantity_units)
        .join(unit_classes, unit_classes.c.id == holdings.c.unit_class_id)
    ):  # fmt: skip
        if owner.get(account, account) in known:
            totals[(owner.get(account, account), unit_class)] += int(quantity)
    return [
        Holding(*known[account], unit_class, quantity)
        for (account, unit_class), quantity in sorted(totals.items())
    ]


def surveillance_report(
    engine: Engine, jurisdiction_id: int, venue: Venue, rules: SurveillanceRules, day: date
) -> list[Flag]:
    """Every flag of jurisdiction ``jurisdiction_id``'s exchange ``venue``: its accounts'
    positions and large holders as held now (dated ``day``), wash trades over its settled
    trades, and orders at the price limit over the venue's stored log."""
    with engine.connect() as connection:
        held = positions(connection, jurisdiction_id)
        buyer, seller = aliased(accounts), aliased(accounts)
        trades = [
            TradeSeen(f"{row.venue}/{row.trade_id}", from_store(row.traded_at), row.buyer,
                      row.seller, int(row.quantity_units), int(row.price_fen_per_t))
            for row in connection.execute(
                select(settlements.c.venue, settlements.c.trade_id, settlements.c.traded_at,
                       buyer.c.code.label("buyer"), seller.c.code.label("seller"),
                       settlements.c.quantity_units, settlements.c.price_fen_per_t)
                .join(buyer, buyer.c.id == settlements.c.buyer_account_id)
                .join(seller, seller.c.id == settlements.c.seller_account_id)
                .where(buyer.c.jurisdiction_id == jurisdiction_id)
                .order_by(settlements.c.id)
            )
        ]  # fmt: skip
    orders, days, reference = [], {}, {}
    for command in stored_log(engine, venue.venue.code):
        if isinstance(command, SetReference):
            reference[command.product] = command.reference_fen
        elif isinstance(command, NewOrder):
            orders.append(OrderSeen(command.order_id, command.at, command.owner,
                                    int(command.side), command.quantity_t, command.price_fen,
                                    reference.get(command.product)))  # fmt: skip
            days[command.order_id] = command.at.astimezone(ZoneInfo(venue.venue.timezone)).date()
    listed = book_rules(venue, venue.products[0].code)
    return [
        *position_flags(held, rules, day),
        *large_holder_flags(held, rules, day, NOT_HOLDERS),
        *wash_trade_flags(trades, rules),
        *price_limit_flags(orders, listed.band_bp or 0, listed.tick_fen, days),
    ]


def flags_page(
    flags: list[Flag], kind: str | None, account: str | None, limit: int, offset: int
) -> tuple[list[Flag], int]:
    """The flags of ``kind`` and ``account`` (each when named), one page of them, and how
    many there are in all."""
    chosen = [f for f in flags
              if (kind is None or f.kind == kind) and (account is None or f.account == account)]  # fmt: skip
    return chosen[offset : offset + limit], len(chosen)
