"""People's orders on the jurisdiction's exchange: place, cancel, amend, read the book.

Each request rebuilds the venue's books from the stored command log (the trading day's
commands replayed: day orders start each day empty), applies the session's phase changes
due by now, then the person's command through ``ExchangeSession`` — so an order reserves
units or funds first, each fill settles against the two reservations, and what an order did
not use is released — and stores the new commands. One lock per process serialises the
requests of one service: the log's ``(venue, seq)`` key refuses a second writer anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from threading import Lock
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, or_, select

from tanshi.core.issues import Issue
from tanshi.market.events import AmendOrder, CancelOrder, session_commands
from tanshi.market.orders import BUY, ResultCode, Side, TimeInForce
from tanshi.market.venues import Venue, schedule
from tanshi.resources import load_settlement_rules, load_venue, venue_ids
from tanshi.scenario.agent_flow import OrderIntent
from tanshi.services import reservations
from tanshi.services.exchange import DayReport, ExchangeSession, OpenOrder, order_release_memo
from tanshi.services.exchange_log import stored_log, traded_days
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.order_outcomes import with_outcomes
from tanshi.services.principals import Principal
from tanshi.services.settlement import settle_due
from tanshi.store.engine import reader
from tanshi.store.schema import (
    accounts,
    exchange_commands,
    organisations,
    representatives,
    settlements,
    unit_classes,
)

_LOCK = Lock()


@dataclass(frozen=True, slots=True)
class OrderResult:
    """What one command did: the order, the fills it caused, or why it was refused."""

    order_id: int | None
    fills: int
    filled_t: int
    resting_t: int
    issues: list[Issue]


def venue_of(jurisdiction: Jurisdiction) -> Venue | None:
    """The exchange tanshi ships for the jurisdiction's rulebook, if any."""
    rulebook_id = jurisdiction.rulebook.rulebook.id
    return load_venue(rulebook_id) if rulebook_id in venue_ids() else None


def _session(engine: Engine, jurisdiction: Jurisdiction, venue: Venue, product: str):
    rules = load_settlement_rules(jurisdiction.rulebook.rulebook.id)
    return ExchangeSession(engine, jurisdiction, venue, rules, product, None)


def _drain(session: ExchangeSession, at: datetime, report: DayReport) -> None:
    for event in session.new_events():
        if event[0] == "fill":
            session.settle_fill(event, at, report)
        elif event[0] == "cancelled":
            session.release_unused(event[3], event[4], at)


def _open_day(session: ExchangeSession, day: date, until: datetime) -> DayReport:
    """Replay ``day``'s stored commands, then apply its session commands due by ``until``."""
    key, code = session.key, session.venue.venue.code
    today = stored_log(session.engine, code, day)
    session.exchange.seq -= len(today)
    for command in today:
        session.exchange.apply(command)
    session.seen = len(session.exchange.events)
    for side, owner, _price, quantity, order_id in session.exchange.books[key].resting():
        session.open[order_id] = OpenOrder(str(owner), side, quantity)
    done = sum(1 for c in today if c.product == key and not hasattr(c, "order_id"))
    due = [c for c in session_commands(session.venue, day, session.references)
           if c.product == key][done:]  # fmt: skip
    report = DayReport(day)
    for command in due:
        if command.at > until:
            break
        session.apply(command)
        _drain(session, command.at, report)
    return report


def _live(
    engine: Engine, jurisdiction: Jurisdiction, venue: Venue, product: str, at: datetime
) -> tuple[ExchangeSession, DayReport] | None:
    """The product's books as of ``at``; closes an earlier unfinished day first."""
    zone = ZoneInfo(venue.venue.timezone)
    day = at.astimezone(zone).date()
    logged = traded_days(engine, venue.venue.code)
    if logged is not None and logged[1] < day:
        earlier = _session(engine, jurisdiction, venue, product)
        _open_day(earlier, logged[1], datetime.max.replace(tzinfo=zone))
        earlier.store(logged[1])
    if not schedule(venue, day):
        return None
    session = _session(engine, jurisdiction, venue, product)
    report = _open_day(session, day, at)
    return session, report


def _finish(session: ExchangeSession, day: date, at: datetime) -> None:
    session.store(day)
    settle_due(session.engine, session.jurisdiction, day, at)


def _closed(product: str) -> OrderResult:
    issue = Issue(ResultCode.MARKET_CLOSED.value, f"{product} does not trade now", "at")
    return OrderResult(None, 0, 0, 0, [issue])


def place_order(
    engine: Engine, jurisdiction: Jurisdiction, venue: Venue, product: str, owner: str,
    side: Side, quantity_t: int, price_fen: int | None, time_in_force: TimeInForce,
    at: datetime,
) -> OrderResult:  # fmt: skip
    """Enter an order for ``owner``'s account: reserve, match, settle, log."""
    with _LOCK:
        live = _live(engine, jurisdiction, venue, product, at)
        if live is None:
            return _closed(product)
        session, report = live
        order_id = session.next_order_id
        session.place(OrderIntent(at, order_id, owner, int(side), quantity_t, price_fen,
                                   int(time_in_force)), report)  # fmt: skip
        if report.refused:
            session.store(at.astimezone(session.zone).date())
            return OrderResult(None, 0, 0, 0, report.refused)
        before = report.listed_t
        _drain(session, at, report)
        _finish(session, at.astimezone(session.zone).date(), at)
        left = session.open.get(order_id)
        return OrderResult(order_id, report.fills, report.listed_t - before,
                           left.left_t if left else 0, [])  # fmt: skip


def change_order(
    engine: Engine, jurisdiction: Jurisdiction, venue: Venue, product: str, owner: str,
    order_id: int, at: datetime, price_fen: int | None = None, quantity_t: int | None = None,
) -> OrderResult:  # fmt: skip
    """Cancel (no price and quantity) or amend ``owner``'s resting order.

    An amend may lower the quantity, and a buy's price only within what it reserved: more
    needs a new order (its reservation is fixed when it is entered).
    """
    with _LOCK:
        live = _live(engine, jurisdiction, venue, product, at)
        if live is None:
            return _closed(product)
        session, report = live
        day = at.astimezone(session.zone).date()
        resting = session.open.get(order_id)
        command: CancelOrder | AmendOrder
        if price_fen is None and quantity_t is None:
            command = CancelOrder(at, session.key, order_id, owner)
        else:
            current = _resting_price(session, order_id)
            price = price_fen if price_fen is not None else current
            quantity = quantity_t if quantity_t is not None else (resting.left_t if resting else 0)
            if (
                resting is not None
                and resting.owner == owner
                and price is not None
                and (quantity > resting.left_t or (resting.side == BUY and price > (current or 0)))
            ):
                raised = "quantity_t" if quantity > resting.left_t else "price_cny_per_t"
                return OrderResult(order_id, 0, 0, resting.left_t, [Issue(
                    "amend_exceeds_reservation", "an amend may not raise the quantity or a "
                    "buy's price above what the order reserved; cancel and enter a new order",
                    raised)])  # fmt: skip
            command = AmendOrder(at, session.key, order_id, owner, price or 0, quantity)
        code, why = session.apply(command)
        if why is not None:
            session.seen = len(session.exchange.events)
            session.store(day)
            return OrderResult(order_id, 0, 0, 0, [Issue(str(code), why, "order_id")])
        if isinstance(command, AmendOrder) and resting is not None:
            unused = resting.left_t - command.quantity_t
            if unused and resting.side != BUY:
                venue_code = session.venue.venue.code
                _, issues = reservations.release_units(
                    engine, jurisdiction, f"order/{venue_code}/{order_id}", unused,
                    f"order/{venue_code}/{order_id}/amend/{session.exchange.seq}", at,
                    order_release_memo(venue_code, order_id, resting.side),
                )  # fmt: skip
                assert not issues, issues
            resting.left_t = command.quantity_t
        _drain(session, at, report)
        _finish(session, day, at)
        left = session.open.get(order_id)
        return OrderResult(order_id, report.fills, report.listed_t,
                           left.left_t if left else 0, [])  # fmt: skip


def _resting_price(session: ExchangeSession, order_id: int) -> int | None:
    for _side, _owner, price, _quantity, found in session.exchange.books[session.key].resting():
        if found == order_id:
            return price
    return None


def book_levels(
    engine: Engine, jurisdiction: Jurisdiction, venue: Venue, product: str, at: datetime,
    depth: int = 10,
) -> dict:  # fmt: skip
    """The aggregated book of ``product`` now: bids and asks (price, quantity), best first."""
    return book_and_resting(engine, jurisdiction, venue, product, at, depth)[0]


def resting_orders(
    engine: Engine, jurisdiction: Jurisdiction, venue: Venue, product: str, at: datetime
) -> dict[int, int]:
    """Order id → quantity still resting, for the product's book now."""
    return book_and_resting(engine, jurisdiction, venue, product, at)[1]


def book_and_resting(
    engine: Engine, jurisdiction: Jurisdiction, venue: Venue, product: str, at: datetime,
    depth: int = 10,
) -> tuple[dict, dict[int, int]]:  # fmt: skip
    """``book_levels`` and ``resting_orders`` of one product from one replay of the day."""
    with _LOCK:
        live = _live(engine, jurisdiction, venue, product, at)
    if live is None:
        return {"phase": "closed", "bids": [], "asks": [], "reference_fen": None}, {}
    book = live[0].exchange.books[live[0].key]
    levels = {"phase": str(book.phase), "reference_fen": book.reference_fen,
              "bids": book.depth(BUY)[:depth], "asks": book.depth(1)[:depth]}  # fmt: skip
    return levels, {order_id: quantity for _s, _o, _p, quantity, order_id in book.resting()}


def order_rows(
    engine: Engine, venue: Venue, owners: list[str] | None, limit: int, offset: int
) -> tuple[list[dict], int]:
    """Orders entered (newest first), of ``owners``' accounts, or all when None."""
    query = select(exchange_commands).where(
        exchange_commands.c.venue == venue.venue.code, exchange_commands.c.kind == "NewOrder"
    )
    if owners is not None:
        query = query.where(exchange_commands.c.owner.in_(owners))
    with reader(engine).connect() as connection:
        rows = connection.execute(query.order_by(exchange_commands.c.seq.desc())).all()
    shaped = [dict(order_id=int(r.order_id), account=r.owner,
                   product=r.product.split(":", 1)[-1], side="buy" if r.side == BUY else "sell",
                   quantity_t=int(r.quantity_t),
                   price_fen=None if r.price_fen is None else int(r.price_fen),
                   time_in_force=TimeInForce(r.time_in_force).name, at=r.at,
                   trading_day=r.trading_day, **_refusal(r)) for r in rows]  # fmt: skip
    return shaped[offset : offset + limit], len(shaped)


def _refusal(row) -> dict[str, str | bool | None]:
    """The engine's refusal of a logged order as it was recorded (migration 0029): its code
    and the sentence the trader got; both None when it accepted the order, or when the order
    was logged before the answer was recorded (``answer_recorded`` False)."""
    refused = row.result_code not in (None, ResultCode.OK.value)
    return {"refusal_code": row.result_code if refused else None,
            "refusal_message": row.result_message if refused else None,
            "answer_recorded": row.result_code is not None}  # fmt: skip


def order_status(order: dict, resting_t: int) -> str:
    """``refused`` when the engine refused the order, ``open`` while some of it rests on the
    book, else ``ended`` (filled, cancelled, an IOC remainder, expired at the close) — or
    ``unknown`` for an order logged before the engine's answers were kept (0029), which
    may have ended or been refused: calling it ended would hide a refusal."""
    if order["refusal_code"] is not None:
        return "refused"
    if resting_t > 0:
        return "open"
    return "ended" if order.get("answer_recorded", True) else "unknown"


def with_status(
    engine: Engine, jurisdiction: Jurisdiction, venue: Venue, orders: list[dict], at: datetime,
    known: dict[str, dict[int, int]] | None = None,
) -> None:  # fmt: skip
    """Give each of ``order_rows``' orders its ``resting_t`` (its product's book at ``at``,
    one replay per product; ``known`` the books already read), its ``status``, its
    ``filled_t`` and, for an ended order, how it ended (``ended_as``: order_outcomes)."""
    resting = dict(known or {})
    for order in orders:
        if order["product"] not in resting:
            resting[order["product"]] = resting_orders(engine, jurisdiction, venue,
                                                       order["product"], at)  # fmt: skip
        order["resting_t"] = resting[order["product"]].get(order["order_id"], 0)
        order["status"] = order_status(order, order["resting_t"])
    with_outcomes(engine, venue.venue.code, orders)


def fill_rows(
    engine: Engine, jurisdiction_id: int, owners: list[str] | None, product: str | None,
    limit: int, offset: int,
) -> tuple[list[dict], int]:  # fmt: skip
    """Exchange trades (listed and block) of jurisdiction ``jurisdiction_id`` touching
    ``owners``' accounts, or all, newest first."""
    buyer, seller = accounts.alias("buyer"), accounts.alias("seller")
    query = (
        select(settlements.c.trade_id, settlements.c.venue, settlements.c.traded_at,
               settlements.c.quantity_units, settlements.c.price_fen_per_t,
               settlements.c.status, buyer.c.code.label("buyer"),
               seller.c.code.label("seller"), unit_classes.c.code.label("product"))
        .join(buyer, buyer.c.id == settlements.c.buyer_account_id)
        .join(seller, seller.c.id == settlements.c.seller_account_id)
        .join(unit_classes, unit_classes.c.id == settlements.c.unit_class_id)
        .where(settlements.c.venue.in_(["listed", "block"]),
               buyer.c.jurisdiction_id == jurisdiction_id)
    )  # fmt: skip
    if owners is not None:
        query = query.where(or_(buyer.c.code.in_(owners), seller.c.code.in_(owners)))
    if product is not None:
        query = query.where(unit_classes.c.code == product)
    with reader(engine).connect() as connection:
        rows = connection.execute(
            query.order_by(settlements.c.traded_at.desc(), settlements.c.id.desc())
        ).all()
    shaped = [dict(trade_id=r.trade_id, venue=r.venue, traded_at=r.traded_at,
                   product=r.product, quantity_t=int(r.quantity_units),
                   price_fen=int(r.price_fen_per_t), buyer=r.buyer, seller=r.seller,
                   status=r.status) for r in rows]  # fmt: skip
    return shaped[offset : offset + limit], len(shaped)


def trading_accounts(
    engine: Engine, principal: Principal, jurisdiction_id: int | None = None
) -> list[str]:
    """The accounts ``principal`` may enter orders for: those they represent with the right
    to initiate, and their organisation's company's accounts; with ``jurisdiction_id``, only
    those opened in that jurisdiction (the ones its exchange trades)."""
    represented = select(representatives.c.account_id).where(
        representatives.c.person == principal.username, representatives.c.can_initiate
    )
    own_company = select(organisations.c.company_id).where(
        organisations.c.id == principal.organisation_id, organisations.c.company_id.is_not(None)
    )
    query = select(accounts.c.code).where(
        or_(accounts.c.id.in_(represented), accounts.c.company_id.in_(own_company)),
        accounts.c.kind.in_(["operator_holding", "trading"]),
    )
    if jurisdiction_id is not None:
        query = query.where(accounts.c.jurisdiction_id == jurisdiction_id)
    with reader(engine).connect() as connection:
        return sorted(connection.execute(query).scalars())
