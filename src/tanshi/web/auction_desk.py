"""The regulator's bid-book forms on the allocation page: announce an auction with its bidding
window, close and clear it, or cancel it with a reason (the page itself, with the book, is
web/allocation.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.api.limits import AUCTION_CODE_CHARS, CANCEL_REASON_CHARS
from tanshi.api.routers.auctions import AUCTION_CODE_PATTERN
from tanshi.services import bid_book, bid_book_cancel, bid_book_clearing, bid_book_reads
from tanshi.services.principals import Principal, Scope
from tanshi.web.allocation import AUCTION_CODE, DeskKeys, optional_decimal, place_of
from tanshi.web.common import VisitorDep
from tanshi.web.forms import (
    Message,
    Refused,
    Verbatim,
    refusal_of,
    seed_number,
    text_field,
    web_write,
    whole_number,
)

router = APIRouter(include_in_schema=False)
CodePath = Annotated[str, Path(pattern=AUCTION_CODE_PATTERN)]


def _local(text: str | None, name: str, zone: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text or "").strip())
    except ValueError as error:
        raise Refused("invalid_moment", "{name}: enter a date and time, e.g. 2017-03-01T09:00",
                      name=name) from error  # fmt: skip
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _announce(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    if Scope.REGULATE not in me.scopes:
        raise Refused("forbidden", "only the regulator announces auctions")
    place = place_of(svc, me)
    code = text_field(form, "code", "Auction code", AUCTION_CODE_CHARS)
    if not AUCTION_CODE.fullmatch(code):
        raise Refused("invalid_code", "give the auction a code of letters, digits, '.', '_' "
                      "and '-', e.g. 2016-1")  # fmt: skip
    zone = ZoneInfo(place.rulebook.rulebook.timezone)
    opens = _local(form.get("opens_at"), "Window opens", zone)
    closes = _local(form.get("closes_at"), "Window closes", zone)
    typed_day = form.get("auction_on", "").strip()
    if not typed_day:  # left empty: the day the window closes, as the form's hint says
        day = closes.astimezone(zone).date()
    else:
        try:
            day = date.fromisoformat(typed_day)
        except ValueError as error:
            raise Refused("invalid_date", "{name}: '{given}' is not a day of the calendar: "
                          "enter a date, e.g. 2017-06-22", name="Auction day",
                          given=Verbatim(typed_day[:40])) from error  # fmt: skip
    volume = whole_number(form["volume_t"], "Volume (t)") if form.get("volume_t") else None
    _id, issues = bid_book.announce(
        svc.engine, place, code=code, year=whole_number(form.get("year"), "Year"),
        auction_on=day, opens_at=opens, closes_at=closes, now=svc.now(), by=me.username,
        volume_t=volume,
        reserve_price_per_t=optional_decimal(form.get("reserve_price"), "Reserve price"),
    )  # fmt: skip
    if issues:
        raise refusal_of(issues)
    return "auction {code} announced: bids from {opens} until {closes}", {
        "code": code, "opens": f"{opens:%Y-%m-%d %H:%M}", "closes": f"{closes:%Y-%m-%d %H:%M}"}  # fmt: skip


def _clear(svc: Service, me: Principal, code: str, form: dict[str, str]) -> Message:
    if Scope.REGULATE not in me.scopes:
        raise Refused("forbidden", "only the regulator clears auctions")
    seed = seed_number(form.get("seed"))
    place = place_of(svc, me)
    done, issues = bid_book_clearing.clear_book(svc.engine, place, code, now=svc.now(), seed=seed)
    if done is None:
        raise refusal_of(issues)
    shown = bid_book_reads.notice(svc.engine, me, code, svc.now(), jurisdiction=place.code)
    assert shown is not None
    return "auction {code} cleared: {sold} t sold at {price}, cover ratio {cover}", {
        "code": code, "sold": f"{shown['sold_t']:,}",
        "price": bid_book_reads.price_text(shown["clearing_price_hundredths"]) or "—",
        "cover": shown["cover_ratio"]}  # fmt: skip


def _cancel(svc: Service, me: Principal, code: str, form: dict[str, str]) -> Message:
    if Scope.REGULATE not in me.scopes:
        raise Refused("forbidden", "only the regulator cancels auctions")
    if not form.get("confirm"):
        raise Refused("cancel_not_confirmed", "tick the box to confirm the cancellation")
    reason = text_field(form, "reason", "Reason for cancelling (published)", CANCEL_REASON_CHARS,
                        strip=False)  # fmt: skip
    place = place_of(svc, me)
    done, issues = bid_book_cancel.cancel_notice(
        svc.engine, place, code, reason=reason,
        key=f"web/{me.user_id}/{form.get('form_key', '')}", now=svc.now(), by=me.username,
    )  # fmt: skip
    if done is None:
        raise refusal_of(issues)
    values = {"code": code, "bids": done["bids_cancelled"],
              "released": f"{done['released_fen'] / 100:,.2f}"}  # fmt: skip
    if done["roll_over_from"]:
        return ("auction {code} cancelled: {bids} live bid(s) ended and {released} reserved "
                "funds released; its claim on the {carried} t auction {source} rolled over is "
                "released", values | {"carried": f"{done['roll_over_released_t']:,}",
                                     "source": done["roll_over_from"]})  # fmt: skip
    return ("auction {code} cancelled: {bids} live bid(s) ended and {released} reserved funds "
            "released", values)  # fmt: skip


@router.post("/regulator/auction-notices", response_class=HTMLResponse)
async def announce(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    return await web_write(request, svc, who, "auction_announce", "web",
                           lambda form, me: _announce(svc, me, form),
                           key_input=DeskKeys.notice, key_required=True)  # fmt: skip


@router.post("/regulator/auction-notices/{code}/clear", response_class=HTMLResponse)
async def clear(code: CodePath, request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    return await web_write(request, svc, who, "auction_clear", code,
                           lambda form, me: _clear(svc, me, code, form),
                           key_input=DeskKeys.clear(code), key_required=True)  # fmt: skip


@router.post("/regulator/auction-notices/{code}/cancel", response_class=HTMLResponse)
async def cancel(code: CodePath, request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    return await web_write(request, svc, who, "auction_cancel", code,
                           lambda form, me: _cancel(svc, me, code, form),
                           key_input=DeskKeys.cancel(code), key_required=True)  # fmt: skip
