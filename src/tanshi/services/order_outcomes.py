"""How an exchange order that no longer rests ended: filled, cancelled or expired.

Read from the command log (the order, its accepted amendments and cancellation) and the
listed fills it took part in (trade id ``{venue}-{seq}-{buy order}-{sell order}``, the seq
being the log's; found through the order's reservation), walked in log order: what remains
of the order after each step.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, select

from tanshi.market.orders import TimeInForce
from tanshi.store.engine import reader
from tanshi.store.schema import (
    exchange_commands,
    funds_reservations,
    settlements,
    unit_reservations,
)

FILLED, CANCELLED, EXPIRED = "filled", "cancelled", "expired"
_ACCEPTED = (None, "ok")  # None: logged before the engine's answers were kept (0029)


def listed_fills(engine: Engine, venue_code: str, order_ids: set[int]) -> dict[int, list]:
    """Order id → its listed fills as (log seq, tonnes), for the orders ``order_ids``.

    Read through the orders' reservations (key ``order/{venue}/{order id}``, unique): a fill
    draws on its buy order's funds and its sell order's units (``services/exchange.py``), and
    the settlements' indexes on those reservations (0034) read only these orders' fills. The
    trade id must name the order on that side too, so a trade recorded by hand against an
    order's reservation under another id is not taken for one of its fills.
    """
    found: dict[int, list] = defaultdict(list)
    if not order_ids:
        return found
    keys = {f"order/{venue_code}/{order_id}": order_id for order_id in order_ids}
    sides = ((funds_reservations, settlements.c.funds_reservation_id, 0),
             (unit_reservations, settlements.c.unit_reservation_id, 1))  # fmt: skip
    with reader(engine).connect() as connection:
        for reservations, column, side in sides:
            query = (
                select(reservations.c.idempotency_key, settlements.c.venue,
                       settlements.c.trade_id, settlements.c.quantity_units)
                .join_from(settlements, reservations, column == reservations.c.id)
                .where(reservations.c.idempotency_key.in_(sorted(keys)))
            )  # fmt: skip
            # The venue is checked here, not in SQL: no planner then prefers the
            # (venue, trade_id) index, which would read every listed fill.
            for key, venue, trade_id, quantity in connection.execute(query):
                seq = (
                    _fill_seq(trade_id, venue_code, side, keys[key]) if venue == "listed" else None
                )
                if seq is not None:
                    found[keys[key]].append((seq, int(quantity)))
    for fills in found.values():
        fills.sort()
    return found


def _fill_seq(trade_id: str, venue_code: str, side: int, order_id: int) -> int | None:
    """The log seq of a listed fill ``{venue}-{seq}-{buy order}-{sell order}`` whose buy
    (``side`` 0) or sell (1) order is ``order_id``; None for another trade id."""
    if not trade_id.startswith(f"{venue_code}-"):
        return None
    head, *ids = trade_id[len(venue_code) + 1 :].rsplit("-", 2)
    if len(ids) != 2 or not head.isdigit() or ids[side] != str(order_id):
        return None
    return int(head)


def _changes(engine: Engine, venue_code: str, order_ids: set[int]) -> dict[int, list]:
    """Order id → its accepted amendments and cancellations as (seq, kind, quantity)."""
    found: dict[int, list] = defaultdict(list)
    if not order_ids:
        return found
    query = select(
        exchange_commands.c.order_id, exchange_commands.c.seq, exchange_commands.c.kind,
        exchange_commands.c.quantity_t, exchange_commands.c.result_code,
    ).where(
        exchange_commands.c.venue == venue_code,
        exchange_commands.c.kind.in_(["AmendOrder", "CancelOrder"]),
        exchange_commands.c.order_id.in_(sorted(order_ids)),
    )  # fmt: skip
    with reader(engine).connect() as connection:
        for order_id, seq, kind, quantity, result in connection.execute(query):
            if result in _ACCEPTED:
                found[int(order_id)].append((int(seq), kind, quantity))
    return found


def with_outcomes(engine: Engine, venue_code: str, orders: list[dict]) -> None:
    """Give each order of ``trading.order_rows`` its ``filled_t`` and, when it ended (status
    ``ended``), its ``ended_as``: ``filled`` when nothing of it is left, ``cancelled`` when its
    owner cancelled the rest or it was immediate-or-cancel / fill-or-kill (the engine drops
    what does not trade at once), else ``expired`` (a day order still resting at the close).
    Needs ``status`` set (``trading.with_status``); ``ended_as`` is None for other statuses."""
    ids = {int(order["order_id"]) for order in orders}
    fills = listed_fills(engine, venue_code, ids)
    changes = _changes(engine, venue_code, ids)
    for order in orders:
        order_id = int(order["order_id"])
        order["filled_t"] = sum(quantity for _seq, quantity in fills.get(order_id, []))
        order["ended_as"] = None
        if order.get("status") != "ended":
            continue
        # Amendments before fills of the same command: a re-entered order trades after it.
        steps = sorted([(seq, 0, kind, q) for seq, kind, q in changes.get(order_id, [])]
                       + [(seq, 1, "fill", q) for seq, q in fills.get(order_id, [])])  # fmt: skip
        left, cancelled = int(order["quantity_t"]), False
        for _seq, _order, kind, quantity in steps:
            if kind == "fill":
                left -= quantity
            elif kind == "AmendOrder" and quantity is not None:
                left = int(quantity)
            elif kind == "CancelOrder" and left > 0:
                cancelled = True
                break
        immediate = order.get("time_in_force") in (TimeInForce.IOC.name, TimeInForce.FOK.name)
        if left <= 0 and not cancelled:
            order["ended_as"] = FILLED
        elif cancelled or immediate:
            order["ended_as"] = CANCELLED
        else:
            order["ended_as"] = EXPIRED
