"""The surveillance report of a jurisdiction's exchange for one trading day, from the stored
holdings and the journal since the day's end, that day's trades and that day's part of the
engine's command log (the checks are pure: ``market.surveillance``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Engine,
    case,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from tanshi.core.moments import day_bounds, from_store, to_utc
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
from tanshi.store.engine import reader
from tanshi.store.schema import (
    accounts,
    exchange_commands,
    holdings,
    movements,
    settlements,
    transactions,
    unit_classes,
    unit_freezes,
)

# Government and exchange accounts neither count towards nor report as large holders.
NOT_HOLDERS = frozenset(
    kind.value
    for kind in AccountKind
    if kind not in (AccountKind.OPERATOR_HOLDING, AccountKind.TRADING, AccountKind.PROJECT)
)


def positions(
    connection: Connection, jurisdiction_id: int | None = None, *,
    classes: Sequence[str] | None = None, at: datetime | None = None,
) -> list[Holding]:  # fmt: skip
    """What each account (of jurisdiction ``jurisdiction_id``, or every one) holds per unit
    class (of ``classes``, or every one) at moment ``at`` (now when None), its frozen units
    included: units frozen by order sit in the account's frozen-units account but still
    belong to its holder, who gets them back when the order is lifted (docs/market.md,
    "Surveillance"). A past moment's holding is the stored holding less what the journal
    moved at or after it: the same as summing the movements booked before it (the holdings
    are the journal summed; ``verify_registry`` reconciles them), but it reads the journal
    since ``at`` only (the transactions by moment, migration 0025), nothing for today.
    Summed, filtered and mapped to the frozen units' holders in the database; accounts
    holding nothing are left out."""
    in_place = select(accounts.c.id).where(accounts.c.jurisdiction_id == jurisdiction_id)
    of_class = select(unit_classes.c.id).where(unit_classes.c.code.in_(classes or ()))
    held = holdings.c
    now = select(held.account_id, held.unit_class_id, held.quantity_units.label("quantity"))
    if jurisdiction_id is not None:
        now = now.where(held.account_id.in_(in_place))
    if classes is not None:
        now = now.where(held.unit_class_id.in_(of_class))
    parts = [now]
    if at is not None:  # take back what moved since, in and out: found by moment only
        moved = movements.c
        later = (
            select(moved.to_account_id, moved.unit_class_id, -moved.quantity_units)
            .join_from(movements, transactions, transactions.c.id == moved.transaction_id)
            .where(transactions.c.booked_at >= to_utc(at))
        )  # fmt: skip
        parts += [later, later.with_only_columns(moved.from_account_id, moved.unit_class_id,
                                                 moved.quantity_units)]  # fmt: skip
    rows = union_all(*parts).subquery()
    holder = (  # a frozen-units account's holder: one look-up by its id (migration 0025)
        select(unit_freezes.c.account_id)
        .where(unit_freezes.c.frozen_account_id == rows.c.account_id)
        .limit(1)
        .scalar_subquery()
    )
    frozen = accounts.c.kind == AccountKind.FROZEN_UNITS.value
    mapped = (
        select(case((frozen, func.coalesce(holder, rows.c.account_id)),
                    else_=rows.c.account_id).label("owner_id"),
               rows.c.unit_class_id, rows.c.quantity)
        .join(accounts, accounts.c.id == rows.c.account_id)
    )  # fmt: skip
    if jurisdiction_id is not None:  # here, for the moves: by moment, not by account
        mapped = mapped.where(accounts.c.jurisdiction_id == jurisdiction_id)
    if classes is not None:
        mapped = mapped.where(rows.c.unit_class_id.in_(of_class))
    chosen = mapped.subquery()
    owner = aliased(accounts)
    total = func.sum(chosen.c.quantity)
    query = (
        select(owner.c.id, owner.c.code, owner.c.kind, unit_classes.c.code.label("unit_class"),
               total.label("quantity"))
        .join(owner, owner.c.id == chosen.c.owner_id)
        .join(unit_classes, unit_classes.c.id == chosen.c.unit_class_id)
        .group_by(owner.c.id, owner.c.code, owner.c.kind, unit_classes.c.code)
        .having(total != 0)
    )  # fmt: skip
    # Sorted here, not in SQL: the database's collation may order the class codes otherwise.
    result = sorted(connection.execute(query), key=lambda row: (row.id, row.unit_class))
    return [Holding(row.code, row.kind, row.unit_class, int(row.quantity)) for row in result]


def references_before(
    connection: Connection, venue: str, day: date, products: list[str]
) -> dict[str, int | None]:
    """The last reference price set for each of ``products`` before trading day ``day``, in
    one query: each one step back through the index of the log's SetReference rows by
    (venue, product, trading day, seq), none for a product never given one (migration 0025;
    the kind is written into the statement, so the database sees the index's condition)."""
    if not products:
        return {}
    log = exchange_commands.c
    set_reference = literal(SetReference.__name__, literal_execute=True)
    last = [
        select(log.product, log.reference_fen)
        .where(log.venue == venue, log.product == product, log.kind == set_reference,
               log.trading_day < day)
        .order_by(log.trading_day.desc(), log.seq.desc())
        .limit(1)
        .subquery()
        for product in products
    ]  # fmt: skip
    query = union_all(*(select(one.c.product, one.c.reference_fen) for one in last))
    return {
        product: None if reference is None else int(reference)
        for product, reference in connection.execute(query)
    }


def day_orders(connection: Connection, venue: Venue, day: date) -> list[OrderSeen]:
    """The orders entered on the venue on trading day ``day``, each with the reference price
    of its book when it was entered: read from that day's log only (for a book with an order
    before its reference of the day, the last reference before the day: ``references_before``)."""
    log = exchange_commands.c
    rows = connection.execute(
        select(log.kind, log.product, log.at, log.order_id, log.owner, log.side, log.quantity_t,
               log.price_fen, log.reference_fen)
        .where(log.venue == venue.venue.code, log.trading_day == day,
               log.kind.in_((NewOrder.__name__, SetReference.__name__)))
        .order_by(log.seq)
    ).all()  # fmt: skip
    set_today: set[str] = set()
    early: set[str] = set()  # books with an order before their reference of the day
    for row in rows:
        if row.kind == SetReference.__name__:
            set_today.add(row.product)
        elif row.product not in set_today:
            early.add(row.product)
    reference = references_before(connection, venue.venue.code, day, sorted(early))
    orders = []
    for row in rows:
        if row.kind == SetReference.__name__:
            reference[row.product] = None if row.reference_fen is None else int(row.reference_fen)
            continue
        orders.append(OrderSeen(int(row.order_id), from_store(row.at), row.owner, int(row.side),
                                int(row.quantity_t),
                                None if row.price_fen is None else int(row.price_fen),
                                reference.get(row.product)))  # fmt: skip
    return orders


def trades_between(
    connection: Connection, jurisdiction_id: int, start: datetime, end: datetime
) -> list[TradeSeen]:
    """The trades bought by the jurisdiction's accounts from ``start`` until before ``end``,
    settled or waiting to settle."""
    buyer, seller = aliased(accounts), aliased(accounts)
    return [
        TradeSeen(f"{row.venue}/{row.trade_id}", from_store(row.traded_at), row.buyer,
                  row.seller, int(row.quantity_units), int(row.price_fen_per_t))
        for row in connection.execute(
            select(settlements.c.venue, settlements.c.trade_id, settlements.c.traded_at,
                   buyer.c.code.label("buyer"), seller.c.code.label("seller"),
                   settlements.c.quantity_units, settlements.c.price_fen_per_t)
            .join(buyer, buyer.c.id == settlements.c.buyer_account_id)
            .join(seller, seller.c.id == settlements.c.seller_account_id)
            .where(buyer.c.jurisdiction_id == jurisdiction_id,
                   settlements.c.traded_at >= start, settlements.c.traded_at < end)
            .order_by(settlements.c.id)
        )
    ]  # fmt: skip


def surveillance_report(
    engine: Engine, jurisdiction_id: int, venue: Venue, rules: SurveillanceRules, day: date
) -> list[Flag]:
    """The flags of trading day ``day`` on jurisdiction ``jurisdiction_id``'s exchange
    ``venue``: its accounts' positions and large holders in the venue's products at the end
    of ``day`` in the venue's time zone (today's: as held now), the suspected wash trades
    whose first trade was on ``day`` (the day's trades and those of the wash window after its
    end are read), and the orders entered on ``day`` at the price limit. What is read is the
    size of a day and of the journal since its end, however long the history."""
    zone = ZoneInfo(venue.venue.timezone)
    start, end = day_bounds(day, zone)
    window = timedelta(minutes=int(rules.wash_window_minutes.value))
    listed = [product.code for product in venue.products]
    with reader(engine).connect() as connection:
        held = positions(connection, jurisdiction_id, classes=listed, at=end)
        trades = trades_between(connection, jurisdiction_id, start, end + window)
        orders = day_orders(connection, venue, day)
    days = {order.order_id: order.at.astimezone(zone).date() for order in orders}
    book = book_rules(venue, venue.products[0].code)
    return [
        *position_flags(held, rules, day),
        *large_holder_flags(held, rules, day, NOT_HOLDERS),
        *[flag for flag in wash_trade_flags(trades, rules, zone) if flag.day == day],
        *price_limit_flags(orders, book.band_bp or 0, book.tick_fen, days),
    ]


def flags_page(
    flags: list[Flag], kind: str | None, account: str | None, limit: int, offset: int
) -> tuple[list[Flag], int]:
    """The flags of ``kind`` and ``account`` (each when named), one page of them, and how
    many there are in all."""
    chosen = [f for f in flags
              if (kind is None or f.kind == kind) and (account is None or f.account == account)]  # fmt: skip
    return chosen[offset : offset + limit], len(chosen)
