"""The exchange: orders (place, cancel, amend), the book, own orders and fills; public trades
and OHLCV bars of a product.

Orders go through ``services.trading``: units or funds are reserved first, the matching
engine decides, fills settle against payment. The engine's result codes come back in the
one error shape (422, or 404 for an order that is not yours).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from tanshi.api.context import (
    IdempotencyKey,
    Reader,
    Service,
    ServiceDep,
    idempotent_write,
    needs,
)
from tanshi.api.errors import ApiError, from_issues
from tanshi.api.models import MAX_ID, Code, Page, Quantity, Strict
from tanshi.api.routers.paging import PagingDep
from tanshi.core.issues import Issue
from tanshi.core.moments import from_store
from tanshi.market.bars import Interval, bars
from tanshi.market.membership import ACCOUNT_NOT_IN_EXCHANGE_JURISDICTION
from tanshi.market.orders import ResultCode, Side, TimeInForce, cny_to_fen_exact
from tanshi.market.venues import Venue
from tanshi.services import trading
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.market_data import exchange_tape
from tanshi.services.principals import READ_ALL_ORDERS_ROLES, Principal, Scope
from tanshi.store.schema import exchange_commands

router = APIRouter(tags=["market"])
Trader = Annotated[Principal, Depends(needs(Scope.TRADE))]
Product = Annotated[str, Path(min_length=1, max_length=60, description="e.g. DPEA-2016")]
JurisdictionQuery = Annotated[
    str | None, Query(max_length=20, description="the jurisdiction; optional with only one")
]
Price = Annotated[Decimal, Field(gt=0, le=10**7, description="CNY per tonne, whole fen")]
NOT_YOURS = {ResultCode.UNKNOWN_ORDER.value, ResultCode.NOT_ORDER_OWNER.value}


class OrderIn(Strict):
    product: Code
    side: Literal["buy", "sell"]
    quantity_t: Quantity
    price_cny_per_t: Price | None = Field(None, description="omit for a market order")
    time_in_force: Literal["GTC", "IOC", "FOK"] = "GTC"
    account: Code | None = Field(None, description="default: the first account you trade for")


class AmendIn(Strict):
    price_cny_per_t: Price | None = None
    quantity_t: Quantity | None = None


class OrderResultOut(BaseModel):
    order_id: int | None
    account: str
    product: str
    fills: int
    filled_t: int
    resting_t: int


class OrderOut(BaseModel):
    order_id: int
    account: str
    product: str
    side: str
    quantity_t: int
    price_cny_per_t: str | None
    time_in_force: str
    at: str
    resting_t: int
    status: Literal["open", "ended", "refused", "unknown"] = Field(
        description="refused: the matching engine refused the order (refusal_code says why); "
        "open: some of it rests on the book; ended: filled, cancelled or expired; unknown: "
        "logged before the engine's answers were kept (revision 0029) and no longer resting, "
        "so ended or refused"
    )
    ended_as: Literal["filled", "cancelled", "expired"] | None = Field(
        None,
        description="how an ended order ended (None unless status is ended): filled, nothing "
        "of it left; cancelled, its owner cancelled the rest, or an immediate-or-cancel or "
        "fill-or-kill order's untraded rest; expired, still resting at the day's close",
    )
    filled_t: int = Field(0, description="tonnes of the order traded on the exchange so far")
    refusal_code: str | None = Field(description="the engine's result code, when refused")
    refusal_message: str | None = Field(
        description="the refusal as the trader was told it, with that day's figures"
    )


class FillOut(BaseModel):
    trade_id: str
    venue: str
    traded_at: str
    product: str
    quantity_t: int
    price_cny_per_t: str
    buyer: str
    seller: str
    status: str


class BookOut(BaseModel):
    product: str
    phase: str
    reference_cny_per_t: str | None
    bids: list[tuple[str, int]]
    asks: list[tuple[str, int]]


class BarOut(BaseModel):
    start: str
    open: str | None
    high: str | None
    low: str | None
    close: str | None
    volume_t: int
    turnover_cny: str
    trade_count: int


class TradeOut(BaseModel):
    traded_at: str
    price_cny_per_t: str
    quantity_t: int
    kind: str


def cny(fen: int | None) -> str | None:
    return None if fen is None else f"{Decimal(fen) / 100:.2f}"


def exchange_of(
    svc: Service, code: str | None, who: Principal | None = None
) -> tuple[Jurisdiction, Venue]:
    """The exchange of jurisdiction ``code``; asked for ``who``, one of its jurisdiction only
    (``Service.jurisdiction``: its own when none is named, 403 for another)."""
    jurisdiction = svc.jurisdiction(code, who=who)
    venue = trading.venue_of(jurisdiction)
    if venue is None:
        raise ApiError(404, "no_exchange", f"jurisdiction {jurisdiction.code} has no exchange "
                       "in tanshi", "query.jurisdiction")  # fmt: skip
    return jurisdiction, venue


def listed(venue: Venue, product: str, field: str) -> str:
    if venue.product(product) is None:
        known = ", ".join(p.code for p in venue.products)
        raise ApiError(404, "unknown_product", f"{venue.venue.code} does not list {product}; "
                       f"it lists {known}", field)  # fmt: skip
    return product


# The request's field each refusal of the engine or the exchange is about; the engine and the
# reservations locate their refusals by the order's own key (``order/DPEX/3042``), which a
# client did not send.
ORDER_FIELDS: dict[str, str | None] = {
    **dict.fromkeys(
        (
            ResultCode.QUANTITY_MUST_BE_POSITIVE.value,
            ResultCode.QUANTITY_OFF_LOT.value,
            ResultCode.QUANTITY_ABOVE_MAXIMUM.value,
            "insufficient_units",
            "insufficient_funds",
            "units_reserved_for_sell_orders",
        ),
        "body.quantity_t",
    ),
    **dict.fromkeys(
        (
            ResultCode.PRICE_MUST_BE_POSITIVE.value,
            ResultCode.PRICE_OFF_TICK.value,
            ResultCode.PRICE_OUTSIDE_LIMITS.value,
            ResultCode.MARKET_ORDER_IN_CALL_AUCTION.value,
        ),
        "body.price_cny_per_t",
    ),
    **dict.fromkeys(
        (ResultCode.TIME_IN_FORCE_NOT_ALLOWED.value, ResultCode.FOK_NOT_FILLABLE.value),
        "body.time_in_force",
    ),
    ResultCode.SELF_TRADE_IN_CALL.value: "body.side",
    ResultCode.UNKNOWN_PRODUCT.value: "body.product",
    ResultCode.UNKNOWN_ORDER.value: "path.order_id",
    ResultCode.NOT_ORDER_OWNER.value: "path.order_id",
    ResultCode.MARKET_CLOSED.value: None,  # the moment, not anything the request said
}


AMEND_FIELDS = ("quantity_t", "price_cny_per_t")


def refused(issues: list[Issue], account_field: str | None = None) -> ApiError:
    """The engine's or the exchange's refusal, each problem at the request's field it is about
    (``ORDER_FIELDS``); an account of another jurisdiction is named by ``account_field``, the
    request's field that chose it."""
    status = 404 if issues[0].code in NOT_YOURS else 422

    def field_of(issue: Issue) -> str | None:
        if account_field and issue.code == ACCOUNT_NOT_IN_EXCHANGE_JURISDICTION:
            return account_field
        if issue.code in ORDER_FIELDS:
            return ORDER_FIELDS[issue.code]
        if issue.where in AMEND_FIELDS:  # an amend above its reservation: what it raised
            return f"body.{issue.where}"
        return "body" if issue.where.startswith("order/") else issue.where

    return from_issues(status, issues, field_of)


def _owners(svc: Service, who: Principal) -> list[str] | None:
    return None if who.role in READ_ALL_ORDERS_ROLES else trading.trading_accounts(svc.engine, who)


def _account(svc: Service, who: Principal, wanted: str | None, place: Jurisdiction) -> str:
    """The account to trade for: ``wanted`` if ``who`` may trade for it (one of another
    jurisdiction is refused by the exchange, ``account_not_in_exchange_jurisdiction``), or
    the first of ``who``'s accounts the exchange trades."""
    mine = trading.trading_accounts(svc.engine, who)
    if wanted is None:
        here = trading.trading_accounts(svc.engine, who, place.id)
        if here:
            return here[0]
    if wanted is None or wanted not in mine:
        raise ApiError(404, "unknown_account", f"no account {wanted or ''} of {place.code} that "
                       f"you may trade for; yours: {', '.join(mine) or 'none'}", "body.account")  # fmt: skip
    return wanted


@router.post("/exchange/orders", response_model=OrderResultOut, status_code=201)
def place_order(
    body: OrderIn, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Trader,
    jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Enter a limit (with a price) or market order; 201 with what it filled and left resting."""

    def run() -> tuple[int, dict]:
        place, venue = exchange_of(svc, jurisdiction, who)
        listed(venue, body.product, "body.product")
        account = _account(svc, who, body.account, place)
        price = None
        if body.price_cny_per_t is not None:
            price = cny_to_fen_exact(body.price_cny_per_t)
            if price is None:
                raise ApiError(422, ResultCode.PRICE_OFF_TICK.value, "give the price in whole "
                               "fen (two decimals)", "body.price_cny_per_t")  # fmt: skip
        side = Side.BUY if body.side == "buy" else Side.SELL
        result = trading.place_order(svc.engine, place, venue, body.product, account, side,
                                     body.quantity_t, price, TimeInForce[body.time_in_force],
                                     svc.now())  # fmt: skip
        if result.issues:
            raise refused(result.issues, "body.account")
        return 201, {"order_id": result.order_id, "account": account, "product": body.product,
                     "fills": result.fills, "filled_t": result.filled_t,
                     "resting_t": result.resting_t}  # fmt: skip

    status, shown = idempotent_write(svc, request, who, key, "order", body.product,
                                     body.model_dump(mode="json"), run)  # fmt: skip
    return JSONResponse(shown, status_code=status)


def _stored_order(svc: Service, venue: Venue, order_id: int) -> tuple[str, str]:
    with svc.engine.connect() as connection:
        row = connection.execute(
            select(exchange_commands.c.product, exchange_commands.c.owner).where(
                exchange_commands.c.venue == venue.venue.code,
                exchange_commands.c.kind == "NewOrder",
                exchange_commands.c.order_id == order_id,
            )
        ).first()
    if row is None:
        raise ApiError(404, ResultCode.UNKNOWN_ORDER.value, f"no order {order_id} of yours",
                       "path.order_id")  # fmt: skip
    return row.product.split(":", 1)[-1], row.owner


def _change(
    svc: Service, who: Principal, order_id: int, jurisdiction: str | None,
    price: Decimal | None = None, quantity: int | None = None,
) -> tuple[int, dict]:  # fmt: skip
    place, venue = exchange_of(svc, jurisdiction, who)
    product, owner = _stored_order(svc, venue, order_id)
    if owner not in trading.trading_accounts(svc.engine, who):
        raise ApiError(404, ResultCode.UNKNOWN_ORDER.value, f"no order {order_id} of yours",
                       "path.order_id")  # fmt: skip
    fen = None
    if price is not None:
        fen = cny_to_fen_exact(price)
        if fen is None:
            raise ApiError(422, ResultCode.PRICE_OFF_TICK.value, "give the price in whole fen",
                           "body.price_cny_per_t")  # fmt: skip
    result = trading.change_order(svc.engine, place, venue, product, owner, order_id, svc.now(),
                                  fen, quantity)  # fmt: skip
    if result.issues:
        raise refused(result.issues)
    return 200, {"order_id": order_id, "account": owner, "product": product,
                 "fills": result.fills, "filled_t": result.filled_t,
                 "resting_t": result.resting_t}  # fmt: skip


OrderId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post("/exchange/orders/{order_id}/cancel", response_model=OrderResultOut)
def cancel_order(
    order_id: OrderId, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Trader,
    jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Take your resting order off the book; what it reserved and did not use is released."""
    status, shown = idempotent_write(
        svc, request, who, key, "order_cancel", str(order_id), {"order_id": order_id},
        lambda: _change(svc, who, order_id, jurisdiction),
    )  # fmt: skip
    return JSONResponse(shown, status_code=status)


@router.post("/exchange/orders/{order_id}/amend", response_model=OrderResultOut)
def amend_order(
    order_id: OrderId, body: AmendIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Trader, jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Lower your resting order's quantity or change its price (a buy within what it reserved)."""
    if body.price_cny_per_t is None and body.quantity_t is None:
        raise ApiError(422, ResultCode.AMEND_CHANGES_NOTHING.value, "give a new price or "
                       "quantity", "body")  # fmt: skip
    status, shown = idempotent_write(
        svc, request, who, key, "order_amend", str(order_id),
        {"order_id": order_id} | body.model_dump(mode="json"),
        lambda: _change(svc, who, order_id, jurisdiction, body.price_cny_per_t, body.quantity_t),
    )  # fmt: skip
    return JSONResponse(shown, status_code=status)


@router.get("/exchange/orders", response_model=Page[OrderOut])
def list_orders(
    who: Reader, svc: ServiceDep, paging: PagingDep, jurisdiction: JurisdictionQuery = None
) -> dict:
    """Orders of the accounts you trade for, newest first (the exchange operator, regulators
    and auditors see all, of their jurisdiction if bound to one), each with its status: an
    order the engine refused carries its code and reason."""
    place, venue = exchange_of(svc, jurisdiction, who)
    rows, total = trading.order_rows(svc.engine, venue, _owners(svc, who), paging.limit,
                                     paging.offset)  # fmt: skip
    trading.with_status(svc.engine, place, venue, rows, svc.now())
    items = []
    for row in rows:
        items.append({**{k: v for k, v in row.items() if k not in ("price_fen", "trading_day", "answer_recorded")},
                      "price_cny_per_t": cny(row["price_fen"]), "at": _iso(row["at"])})  # fmt: skip
    return _page(items, total, paging.limit, paging.offset)


@router.get("/exchange/fills", response_model=Page[FillOut])
def list_fills(
    who: Reader, svc: ServiceDep, paging: PagingDep, jurisdiction: JurisdictionQuery = None,
    product: Annotated[str | None, Query(max_length=60)] = None,
) -> dict:  # fmt: skip
    """Exchange trades of the accounts you trade for, newest first (the operator, regulators
    and auditors see all of the jurisdiction's)."""
    place, _venue = exchange_of(svc, jurisdiction, who)
    rows, total = trading.fill_rows(svc.engine, place.id, _owners(svc, who), product,
                                    paging.limit, paging.offset)  # fmt: skip
    items = [{**{k: v for k, v in row.items() if k != "price_fen"},
              "price_cny_per_t": cny(row["price_fen"]), "traded_at": _iso(row["traded_at"])}
             for row in rows]  # fmt: skip
    return _page(items, total, paging.limit, paging.offset)


@router.get("/exchange/book/{product}", response_model=BookOut)
def book(
    product: Product, who: Reader, svc: ServiceDep, jurisdiction: JurisdictionQuery = None,
    depth: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict:  # fmt: skip
    """The book of ``product`` now, aggregated by price level, best first."""
    place, venue = exchange_of(svc, jurisdiction)
    listed(venue, product, "path.product")
    found = trading.book_levels(svc.engine, place, venue, product, svc.now(), depth)
    return {"product": product, "phase": found["phase"],
            "reference_cny_per_t": cny(found["reference_fen"]),
            "bids": [(cny(p), q) for p, q in found["bids"]],
            "asks": [(cny(p), q) for p, q in found["asks"]]}  # fmt: skip


@router.get("/public/market/{product}/trades", response_model=Page[TradeOut])
def public_trades(
    product: Product, svc: ServiceDep, paging: PagingDep, jurisdiction: JurisdictionQuery = None
) -> dict:
    """The exchange's trades of ``product`` (listed and block), newest first; no login."""
    _place, venue = exchange_of(svc, jurisdiction)
    listed(venue, product, "path.product")
    trades, _label, _market = exchange_tape(svc.engine, venue, product)
    trades = trades[::-1]
    items = [{"traded_at": t.traded_at.isoformat(), "price_cny_per_t": f"{t.price_cny_per_t:.2f}",
              "quantity_t": t.quantity_t, "kind": t.kind.value}
             for t in trades[paging.offset : paging.offset + paging.limit]]  # fmt: skip
    return _page(items, len(trades), paging.limit, paging.offset)


@router.get("/public/market/{product}/bars", response_model=list[BarOut])
def public_bars(
    product: Product, svc: ServiceDep, jurisdiction: JurisdictionQuery = None,
    interval: Interval = Interval.DAY,
    last: Annotated[int, Query(ge=1, le=1000, description="the most recent bars")] = 60,
) -> list[dict]:  # fmt: skip
    """OHLCV bars of ``product`` at ``interval`` (listed trades form prices); no login."""
    return [bar_body(b) for b in product_bars(svc, jurisdiction, product, interval)[-last:]]


def product_bars(svc: Service, jurisdiction: str | None, product: str, interval: Interval):
    _place, venue = exchange_of(svc, jurisdiction)
    listed(venue, product, "path.product")
    trades, _label, _market = exchange_tape(svc.engine, venue, product)
    return bars(trades, interval, ZoneInfo(venue.venue.timezone))


def bar_body(bar) -> dict:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:.2f}"

    return {"start": bar.start.isoformat(), "open": text(bar.open), "high": text(bar.high),
            "low": text(bar.low), "close": text(bar.close), "volume_t": bar.volume_t,
            "turnover_cny": f"{bar.turnover_cny:.2f}", "trade_count": bar.trade_count}  # fmt: skip


def _iso(value: datetime) -> str:
    return from_store(value).isoformat()


def _page(items: list, total: int, limit: int, offset: int) -> dict:
    following = offset + limit if offset + limit < total else None
    return {"items": items, "total": total, "limit": limit, "offset": offset,
            "next_offset": following}  # fmt: skip
