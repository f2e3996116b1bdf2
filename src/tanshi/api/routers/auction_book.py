"""The bid book: the regulator announces an auction with a bidding window, companies submit,
revise and withdraw sealed bids while it is open, the regulator closes and clears it (or
cancels it before, with a reason the public sees).

Bids are sealed (a bidder sees its own; regulators and auditors the whole book once it is
cleared or cancelled); the results, and a cancellation's time and reason, are public. ``services.bid_book`` does the work, all or nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tanshi.api.context import (
    IdempotencyKey,
    Reader,
    Service,
    ServiceDep,
    idempotent_write,
    needs,
    registry_key,
)
from tanshi.api.errors import ApiError, ErrorDetail
from tanshi.api.limits import CANCEL_REASON_CHARS, COMPANY_CODE_CHARS
from tanshi.api.models import MAX_ID, Page, Quantity, Strict
from tanshi.api.routers.auctions import AuctionCode, Price
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.core.issues import Issue, Severity
from tanshi.services import (
    auction_reads,
    bid_book,
    bid_book_cancel,
    bid_book_clearing,
    bid_book_reads,
    trading,
)
from tanshi.services.jurisdiction import Jurisdiction, local_date
from tanshi.services.principals import Principal, Scope
from tanshi.services.views import Page as ItemPage

router = APIRouter(tags=["auctions"])
Regulator = Annotated[Principal, Depends(needs(Scope.REGULATE))]
Bidder = Annotated[Principal, Depends(needs(Scope.TRADE))]
CodePath = Annotated[str, Path(max_length=80)]
BidPath = Annotated[int, Path(ge=1, le=MAX_ID)]
JurisdictionQuery = Annotated[
    str | None, Query(max_length=20, description="the jurisdiction; optional with only one")
]
NOT_FOUND = {"unknown_auction", "unknown_bid"}
CONFLICTS = {"auction_code_taken", "bid_not_live", "idempotency_key_reused_with_different_request",
             "auction_cancelled", "auction_already_cleared"}  # fmt: skip


class AnnounceIn(Strict):
    code: AuctionCode = Field(description="the auction's own code, e.g. 2016-3")
    year: Annotated[int, Field(ge=1990, le=2200, description="whose [[auction]] rule applies")]
    auction_on: date = Field(description="the auction day as published")
    opens_at: datetime = Field(description="the bidding window opens (ISO 8601 with offset)")
    closes_at: datetime = Field(description="and closes (exclusive)")
    volume_t: Quantity | None = Field(None, description="default: the rule's volume")
    reserve_price_per_t: Annotated[
        Decimal | None, Field(ge=0, le=10**9, max_digits=14, decimal_places=2)
    ] = Field(None, description="default: the rule's reserve price")


class BidIn(Strict):
    company: Annotated[str | None, Field(min_length=1, max_length=COMPANY_CODE_CHARS)] = Field(
        None, description="the company bidding; default: the only one you bid for"
    )
    price_per_t: Price = Field(description="in the rulebook's currency, a whole number of ticks")
    quantity_t: Quantity


class ReviseIn(Strict):
    price_per_t: Price
    quantity_t: Quantity


class ClearIn(Strict):
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0


class CancelIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=CANCEL_REASON_CHARS)] = (
        Field(description="why the auction is cancelled (a market disruption, a technical "
              "failure, a court order…); kept and published as given")
    )  # fmt: skip


class _AuctionTerms(BaseModel):
    """What an announced auction and a published result share (the window is theirs)."""

    code: str
    jurisdiction: str
    year: int
    auction_on: str
    closed_at: str | None
    phase: Literal["announced", "open", "closed", "cleared", "cancelled"]
    currency: str
    offered_t: int
    carried_in_t: int
    reserve_price_per_t: str
    lot_size_t: int | None
    price_tick: str | None
    purchase_limit_t: int | None
    clearing_price_per_t: str | None
    bid_t: int | None
    sold_t: int | None
    unsold_t: int | None
    rolled_over_t: int | None
    bidders: int | None
    cover_ratio: str | None = Field(description="tonnes bid / tonnes offered, once cleared")


class NoticeOut(_AuctionTerms):
    opens_at: str
    closes_at: str
    cancelled_at: str | None = Field(description="when the regulator cancelled it (UTC); null "
                                     "unless phase is cancelled")  # fmt: skip
    cancelled_by: str | None = Field(description="the regulator's user who cancelled it")
    cancel_reason: str | None = Field(description="why, as the regulator gave it")


class ResultOut(_AuctionTerms):
    via: Literal["bid_book", "one_step"] = Field(
        description="how it ran: cleared from the bid book (announced with a bidding window), "
        "or in one step with its bids given at once (`POST /v1/auctions`, `tanshi auction run "
        "--deliver`: no notice, no window)"
    )
    held_at: str = Field(description="when it was cleared and delivered (UTC)")
    opens_at: str | None = Field(description="the bidding window; null for a one_step auction")
    closes_at: str | None = Field(description="null for a one_step auction")
    auction_on: str = Field(description="the day as published; a one_step auction's is the "
                            "local day it was held")  # fmt: skip
    bid_t: int | None = Field(description="tonnes bid; null for a one_step auction recorded "
                              "before revision 0030, which kept no totals")  # fmt: skip
    bidders: int | None = Field(description="distinct bidders; null as bid_t")


class BidOut(BaseModel):
    bid_id: int
    company: str
    status: Literal["live", "revised", "withdrawn", "cleared", "cancelled"]
    price_per_t: str
    quantity_t: int
    reserved_fen: int
    replaces_bid_id: int | None
    submitted_at: str
    accepted_t: int | None
    awarded_t: int | None


class NoticeDetail(NoticeOut):
    bids: list[BidOut]
    bids_shown: Literal["all", "own", "none"]


class NoteOut(BaseModel):
    code: str
    severity: str
    message: str


class ClearedOut(NoticeDetail):
    notes: list[NoteOut]


class RollOverOut(BaseModel):
    auction: str = Field(description="the auction that rolled the tonnes over")
    t: int


class CancelledOut(NoticeDetail):
    bids_cancelled: int = Field(description="live bids ended with the auction")
    released_fen: int = Field(description="their reserved funds, released to the bidders")
    roll_over_from: str | None = Field(description="the auctions whose roll-overs this one "
                                       "carried in, comma-separated: the claims are released, "
                                       "so the next notice or one-step auction carries them in")  # fmt: skip
    roll_over_released_t: int = Field(description="the tonnes those roll-overs add up to")
    roll_overs_released: list[RollOverOut] = Field(description="each roll-over released")


class CancellationOut(BaseModel):
    """A cancelled auction as published: what was announced, when and why it was cancelled."""

    code: str
    jurisdiction: str
    year: int
    auction_on: str
    opens_at: str
    closes_at: str
    offered_t: int
    cancelled_at: str
    cancel_reason: str


def notice_body(svc: Service, row: dict[str, Any]) -> dict[str, Any]:
    place = svc.jurisdiction(row["jurisdiction"])
    shown = {k: v for k, v in row.items() if not k.endswith("_hundredths")}
    terms = bid_book.notice_terms(place, row["year"], row["offered_t"],
                                  row["reserve_price_hundredths"])  # fmt: skip
    return shown | {
        "currency": place.rulebook.rulebook.currency,
        "reserve_price_per_t": bid_book_reads.price_text(row["reserve_price_hundredths"]),
        "clearing_price_per_t": bid_book_reads.price_text(row["clearing_price_hundredths"]),
        "lot_size_t": terms and terms.lot_size_t,
        "price_tick": terms and str(terms.price_tick),
        "purchase_limit_t": terms and terms.purchase_limit_t,
    }


def bid_body(bid: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in bid.items() if k not in ("price_hundredths", "replayed")}
    return shown | {"price_per_t": bid_book_reads.price_text(bid["price_hundredths"])}


FIELDS = {"bid": "body", "company": "body.company", "code": "path.code",
          "replaces": "path.bid_id", "window": "body.closes_at", "year": "body.year",
          "reason": "body.reason", "key": "header.Idempotency-Key"}  # fmt: skip


def _field(where: str) -> str | None:
    if where.startswith("bid."):
        return "body." + where.removeprefix("bid.")
    return FIELDS.get(where)


def _refused(issues: list[Issue]) -> ApiError:
    details = [ErrorDetail(code=i.code, message=i.message, field=_field(i.where)) for i in issues]
    first = details[0]
    status = 404 if first.code in NOT_FOUND else 409 if first.code in CONFLICTS else 422
    return ApiError(status, first.code, first.message, first.field, details)


def own_companies(svc: Service, who: Principal, place: Jurisdiction) -> dict[str, str]:
    """Company → operator holding account, for the companies ``who`` may bid for."""
    return bid_book.bidding_companies(trading.trading_accounts(svc.engine, who), place)


def detail(svc: Service, who: Principal, place: Jurisdiction, code: str) -> dict[str, Any]:
    mine = frozenset(own_companies(svc, who, place))
    row = bid_book_reads.notice(svc.engine, who, code, svc.now(), jurisdiction=place.code,
                                own_companies=mine)  # fmt: skip
    if row is None:
        raise ApiError(404, "unknown_auction", f"no announced auction {code}", "path.code")
    bids = [bid_body(b) for b in row.pop("bids")]
    return notice_body(svc, row) | {"bids": bids}


@router.get("/auction-notices", response_model=Page[NoticeOut])
def list_notices(
    _who: Reader, svc: ServiceDep, paging: PagingDep, jurisdiction: JurisdictionQuery = None,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
) -> dict:  # fmt: skip
    """Announced auctions, latest window first: window, phase, terms, and results once cleared."""
    page = bid_book_reads.notice_list(svc.engine, svc.now(), jurisdiction=jurisdiction, year=year,
                                      limit=paging.limit, offset=paging.offset)  # fmt: skip
    body = page_body(page)
    body["items"] = [notice_body(svc, row) for row in page.items]
    return body


@router.get("/auction-notices/{code}", response_model=NoticeDetail)
def get_notice(code: CodePath, who: Reader, svc: ServiceDep,
               jurisdiction: JurisdictionQuery = None) -> dict:  # fmt: skip
    """One announced auction with your own bids (regulators and auditors: the whole book, once
    it is cleared or cancelled)."""
    return detail(svc, who, svc.jurisdiction(jurisdiction, "query.jurisdiction", who), code)


def public_result_page(svc: Service, year: int | None, jurisdiction: str | None, *,
                       limit: int, offset: int) -> ItemPage:  # fmt: skip
    """Every cleared auction the public sees (bid book and one step), shaped as the API
    publishes them (the web's public page shows these rows and no more)."""
    code = (
        None if jurisdiction is None else svc.jurisdiction(jurisdiction, "query.jurisdiction").code
    )

    def day_of(place: str, moment: datetime) -> date:
        return local_date(svc.jurisdiction(place), moment)

    page = auction_reads.result_list(svc.engine, day_of, jurisdiction=code, year=year,
                                     limit=limit, offset=offset)  # fmt: skip
    return replace(page, items=[notice_body(svc, row) for row in page.items])


@router.get("/public/auction-results", response_model=Page[ResultOut], tags=["public"])
def public_results(svc: ServiceDep, paging: PagingDep,
                   year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
                   jurisdiction: Annotated[str | None, Query(max_length=20)] = None) -> dict:  # fmt: skip
    """Every cleared auction as published, latest first: clearing price, offered, bid, sold,
    cover ratio, bidders, day; of every jurisdiction, or of ``jurisdiction``. Those cleared
    from the bid book and those run in one step (``via``) alike."""
    page = public_result_page(svc, year, jurisdiction, limit=paging.limit, offset=paging.offset)
    return page_body(page)


@router.get("/public/auction-cancellations", response_model=Page[CancellationOut],
            tags=["public"])  # fmt: skip
def public_cancellations(svc: ServiceDep, paging: PagingDep,
                         year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
                         jurisdiction: Annotated[str | None, Query(max_length=20)] = None) -> dict:  # fmt: skip
    """Every announced auction the regulator cancelled, latest first: its day, window and
    volume, when it was cancelled and why; not who bid what (regulators and auditors read that
    at /v1/auction-notices/{code})."""
    code = (
        None if jurisdiction is None else svc.jurisdiction(jurisdiction, "query.jurisdiction").code
    )
    page = bid_book_reads.cancellation_list(svc.engine, jurisdiction=code, year=year,
                                            limit=paging.limit, offset=paging.offset)  # fmt: skip
    return page_body(page)


@router.post("/auction-notices", response_model=NoticeDetail, status_code=201)
def announce(
    body: AnnounceIn, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Regulator,
    jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Announce an auction: its day, bidding window, volume (plus every roll-over
    available, which it claims) and reserve price, the other terms from the rulebook. 409 ``auction_code_taken``."""

    def run() -> tuple[int, dict]:
        place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
        _id, issues = bid_book.announce(
            svc.engine, place, code=body.code, year=body.year, auction_on=body.auction_on,
            opens_at=body.opens_at, closes_at=body.closes_at, now=svc.now(), by=who.username,
            volume_t=body.volume_t, reserve_price_per_t=body.reserve_price_per_t,
        )  # fmt: skip
        if issues:
            raise _refused(issues)
        return 201, detail(svc, who, place, body.code)

    status, shown = idempotent_write(svc, request, who, key, "auction_announce", body.code,
                                     body.model_dump(mode="json"), run)  # fmt: skip
    return JSONResponse(shown, status_code=status)


def _company(svc: Service, who: Principal, place: Jurisdiction, wanted: str | None) -> str:
    mine = own_companies(svc, who, place)
    if wanted is None:
        if len(mine) != 1:
            raise ApiError(422, "company_required", f"name the company you bid for: one of "
                           f"{sorted(mine) or 'none'}", "body.company")  # fmt: skip
        return next(iter(mine))
    # One you bid for in another jurisdiction: the bid book refuses it by the exchange's rule.
    if wanted not in mine and wanted not in bid_book.holding_companies(
        svc.engine, trading.trading_accounts(svc.engine, who)
    ):
        raise ApiError(403, "not_your_bidding_account", f"you do not bid for {wanted}: bids "
                       "are made by those who trade for its operator holding account",
                       "body.company")  # fmt: skip
    return wanted


@router.post("/auction-notices/{code}/bids", response_model=BidOut, status_code=201)
def submit_bid(
    code: CodePath, body: BidIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Bidder, jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Submit a sealed bid while the window is open; price × quantity is reserved from the
    company's cash account. 422 lists every problem with the bid (lots, ticks, reserve price,
    eligibility, purchase limit, ``insufficient_funds``; ``account_not_in_exchange_jurisdiction``
    for a company whose operator holding account is of another jurisdiction)."""

    def run() -> tuple[int, dict]:
        place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
        company = _company(svc, who, place, body.company)
        bid, issues = bid_book.submit_bid(
            svc.engine, place, code, company, body.price_per_t, body.quantity_t,
            key=registry_key(who, key), now=svc.now(), by=who.username,
        )  # fmt: skip
        if bid is None:
            raise _refused(issues)
        return 201, bid_body(bid)

    status, shown = idempotent_write(svc, request, who, key, "auction_bid", code,
                                     body.model_dump(mode="json"), run)  # fmt: skip
    return JSONResponse(shown, status_code=status)


def _own_bid(svc: Service, who: Principal, place: Jurisdiction, code: str, bid_id: int) -> str:
    """The company of bid ``bid_id`` if ``who`` bids for it; 404 otherwise (bids are sealed)."""
    shown = detail(svc, who, place, code)
    found = next((b for b in shown["bids"] if b["bid_id"] == bid_id), None)
    if found is None or found["company"] not in own_companies(svc, who, place):
        raise ApiError(404, "unknown_bid", f"no bid {bid_id} of yours in {code}", "path.bid_id")
    return str(found["company"])


@router.post("/auction-notices/{code}/bids/{bid_id}/revise", response_model=BidOut,
             status_code=201)  # fmt: skip
def revise_bid(
    code: CodePath, bid_id: BidPath, body: ReviseIn, request: Request, key: IdempotencyKey,
    svc: ServiceDep, who: Bidder, jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Replace your live bid by a new one (checked and reserved as a new bid; the old one's
    funds are released); 201 with the new bid, whose ``replaces_bid_id`` is the old one."""

    def run() -> tuple[int, dict]:
        place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
        company = _own_bid(svc, who, place, code, bid_id)
        bid, issues = bid_book.submit_bid(
            svc.engine, place, code, company, body.price_per_t, body.quantity_t,
            key=registry_key(who, key), now=svc.now(), by=who.username, replaces=bid_id,
        )  # fmt: skip
        if bid is None:
            raise _refused(issues)
        return 201, bid_body(bid)

    status, shown = idempotent_write(svc, request, who, key, "auction_bid_revise",
                                     f"{code}/{bid_id}", body.model_dump(mode="json"), run)  # fmt: skip
    return JSONResponse(shown, status_code=status)


@router.post("/auction-notices/{code}/bids/{bid_id}/withdraw", response_model=BidOut)
def withdraw_bid(
    code: CodePath, bid_id: BidPath, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Bidder, jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Withdraw your live bid while the window is open; its funds are released."""

    def run() -> tuple[int, dict]:
        place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
        company = _own_bid(svc, who, place, code, bid_id)
        bid, issues = bid_book.withdraw_bid(svc.engine, place, code, company, bid_id,
                                            key=registry_key(who, key), now=svc.now())  # fmt: skip
        if bid is None:
            raise _refused(issues)
        return 200, bid_body(bid)

    status, shown = idempotent_write(svc, request, who, key, "auction_bid_withdraw",
                                     f"{code}/{bid_id}", {}, run)  # fmt: skip
    return JSONResponse(shown, status_code=status)


@router.post("/auction-notices/{code}/clear", response_model=ClearedOut, status_code=201,
             responses={200: {"model": ClearedOut, "description": "already cleared"}})  # fmt: skip
def clear(
    code: CodePath, body: ClearIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Regulator, jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Close the window (now, if still open) and clear the live bids: each award delivered to
    the winner's holding account and paid at the clearing price from its reserved funds, the
    rest released, the auction recorded; all or nothing (201). Already cleared: 200."""

    def run() -> tuple[int, dict]:
        place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
        done, issues = bid_book_clearing.clear_book(svc.engine, place, code, now=svc.now(),
                                           seed=body.seed)  # fmt: skip
        if done is None:
            raise _refused(issues)
        notes = [
            {"code": i.code, "severity": i.severity.value, "message": i.message}
            for i in done.get("notes", [])
            if i.severity in (Severity.WARNING, Severity.ERROR)
        ]
        return (200 if done["replayed"] else 201), detail(svc, who, place, code) | {"notes": notes}

    status, shown = idempotent_write(svc, request, who, key, "auction_clear", code,
                                     body.model_dump(mode="json"), run)  # fmt: skip
    return JSONResponse(shown, status_code=status)


@router.post("/auction-notices/{code}/cancel", response_model=CancelledOut, status_code=201,
             responses={200: {"model": CancelledOut, "description": "already cancelled by "
                              "this request"}})  # fmt: skip
def cancel(
    code: CodePath, body: CancelIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Regulator, jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Cancel an announced auction not yet cleared, with the reason the public is given: its
    live bids end ``cancelled`` and their reserved funds are released, the roll-overs it
    carried in are available to the next notice or auction, and it takes no bid or clearing after (201). 409
    ``auction_already_cleared``, or ``auction_cancelled`` for one cancelled already."""

    def run() -> tuple[int, dict]:
        place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
        done, issues = bid_book_cancel.cancel_notice(
            svc.engine, place, code, reason=body.reason, key=registry_key(who, key),
            now=svc.now(), by=who.username,
        )  # fmt: skip
        if done is None:
            raise _refused(issues)
        told = {k: done[k] for k in ("bids_cancelled", "released_fen", "roll_over_from",
                                     "roll_over_released_t", "roll_overs_released")}  # fmt: skip
        return (200 if done["replayed"] else 201), detail(svc, who, place, code) | told

    status, shown = idempotent_write(svc, request, who, key, "auction_cancel", code,
                                     body.model_dump(mode="json"), run)  # fmt: skip
    return JSONResponse(shown, status_code=status)
