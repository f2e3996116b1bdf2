"""Settlement of trades, delivery versus payment: both legs in one database transaction.

- ``record_trade`` takes a ``Fill`` from any venue, commits reserved units and funds to it
  (reserving them on the spot when the trade brings no reservation: a negotiated, block or
  bilateral trade) and records it as pending; a trade due today (T+0) is settled at once,
  in the same database transaction.
- ``settle_due`` settles the pending trades whose settlement day has come (T+1 …), each in
  its own database transaction.
- Settling delivers the units clearing → buyer through ``services.registry.execute_in``
  (type ``trade_settlement``) and pays clearing → seller (value − seller's fee) and
  clearing → exchange fees (both fees) through ``services.cash.post_in``. Both commit or
  neither does: a failure between them rolls back the delivery too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from tanshi.core.issues import Issue
from tanshi.core.moments import to_utc
from tanshi.market.cash import CashEntryKind, CashMovement, CashRequest
from tanshi.market.settlement import Fill, SettlementPlan, plan_settlement
from tanshi.market.settlement_rules import SettlementRules
from tanshi.reconciliation import Discrepancy
from tanshi.reconciliation.ledgers import clearing_cash_differs, clearing_units_differ
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import cash
from tanshi.services.clearing import (
    RECEIVING_KINDS,
    Exchange,
    Refused,
    atomically,
    cash_step,
    clearing_account_code,
    exchange_in,
    member_accounts,
    registry_step,
    unit_class_by_code,
)
from tanshi.services.jurisdiction import Jurisdiction, find_account, local_date
from tanshi.services.registry import stored_holdings
from tanshi.services.registry_access import load_accounts
from tanshi.services.reservations import locked, reserve_funds_in, reserve_units_in
from tanshi.store.schema import (
    accounts,
    cash_accounts,
    funds_reservations,
    settlements,
    unit_classes,
    unit_reservations,
)

PENDING, SETTLED = "pending", "settled"


@dataclass(frozen=True, slots=True)
class Recorded:
    """A trade as recorded: its settlement id, plan and whether it is settled yet (then
    ``transaction_id`` is the registry transaction that delivered it)."""

    settlement_id: int
    plan: SettlementPlan
    settled: bool
    transaction_id: int | None = None
    replayed: bool = False


def record_trade(
    engine: Engine, jurisdiction: Jurisdiction, rules: SettlementRules, fill: Fill,
    now: datetime, *, units_key: str | None = None, funds_key: str | None = None,
) -> tuple[Recorded | None, list[Issue]]:  # fmt: skip
    """Record ``fill`` for settlement, and settle it now if it is due today.

    ``units_key`` and ``funds_key`` name the seller's and the buyer's reservations (of the
    order that traded); without them the units and funds are reserved now. Reporting the
    same trade id again returns the first record; another trade under that id is refused.
    """
    return atomically(
        engine,
        lambda connection: record_trade_in(
            connection, jurisdiction, rules, fill, now, units_key=units_key, funds_key=funds_key
        ),
    )


def record_trade_in(
    connection: Connection, jurisdiction: Jurisdiction, rules: SettlementRules, fill: Fill,
    now: datetime, *, units_key: str | None = None, funds_key: str | None = None,
) -> Recorded:  # fmt: skip
    """``record_trade`` inside the caller's transaction, which must hold the journal-head
    lock (``lock_journal_head``); raises ``Refused``, and the caller rolls back."""
    plan, issues = plan_settlement(fill, rules, local_date(jurisdiction, fill.traded_at))
    if plan is None:
        raise Refused(issues)
    where = f"trade {fill.venue}/{fill.trade_id}"
    previous = connection.execute(
        select(settlements).where(
            settlements.c.venue == fill.venue, settlements.c.trade_id == fill.trade_id
        )
    ).first()
    if previous is not None:
        if previous.fingerprint != fill.fingerprint():
            raise Refused([Issue("trade_id_reused_with_different_trade",
                                 "the venue already reported another trade under this id",
                                 where)])  # fmt: skip
        stored = SettlementPlan(previous.value_fen, previous.buyer_fee_fen,
                                previous.seller_fee_fen, previous.settle_on)  # fmt: skip
        return Recorded(previous.id, stored, previous.status == SETTLED,
                        previous.transaction_id, replayed=True)  # fmt: skip
    ex = exchange_in(connection, jurisdiction)
    seller, buyer = member_accounts(connection, ex.jurisdiction, [fill.seller, fill.buyer], where)
    if load_accounts(connection, [buyer])[buyer].kind not in RECEIVING_KINDS:
        raise Refused([Issue("buyer_account_cannot_hold_traded_units",
                             f"{fill.buyer} is not a holding, trading or project account",
                             where)])  # fmt: skip
    unit_class = unit_class_by_code(connection, fill.unit_class)
    if unit_class is None:
        raise Refused([Issue("unknown_unit_class", f"no unit class {fill.unit_class}", where)])
    buyer_cash = cash.participant_account(connection, fill.buyer, ex.currency)
    trade_key = f"trade/{fill.venue}/{fill.trade_id}"
    units = _commit_units(connection, ex, fill, seller, unit_class, units_key, trade_key, now)
    funds = _commit_funds(connection, ex, plan, buyer_cash, funds_key, trade_key, now)
    settlement_id = connection.execute(
        settlements.insert()
        .values(venue=fill.venue, trade_id=fill.trade_id, fingerprint=fill.fingerprint(),
                buyer_account_id=buyer, seller_account_id=seller, unit_class_id=unit_class,
                quantity_units=fill.quantity_t, price_fen_per_t=fill.price_fen_per_t,
                value_fen=plan.value_fen, buyer_fee_fen=plan.buyer_fee_fen,
                seller_fee_fen=plan.seller_fee_fen, traded_at=to_utc(fill.traded_at),
                settle_on=plan.settle_on, status=PENDING, unit_reservation_id=units,
                funds_reservation_id=funds)
        .returning(settlements.c.id)
    ).scalar_one()  # fmt: skip
    if plan.settle_on > local_date(jurisdiction, now):
        return Recorded(int(settlement_id), plan, settled=False)
    transaction = settle_in(connection, ex, _row(connection, settlement_id), now)
    return Recorded(int(settlement_id), plan, True, transaction)


def _commit_units(
    connection: Connection, ex: Exchange, fill: Fill, seller: int, unit_class: int,
    units_key: str | None, trade_key: str, now: datetime,
) -> int:  # fmt: skip
    """Take the trade's units out of the seller's reservation (made now if none is named)."""
    if units_key is None:
        units_key = f"{trade_key}/units"
        reserve_units_in(connection, ex, seller, unit_class, fill.quantity_t, units_key, now)
    row = locked(connection, unit_reservations, units_key)
    if (row.account_id, row.unit_class_id) != (seller, unit_class):
        raise Refused([Issue("reservation_does_not_match_trade",
                             f"reservation {units_key} is not of the seller's {fill.unit_class}",
                             trade_key)])  # fmt: skip
    if row.open_units < fill.quantity_t:
        raise Refused([Issue("insufficient_reserved_units",
                             f"reservation {units_key} has {row.open_units} open units, the trade "
                             f"needs {fill.quantity_t}", trade_key)])  # fmt: skip
    connection.execute(
        unit_reservations.update()
        .where(unit_reservations.c.id == row.id)
        .values(open_units=unit_reservations.c.open_units - fill.quantity_t)
    )
    return int(row.id)


def _commit_funds(
    connection: Connection, ex: Exchange, plan: SettlementPlan, buyer_cash: int,
    funds_key: str | None, trade_key: str, now: datetime,
) -> int:  # fmt: skip
    """Take what the buyer pays out of their reservation (made now if none is named).

    Fees are rounded per trade, so an order filled in many trades can need a few fen more
    than was reserved for it: the difference is reserved from the buyer's balance now.
    """
    needed = plan.buyer_pays_fen
    if funds_key is None:
        funds_key = f"{trade_key}/funds"
        reserve_funds_in(connection, ex, buyer_cash, needed, funds_key, now)
    row = locked(connection, funds_reservations, funds_key)
    if row.cash_account_id != buyer_cash:
        raise Refused([Issue("reservation_does_not_match_trade",
                             f"reservation {funds_key} is not the buyer's", trade_key)])  # fmt: skip
    taken = min(int(row.open_fen), needed)
    if taken < needed:
        cash_step(
            connection,
            CashRequest(CashEntryKind.FUNDS_RESERVATION, f"{trade_key}/top-up",
                        (CashMovement(buyer_cash, ex.clearing_cash, needed - taken),), now,
                        f"the rest of what {trade_key} costs"),
        )  # fmt: skip
    if taken:
        connection.execute(
            funds_reservations.update()
            .where(funds_reservations.c.id == row.id)
            .values(open_fen=funds_reservations.c.open_fen - taken)
        )
    return int(row.id)


def _row(connection: Connection, settlement_id: int) -> Any:
    query = select(settlements).where(settlements.c.id == settlement_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return connection.execute(query).one()


def settle_in(connection: Connection, ex: Exchange, row: Any, now: datetime) -> int:
    """Deliver and pay for the pending settlement ``row`` inside the caller's transaction;
    returns the registry transaction that delivered the units.

    Raises ``Refused`` (and the caller rolls everything back) if either leg is refused.
    """
    key = f"settle/{row.venue}/{row.trade_id}"
    transaction = registry_step(
        connection,
        TransactionRequest("trade_settlement", key,
                           (Movement(ex.clearing_account, row.buyer_account_id, row.unit_class_id,
                                     row.quantity_units),), now,
                           memo=f"trade {row.venue}/{row.trade_id} at {row.price_fen_per_t} fen/t"),
        key,
    )  # fmt: skip
    seller_code = connection.execute(
        select(accounts.c.code).where(accounts.c.id == row.seller_account_id)
    ).scalar_one()
    seller_cash = cash.participant_account(connection, seller_code, ex.currency)
    plan = SettlementPlan(row.value_fen, row.buyer_fee_fen, row.seller_fee_fen, row.settle_on)
    entry = cash_step(
        connection,
        CashRequest(CashEntryKind.SETTLEMENT, key,
                    plan.payment(ex.clearing_cash, seller_cash, ex.fees_cash), now,
                    f"trade {row.venue}/{row.trade_id}"),
    )  # fmt: skip
    connection.execute(
        settlements.update()
        .where(settlements.c.id == row.id)
        .values(status=SETTLED, transaction_id=transaction, cash_entry_id=entry,
                settled_at=to_utc(now))
    )  # fmt: skip
    return transaction


@dataclass(frozen=True, slots=True)
class SettlementRun:
    """What ``settle_due`` did: the trades settled and those that could not be, with why."""

    settled: tuple[str, ...]
    failed: tuple[tuple[str, tuple[Issue, ...]], ...]


def settle_due(
    engine: Engine, jurisdiction: Jurisdiction, on: date, now: datetime
) -> SettlementRun:
    """Settle every pending trade of ``jurisdiction``'s exchange due on or before ``on``,
    oldest first, each on its own (another jurisdiction's trades settle through its own
    exchange's accounts, on its own run).

    A trade that cannot settle (the buyer's account was closed, say) stays pending and is
    reported; the others settle.
    """
    with engine.connect() as connection:
        due = connection.execute(
            select(settlements.c.id, settlements.c.venue, settlements.c.trade_id)
            .join(accounts, accounts.c.id == settlements.c.buyer_account_id)
            .where(settlements.c.status == PENDING, settlements.c.settle_on <= on,
                   accounts.c.jurisdiction_id == jurisdiction.id)
            .order_by(settlements.c.id)
        ).all()  # fmt: skip
    settled, failed = [], []
    for settlement_id, venue, trade_id in due:

        def work(connection: Connection, settlement_id: int = settlement_id) -> bool:
            row = _row(connection, settlement_id)
            if row.status != PENDING:
                return False  # settled meanwhile by another run
            settle_in(connection, exchange_in(connection, jurisdiction), row, now)
            return True

        done, issues = atomically(engine, work)
        if issues:
            failed.append((f"{venue}/{trade_id}", tuple(issues)))
        elif done:
            settled.append(f"{venue}/{trade_id}")
    return SettlementRun(tuple(settled), tuple(failed))


def settlement_discrepancies(
    connection: Connection, jurisdiction: Jurisdiction
) -> list[Discrepancy]:
    """What is wrong between the reservations, pending trades and the clearing accounts of
    ``jurisdiction`` (reconciliation.Discrepancy records: code, message, where).

    The clearing account holds exactly the open unit reservations plus the units of pending
    trades, per unit class; the clearing cash account holds exactly the open funds
    reservations plus what the buyers of pending trades pay. Empty when all is well. Only
    the jurisdiction's unit classes and participants' cash count (another jurisdiction's
    exchange has its own clearing accounts).
    """
    clearing_code = clearing_account_code(jurisdiction.code)
    clearing = find_account(connection, clearing_code)
    classes = dict(connection.execute(select(unit_classes.c.id, unit_classes.c.code).where(
        unit_classes.c.jurisdiction == jurisdiction.code)).all())  # fmt: skip
    expected_units: dict[int, int] = {}
    for unit_class, open_units in connection.execute(
        select(unit_reservations.c.unit_class_id, unit_reservations.c.open_units)
        .where(unit_reservations.c.unit_class_id.in_(list(classes)))
    ):  # fmt: skip
        expected_units[unit_class] = expected_units.get(unit_class, 0) + int(open_units)
    participants = (
        select(cash_accounts.c.id)
        .join(accounts, accounts.c.id == cash_accounts.c.registry_account_id)
        .where(accounts.c.jurisdiction_id == jurisdiction.id)
    )
    expected_fen = sum(
        int(value) for value in connection.execute(select(funds_reservations.c.open_fen).where(
            funds_reservations.c.cash_account_id.in_(participants))).scalars()
    )  # fmt: skip
    pending = connection.execute(select(settlements).where(
        settlements.c.status == PENDING, settlements.c.unit_class_id.in_(list(classes))))  # fmt: skip
    for row in pending:
        key = row.unit_class_id
        expected_units[key] = expected_units.get(key, 0) + int(row.quantity_units)
        expected_fen += int(row.value_fen) + int(row.buyer_fee_fen)
    problems = []
    held = {
        unit: quantity
        for (account, unit), quantity in stored_holdings(connection).items()
        if account == clearing
    }
    for unit in sorted(set(held) | set(expected_units)):
        if held.get(unit, 0) != expected_units.get(unit, 0):
            problems.append(clearing_units_differ(
                clearing_code, classes.get(unit, f"#{unit}"), held.get(unit, 0),
                expected_units.get(unit, 0)))  # fmt: skip
    clearing_cash = cash.clearing_cash_code(jurisdiction.code)
    balance = cash.balances(connection).get(clearing_cash, 0)
    if balance != expected_fen:
        problems.append(clearing_cash_differs(clearing_cash, balance, expected_fen))
    return problems
