"""The bid form on the company and trading pages: auctions whose bidding window is open, a
sealed bid for a company you trade for, and your own bids with revise and withdraw."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.services import bid_book, bid_book_reads, trading
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.principals import Principal, Scope
from tanshi.web.common import VisitorDep, login_redirect
from tanshi.web.forms import Message, Refused, refusal_of, web_write, whole_number
from tanshi.web.numbers import read_decimal
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)
BIDS_CHANGED = "bids-changed"  # htmx event: the panel reloads the auctions and your bids
BidPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _place(svc: Service, me: Principal, code: str | None = None) -> Jurisdiction | None:
    try:
        return svc.jurisdiction(code or None, who=me)
    except ApiError:
        return None  # several jurisdictions and none chosen (or one not yours): no form


def bid_panel(svc: Service, me: Principal, jurisdiction: str | None = None) -> dict[str, Any]:
    """Template values for ``_auction_bids.html``: open auctions of ``jurisdiction`` (the
    only one when none is named) and your bids in each."""
    place = _place(svc, me, jurisdiction)
    if place is None:
        return {"auctions": [], "bid_companies": [], "bid_place": None}
    mine = bid_book.bidding_companies(trading.trading_accounts(svc.engine, me), place)
    now = svc.now()
    listed = bid_book_reads.notice_list(svc.engine, now, jurisdiction=place.code, limit=20)
    shown = []
    for row in listed.items:
        if row["phase"] not in ("announced", "open") and not mine:
            continue
        detail = bid_book_reads.notice(svc.engine, me, row["code"], now, jurisdiction=place.code,
                                       own_companies=frozenset(mine))  # fmt: skip
        if detail is None or (row["phase"] == "cleared" and not detail["bids"]):
            continue
        terms = bid_book.notice_terms(place, row["year"], row["offered_t"],
                                      row["reserve_price_hundredths"])  # fmt: skip
        shown.append(detail | {"terms": terms})
    may_bid = Scope.TRADE in me.scopes and bool(mine)
    return {"auctions": shown, "bid_companies": sorted(mine) if may_bid else [],
            "price": bid_book_reads.price_text, "bid_key": uuid.uuid4().hex,
            "bid_place": place.code}  # fmt: skip


def _price(text: str | None) -> Decimal:
    value = read_decimal(text)
    if value is None or not 0 < value < 10**9:
        raise Refused("invalid_price", "enter the price per tonne, e.g. 25.50")
    return value


def _mine(svc: Service, me: Principal, company: str, form: dict[str, str]) -> Jurisdiction:
    place = _place(svc, me, form.get("jurisdiction"))
    if Scope.TRADE not in me.scopes or place is None:
        raise Refused("forbidden", "your role does not bid at auctions")
    accounts = trading.trading_accounts(svc.engine, me)
    # A company you bid for in another jurisdiction: the bid book refuses it by the
    # exchange's rule (account_not_in_exchange_jurisdiction), in the visitor's language.
    if company not in bid_book.bidding_companies(accounts, place) and (
        company not in bid_book.holding_companies(svc.engine, accounts)
    ):
        raise Refused("not_your_bidding_account", "choose a company you bid for")
    return place


def _key(me: Principal, form: dict[str, str]) -> str:
    return f"web/{me.user_id}/{form.get('form_key', '')[:64] or uuid.uuid4().hex}"


def _bid(svc: Service, me: Principal, form: dict[str, str], replaces: int | None) -> Message:
    company = form.get("company", "").strip()
    place = _mine(svc, me, company, form)
    quantity = whole_number(form.get("quantity_t"), "Quantity (t)")
    made, issues = bid_book.submit_bid(
        svc.engine, place, form.get("auction", "").strip(), company, _price(form.get("price")),
        quantity, key=_key(me, form), now=svc.now(), by=me.username, replaces=replaces,
    )  # fmt: skip
    if made is None:
        raise refusal_of(issues)
    return "bid {id} for {company}: {quantity} t at {price}, {reserved} reserved", {
        "id": made["bid_id"], "company": company, "quantity": f"{quantity:,}",
        "price": bid_book_reads.price_text(made["price_hundredths"]),
        "reserved": f"{made['reserved_fen'] / 100:,.2f}"}  # fmt: skip


def _withdraw(svc: Service, me: Principal, form: dict[str, str], bid_id: int) -> Message:
    company = form.get("company", "").strip()
    place = _mine(svc, me, company, form)
    gone, issues = bid_book.withdraw_bid(svc.engine, place, form.get("auction", "").strip(),
                                         company, bid_id, key=_key(me, form), now=svc.now())  # fmt: skip
    if gone is None:
        raise refusal_of(issues)
    return "bid {id} withdrawn; its funds are released", {"id": bid_id}


@router.get("/auctions/bids", response_class=HTMLResponse)
def bids_panel(request: Request, svc: ServiceDep, who: VisitorDep,
               jurisdiction: Annotated[str | None, Query(max_length=20)] = None) -> Response:  # fmt: skip
    """The panel again (htmx reloads it after each bid), of ``jurisdiction``'s auctions."""
    if who.principal is None:
        return login_redirect("/company")
    return render(request, svc, who, "_auction_bids.html",
                  **bid_panel(svc, who.principal, jurisdiction))  # fmt: skip


@router.post("/auctions/bids", response_class=HTMLResponse)
async def submit_bid(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    return await web_write(request, svc, who, "auction_bid", "web",
                           lambda form, me: _bid(svc, me, form, None),
                           key_input="bid-key", trigger=BIDS_CHANGED)  # fmt: skip


@router.post("/auctions/bids/{bid_id}/revise", response_class=HTMLResponse)
async def revise_bid(bid_id: BidPath, request: Request, svc: ServiceDep,
                     who: VisitorDep) -> Response:  # fmt: skip
    return await web_write(request, svc, who, "auction_bid_revise", str(bid_id),
                           lambda form, me: _bid(svc, me, form, bid_id),
                           key_input=f"revise-key-{bid_id}", trigger=BIDS_CHANGED)  # fmt: skip


@router.post("/auctions/bids/{bid_id}/withdraw", response_class=HTMLResponse)
async def withdraw_bid(bid_id: BidPath, request: Request, svc: ServiceDep,
                       who: VisitorDep) -> Response:  # fmt: skip
    return await web_write(request, svc, who, "auction_bid_withdraw", str(bid_id),
                           lambda form, me: _withdraw(svc, me, form, bid_id),
                           key_input=f"withdraw-key-{bid_id}", trigger=BIDS_CHANGED)  # fmt: skip
