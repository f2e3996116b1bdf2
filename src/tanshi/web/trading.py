"""The exchange's pages: a trader's order entry, book, orders, fills and K-line chart; the
public market data of each exchange."""

from __future__ import annotations

import uuid
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.routers.facilities import exchange_overviews
from tanshi.api.routers.market import NOT_YOURS, bar_body, cny, exchange_of
from tanshi.core.issues import Issue, Where
from tanshi.core.moments import from_store
from tanshi.market.bars import Interval, bars
from tanshi.market.orders import ResultCode, Side, TimeInForce, cny_to_fen_exact
from tanshi.market.venues import Venue
from tanshi.reports.kline_svg import kline_svg
from tanshi.services import trading, views
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.market_data import exchange_tape
from tanshi.services.principals import READ_ALL_ORDERS_ROLES, Principal, Role, Scope
from tanshi.web.auction_bids import bid_panel
from tanshi.web.common import VisitorDep, allowed, login_redirect
from tanshi.web.forms import (
    Message,
    Refused,
    refusal,
    refusal_of,
    refused_page,
    web_write,
    whole_number,
)
from tanshi.web.i18n import translator
from tanshi.web.numbers import read_decimal
from tanshi.web.refusals import explain
from tanshi.web.render import render
from tanshi.web.sentences import read_detail
from tanshi.web.session import Visitor

router = APIRouter(include_in_schema=False)
ProductQuery = Annotated[str | None, Query(max_length=60)]
PlaceQuery = Annotated[str | None, Query(max_length=20)]
REFRESH = {"HX-Trigger": "market-changed"}
# Who gets the trader's page: those who trade and those who oversee the exchange (who read
# every order). A verifier does neither; the market data page is open to everyone.
TRADE_PAGE_ROLES = set(READ_ALL_ORDERS_ROLES) | {Role.TRADER, Role.COMPLIANCE_OFFICER}


def _chart(svc: Service, venue: Venue, product: str, interval: Interval, locale: str):
    trades, _label, _market = exchange_tape(svc.engine, venue, product)
    found = bars(trades, interval, ZoneInfo(venue.venue.timezone))[-60:]
    _ = translator(locale)
    svg = kline_svg(found, f"{venue.venue.code} {product} · {_(interval.value)}",
                    _("No trades yet."))  # fmt: skip
    return svg, [bar_body(b) for b in found[-10:]][::-1]


def _product(venue: Venue, wanted: str | None) -> str:
    codes = [p.code for p in venue.products]
    return wanted if wanted in codes else codes[0]


def exchanges_for(svc: Service, me: Principal) -> list[dict[str, str]]:
    """The exchanges ``me`` may trade on, by jurisdiction: its own when bound to one, else
    every jurisdiction's that has one (the trader page's selector)."""
    codes = [me.jurisdiction] if me.jurisdiction_bound and me.jurisdiction else [
        row["code"] for row in views.jurisdiction_list(svc.engine)]  # fmt: skip
    found = []
    for code in codes:
        venue = trading.venue_of(svc.jurisdiction(code))
        if venue is not None:
            found.append({"jurisdiction": code, "venue": venue.venue.code})
    return found


def _chosen(exchanges: list[dict[str, str]], wanted: str | None) -> str | None:
    """The jurisdiction whose exchange the page shows: the one named, else the only one of
    ``exchanges``; None when none is named and there is not exactly one."""
    if wanted:
        return wanted
    return exchanges[0]["jurisdiction"] if len(exchanges) == 1 else None


def _panel(svc: Service, who: Visitor, product: str | None, interval: Interval,
           jurisdiction: str | None) -> dict:  # fmt: skip
    me = who.principal
    assert me is not None
    place, venue = exchange_of(svc, jurisdiction, me)
    shown = _product(venue, product)
    every = me.role in READ_ALL_ORDERS_ROLES
    owners = None if every else trading.trading_accounts(svc.engine, me)
    now = svc.now()
    book, shown_resting = trading.book_and_resting(svc.engine, place, venue, shown, now)
    orders, _total = trading.order_rows(svc.engine, venue, owners, 20, 0)
    fills, _total = trading.fill_rows(svc.engine, place.id, owners, shown, 20, 0)
    svg, latest = _chart(svc, venue, shown, interval, who.locale)
    zone = ZoneInfo(venue.venue.timezone)
    for fill in fills:
        fill["traded_at"] = f"{from_store(fill['traded_at']).astimezone(zone):%Y-%m-%d %H:%M:%S}"
    trading.with_status(svc.engine, place, venue, orders, now, {shown: shown_resting})
    _with_reasons(orders, translator(who.locale))
    mine = set(trading.trading_accounts(svc.engine, me)) if Scope.TRADE in me.scopes else set()
    return dict(place=place.code, venue=venue, product=shown, interval=interval, book=book, cny=cny,
                orders=orders, every=every, mine=mine, fills=fills, chart=svg,
                latest=latest)  # fmt: skip


def _with_reasons(orders: list[dict], _) -> None:
    """A refused order's code explained and its recorded sentence, in the page's language."""
    for order in orders:
        if order["refusal_code"] is not None:
            order["reason"] = _(explain(order["refusal_code"]) or order["refusal_code"])
            order["detail"] = read_detail(order["refusal_message"], _)


def _not_for_you(request: Request, svc: Service, who: Visitor) -> Response | None:
    """The 403 page for a role that neither trades nor oversees the exchange (a verifier)."""
    if allowed(who, TRADE_PAGE_ROLES):
        return None
    return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                  message="your role does not trade: the exchange's prices and trades are on "
                  "the Market data page")  # fmt: skip


@router.get("/trade", response_class=HTMLResponse)
def trade_page(request: Request, svc: ServiceDep, who: VisitorDep, product: ProductQuery = None,
               interval: Interval = Interval.DAY, jurisdiction: PlaceQuery = None) -> Response:  # fmt: skip
    """Order entry, the book, own orders and fills, the K-line chart of one product, on the
    exchange of ``jurisdiction`` (chosen on the page when the visitor may trade on several)."""
    if who.principal is None:
        return login_redirect("/trade")
    if (refused := _not_for_you(request, svc, who)) is not None:
        return refused
    me = who.principal
    exchanges = exchanges_for(svc, me)
    chosen = _chosen(exchanges, jurisdiction)
    if chosen is None and len(exchanges) > 1:
        return render(request, svc, who, "trade.html", exchanges=exchanges, place=None)
    try:
        panel = _panel(svc, who, product, interval, chosen)
    except ApiError as error:
        return refused_page(request, svc, who, error)
    # The exchange trades its own jurisdiction's accounts only: offer those.
    place = svc.jurisdiction(panel["place"])
    accounts = (
        trading.trading_accounts(svc.engine, me, place.id) if Scope.TRADE in me.scopes else []
    )
    return render(request, svc, who, "trade.html", accounts=accounts, intervals=list(Interval),
                  products=[p.code for p in panel["venue"].products], form_key=uuid.uuid4().hex,
                  exchanges=exchanges, **panel, **bid_panel(svc, me, place.code))  # fmt: skip


@router.get("/trade/panel", response_class=HTMLResponse)
def trade_panel(request: Request, svc: ServiceDep, who: VisitorDep, product: ProductQuery = None,
                interval: Interval = Interval.DAY, jurisdiction: PlaceQuery = None) -> Response:  # fmt: skip
    """The book, orders, fills and chart again (htmx refreshes it after each order)."""
    if who.principal is None:
        return login_redirect("/trade")
    if (refused := _not_for_you(request, svc, who)) is not None:
        return refused
    try:
        panel = _panel(svc, who, product, interval, jurisdiction)
    except ApiError as error:
        return refused_page(request, svc, who, error)
    return render(request, svc, who, "_trade_panel.html", **panel)


def _price(text: str | None) -> int | None:
    if not (text or "").strip():
        return None
    value = read_decimal(text)
    if value is None:
        raise Refused("invalid_price", "enter the price in CNY per tonne, e.g. 28.50")
    if value <= 0:
        raise refusal(ResultCode.PRICE_MUST_BE_POSITIVE.value, "the price must be above zero")
    if value >= 10**7:
        raise Refused("invalid_price", "enter the price in CNY per tonne, e.g. 28.50")
    fen = cny_to_fen_exact(value)
    if fen is None:
        raise refusal(ResultCode.PRICE_OFF_TICK.value,
                      "the price must be a multiple of CNY 0.01 per tonne (the tick)")  # fmt: skip
    return fen


def _refused_by(issues) -> Refused:
    return refusal_of(issues)


def _exchange(svc: Service, me: Principal, form: dict[str, str]) -> tuple[Jurisdiction, Venue]:
    """The exchange the form was sent for (its hidden ``jurisdiction``, as the page chose)."""
    try:
        return exchange_of(svc, form.get("jurisdiction") or None, me)
    except ApiError as error:
        raise refusal(error.code, error.message) from error


SIDES = {"buy": Side.BUY, "sell": Side.SELL}


def _side_and_time_in_force(form: dict[str, str]) -> tuple[Side, TimeInForce]:
    """The order's side (buy or sell, required) and time in force (GTC, IOC or FOK; GTC when
    the form has none, as the API's default): any other value is refused at its field, both
    at once, never read as a buy or a GTC order."""
    side = SIDES.get(form.get("side", ""))
    tif_text = form.get("time_in_force", "GTC")
    tif = TimeInForce.__members__.get(tif_text)
    issues = []
    if side is None:
        issues.append(Issue.of("invalid_side", "'{given}' is not a side: choose buy or sell",
                               Where.of("Side"), given=form.get("side", "")[:40]))  # fmt: skip
    if tif is None:
        issues.append(Issue.of(
            "invalid_time_in_force", "'{given}' is not a time in force: choose GTC (good till "
            "cancelled), IOC (immediate or cancel) or FOK (fill or kill)",
            Where.of("Time in force"), given=tif_text[:40]))  # fmt: skip
    if issues:
        raise refusal(issues[0].code, issues=issues, located=True)
    assert side is not None and tif is not None
    return side, tif


def _order(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    if Scope.TRADE not in me.scopes:
        raise Refused("forbidden", "your role does not trade")
    place, venue = _exchange(svc, me, form)
    product = form.get("product", "")
    if venue.product(product) is None:
        raise Refused("unknown_product", "choose a listed product")
    account = form.get("account", "")
    if account not in trading.trading_accounts(svc.engine, me):
        raise Refused("unknown_account", "choose one of your accounts to trade for")
    side, tif = _side_and_time_in_force(form)
    quantity = whole_number(form.get("quantity_t"), "Quantity (t)")
    result = trading.place_order(
        svc.engine, place, venue, product, account, side, quantity, _price(form.get("price")),
        tif, svc.now(),
    )  # fmt: skip
    if result.issues:
        raise _refused_by(result.issues)
    return "order {id}: {filled} t filled, {resting} t resting", {
        "id": result.order_id, "filled": result.filled_t, "resting": result.resting_t}  # fmt: skip


@router.post("/trade/order", response_class=HTMLResponse)
async def place_order(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    response = await web_write(request, svc, who, "order", "web",
                               lambda form, me: _order(svc, me, form),
                               key_input="order-key")  # fmt: skip
    response.headers.update(REFRESH)
    return response


def _cancel(svc: Service, me: Principal, order_id: int, form: dict[str, str]) -> Message:
    place, venue = _exchange(svc, me, form)
    mine = trading.trading_accounts(svc.engine, me)
    rows, _total = trading.order_rows(svc.engine, venue, mine, 10**6, 0)
    row = next((r for r in rows if r["order_id"] == order_id), None)
    if row is None or Scope.TRADE not in me.scopes:
        raise Refused(ResultCode.UNKNOWN_ORDER.value, "no such order of yours")
    result = trading.change_order(svc.engine, place, venue, row["product"], row["account"],
                                  order_id, svc.now())  # fmt: skip
    if result.issues:
        if result.issues[0].code in NOT_YOURS:
            raise Refused(result.issues[0].code, "no such order of yours")
        raise _refused_by(result.issues)
    return "order {id} cancelled", {"id": order_id}


@router.post("/trade/orders/{order_id}/cancel", response_class=HTMLResponse)
async def cancel_order(
    order_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request, svc: ServiceDep,
    who: VisitorDep,
) -> Response:  # fmt: skip
    response = await web_write(request, svc, who, "order_cancel", str(order_id),
                               lambda form, me: _cancel(svc, me, order_id, form))  # fmt: skip
    response.headers.update(REFRESH)
    return response


@router.get("/market", response_class=HTMLResponse)
def market_page(request: Request, svc: ServiceDep, who: VisitorDep,
                interval: Interval = Interval.DAY) -> Response:  # fmt: skip
    """Each exchange's products: the latest bars and the K-line chart; no login needed."""
    exchanges = []
    for listed in views.jurisdiction_list(svc.engine):
        place, venue = svc.jurisdiction(listed["code"]), None
        venue = trading.venue_of(place)
        if venue is None:
            continue
        products = []
        for product in venue.products:
            svg, latest = _chart(svc, venue, product.code, interval, who.locale)
            products.append({"code": product.code, "chart": svg, "latest": latest})
        exchanges.append({"jurisdiction": place.code, "venue": venue, "products": products})
    return render(request, svc, who, "market.html", exchanges=exchanges, interval=interval,
                  intervals=list(Interval), overview=exchange_overviews(svc))  # fmt: skip
