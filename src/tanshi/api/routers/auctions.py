"""Primary-market auctions: the terms of the next auction, recorded auctions and their results
(what each bidder won only for that bidder and the regulator), and the regulator holding one.

Holding an auction clears the bids given in the request on the stored rulebook's terms
(with the volume earlier auctions rolled over and no one claims) and delivers the awards through the registry,
all or nothing (``services.auction.hold_auction``); ``dry_run`` clears without recording.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StringConstraints

from tanshi.api.context import IdempotencyKey, Reader, Service, ServiceDep, idempotent_write, needs
from tanshi.api.errors import ApiError, ErrorDetail
from tanshi.api.limits import AUCTION_CODE_CHARS
from tanshi.api.models import Page, Quantity, Strict
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.auction import AuctionResult, AuctionTerms, Bid
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.rulebook import rules_in_force
from tanshi.services import auction as auction_service
from tanshi.services import auction_reads
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.principals import Principal, Scope

router = APIRouter(tags=["auctions"])
Regulator = Annotated[Principal, Depends(needs(Scope.REGULATE))]
Year = Annotated[int, Path(ge=1990, le=2200)]
JurisdictionQuery = Annotated[
    str | None, Query(max_length=20, description="the jurisdiction; optional with only one")
]
Bidder = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Price = Annotated[Decimal, Field(gt=0, le=10**9, max_digits=14, decimal_places=2)]
AUCTION_CODE_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{AUCTION_CODE_CHARS - 1}}}$"
AuctionCode = Annotated[str, StringConstraints(pattern=AUCTION_CODE_PATTERN)]
CONFLICTS = {"auction_code_taken"}


class BidIn(Strict):
    bidder: Bidder = Field(description="a company code of the jurisdiction")
    price_per_t: Price = Field(description="in the rulebook's currency, a whole number of ticks")
    quantity_t: Quantity


class GuaranteeIn(Strict):
    bidder: Bidder
    guarantee: Annotated[Decimal, Field(ge=0, le=10**15, max_digits=20, decimal_places=2)]


class AuctionIn(Strict):
    code: AuctionCode = Field(description="the auction's own code, e.g. 2016-1")
    year: Annotated[int, Field(ge=1990, le=2200, description="whose [[auction]] rule applies")]
    bids: Annotated[list[BidIn], Field(max_length=2000)]
    guarantees: Annotated[list[GuaranteeIn], Field(max_length=2000, default_factory=list)]
    volume_t: Quantity | None = Field(None, description="default: the rule's volume")
    reserve_price_per_t: Annotated[
        Decimal | None, Field(ge=0, le=10**9, max_digits=14, decimal_places=2)
    ] = Field(None, description="default: the rule's reserve price")
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    dry_run: bool = Field(False, description="clear without recording or delivering")


class TermsOut(BaseModel):
    year: int
    currency: str
    volume_t: int
    reserve_price_per_t: str
    purchase_limit_share: str
    purchase_limit_t: int
    lot_size_t: int
    price_tick: str
    bid_guarantee_required: bool
    unsold: str
    eligible_sectors: list[str]


class NextTermsOut(TermsOut):
    carried_in_t: int


class AwardOut(BaseModel):
    company: str
    awarded_t: int
    price_per_t: str
    transaction_id: int | None


class AuctionOut(BaseModel):
    code: str
    jurisdiction: str
    year: int
    held_at: str | None
    currency: str
    offered_t: int
    carried_in_t: int
    reserve_price_per_t: str
    clearing_price_per_t: str | None
    sold_t: int
    unsold_t: int
    rolled_over_t: int
    proceeds: str
    winners: int
    seed: int
    bids_sha256: str
    my_awarded_t: int | None = Field(description="what your company won (null: no company)")


class AuctionDetail(AuctionOut):
    terms: TermsOut | None
    awards: list[AwardOut]
    awards_shown: Literal["all", "own", "none"]


class BidResultOut(BaseModel):
    bid: int
    bidder: str
    price_per_t: str
    quantity_t: int
    accepted_t: int
    awarded_t: int


class NoteOut(BaseModel):
    code: str
    severity: str
    message: str
    field: str | None


class AuctionHeldOut(BaseModel):
    code: str
    jurisdiction: str
    year: int
    recorded: bool
    terms: TermsOut
    carried_in_t: int
    clearing_price_per_t: str | None
    sold_t: int
    unsold_t: int
    rolled_over_t: int
    proceeds: str
    awards: list[AwardOut]
    bids: list[BidResultOut]
    notes: list[NoteOut]


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def hundredths(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value) / 100


def terms_body(terms: AuctionTerms, year: int, currency: str) -> dict[str, Any]:
    return {
        "year": year, "currency": currency, "volume_t": terms.volume_t,
        "reserve_price_per_t": money(terms.reserve_price_per_t),
        "purchase_limit_share": str(terms.purchase_limit_share),
        "purchase_limit_t": terms.purchase_limit_t, "lot_size_t": terms.lot_size_t,
        "price_tick": str(terms.price_tick), "bid_guarantee_required": terms.bid_guarantee_required,
        "unsold": terms.unsold, "eligible_sectors": sorted(terms.eligible_sectors),
    }  # fmt: skip


def _stored_terms(place: Jurisdiction, row: dict[str, Any]) -> dict[str, Any] | None:
    try:
        rule = rules_in_force(place.rulebook, row["year"]).auction
    except TanshiError:
        return None
    if rule is None:
        return None
    terms = AuctionTerms.from_rule(
        rule, row["offered_t"], hundredths(row["reserve_price_hundredths"])
    )
    return terms_body(terms, row["year"], place.rulebook.rulebook.currency)


def auction_body(svc: Service, row: dict[str, Any]) -> dict[str, Any]:
    place = svc.jurisdiction(row["jurisdiction"])
    price = hundredths(row["clearing_price_hundredths"])
    shown = {k: v for k, v in row.items() if not k.endswith("_hundredths") and k != "id"}
    return shown | {
        "currency": place.rulebook.rulebook.currency,
        "reserve_price_per_t": money(hundredths(row["reserve_price_hundredths"])),
        "clearing_price_per_t": money(price),
        "proceeds": money((price or Decimal(0)) * row["sold_t"]),
    }


@router.get("/auctions", response_model=Page[AuctionOut])
def list_auctions(
    who: Reader, svc: ServiceDep, paging: PagingDep, jurisdiction: JurisdictionQuery = None,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
) -> dict:  # fmt: skip
    """Recorded auctions, newest first: volume, prices, what was sold and rolled over."""
    page = auction_reads.auction_list(svc.engine, who, jurisdiction=jurisdiction, year=year,
                                      limit=paging.limit, offset=paging.offset)  # fmt: skip
    body = page_body(page)
    body["items"] = [auction_body(svc, row) for row in page.items]
    return body


@router.get("/auctions/{code}", response_model=AuctionDetail)
def get_auction(
    code: Annotated[str, Path(max_length=80)], who: Reader, svc: ServiceDep,
    jurisdiction: JurisdictionQuery = None,
) -> dict:  # fmt: skip
    """One auction: its terms, results, and the awards you may see (all for regulators and
    auditors, your company's for a company, none otherwise)."""
    row = auction_reads.auction(svc.engine, who, code, jurisdiction)
    if row is None:
        raise ApiError(404, "unknown_auction", f"no auction {code} (name the jurisdiction if "
                       "two have this code)", "path.code")  # fmt: skip
    place = svc.jurisdiction(row["jurisdiction"])
    awards = [
        {"company": a["company"], "awarded_t": a["awarded_t"],
         "price_per_t": money(hundredths(a["price_hundredths"])),
         "transaction_id": a["transaction_id"]}
        for a in row.pop("awards")
    ]  # fmt: skip
    return auction_body(svc, row) | {"terms": _stored_terms(place, row), "awards": awards}


@router.get("/auction-terms/{year}", response_model=NextTermsOut)
def next_terms(year: Year, who: Reader, svc: ServiceDep,
               jurisdiction: JurisdictionQuery = None) -> dict:  # fmt: skip
    """The terms of the next auction of ``year``: the rule's volume plus what the last
    auction rolled over, the reserve price (when the rule sets one), limits, lots, ticks."""
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    carried = auction_service.carried_in_units(svc.engine, place)
    try:
        terms = auction_service.auction_terms(place.rulebook, year, carried_in_t=carried)
    except TanshiError as error:
        raise ApiError(404, "no_auction_terms", str(error), "path.year") from error
    return terms_body(terms, year, place.rulebook.rulebook.currency) | {"carried_in_t": carried}


def _bids_text(body: AuctionIn) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("bidder", "price_per_t", "quantity_t"))
    writer.writerows((b.bidder, f"{b.price_per_t}", b.quantity_t) for b in body.bids)
    return out.getvalue()


def _field(where: str) -> str:
    return "body" if where in ("", "auction", "auction terms") else f"body.{where}"


def _refusal(issues: list[Issue]) -> ApiError:
    details = [ErrorDetail(code=i.code, message=i.message, field=_field(i.where)) for i in issues]
    first = details[0]
    status = 409 if first.code in CONFLICTS else 422
    return ApiError(status, first.code, first.message, first.field, details)


def _guarantees(body: AuctionIn) -> dict[str, Decimal] | None:
    if not body.guarantees:
        return None
    lodged: dict[str, Decimal] = {}
    twice = []
    for index, item in enumerate(body.guarantees):
        if item.bidder in lodged:
            twice.append(Issue("duplicate_guarantee", f"{item.bidder} is listed twice",
                               f"guarantees.{index}"))  # fmt: skip
        lodged[item.bidder] = item.guarantee
    if twice:
        raise _refusal(twice)
    return lodged


def held_body(place: Jurisdiction, body: AuctionIn, held: auction_service.Held) -> dict:
    result: AuctionResult = held.result
    currency = place.rulebook.rulebook.currency
    price = result.clearing_price_per_t
    awards = [
        {"company": bidder, "awarded_t": quantity, "price_per_t": money(price),
         "transaction_id": held.transactions.get(bidder)}
        for bidder, quantity in sorted(result.by_bidder_t.items())
    ]  # fmt: skip
    bids = [
        {"bid": index, "bidder": a.bid.bidder, "price_per_t": money(a.bid.price_per_t),
         "quantity_t": a.bid.quantity_t, "accepted_t": a.accepted_t, "awarded_t": a.awarded_t}
        for index, a in enumerate(result.awards)
    ]  # fmt: skip
    notes = [
        {"code": i.code, "severity": i.severity.value, "message": i.message,
         "field": _field(i.where)}
        for i in (*held.notes, *result.issues)
    ]  # fmt: skip
    return {
        "code": body.code, "jurisdiction": place.code, "year": body.year,
        "recorded": not body.dry_run, "terms": terms_body(result.terms, body.year, currency),
        "carried_in_t": held.carried_in_t, "clearing_price_per_t": money(price),
        "sold_t": result.sold_t, "unsold_t": result.unsold_t,
        "rolled_over_t": result.rolled_over_t, "proceeds": money(result.proceeds),
        "awards": awards, "bids": bids, "notes": notes,
    }  # fmt: skip


def hold(
    svc: Service, who: Principal, body: AuctionIn, jurisdiction: str | None
) -> tuple[int, dict]:
    """Clear (and unless a dry run, record and deliver) the auction ``body`` describes."""
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    bids = [
        Bid(f"bids.{i}", b.bidder, b.price_per_t, b.quantity_t) for i, b in enumerate(body.bids)
    ]
    try:
        held = auction_service.hold_auction(
            svc.engine, place, bids, _guarantees(body), code=body.code, year=body.year,
            now=svc.now(), volume_t=body.volume_t, reserve_price_per_t=body.reserve_price_per_t,
            seed=body.seed, deliver=not body.dry_run, bids_text=_bids_text(body),
        )  # fmt: skip
    except auction_service.AuctionRefused as refused:
        raise _refusal(refused.issues) from refused
    return (200 if body.dry_run else 201), held_body(place, body, held)


@router.post("/auctions", response_model=AuctionHeldOut, status_code=201,
             responses={200: {"model": AuctionHeldOut, "description": "a dry run"}})  # fmt: skip
def hold_auction(
    body: AuctionIn, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Regulator,
    jurisdiction: JurisdictionQuery = None,
) -> JSONResponse:  # fmt: skip
    """Hold an auction: clear the bids, deliver each award through the registry and record
    the auction, all or nothing (201); with ``dry_run`` only clear (200). 422 lists every
    bidder that is not a company; 409 ``auction_code_taken``."""
    status, shown = idempotent_write(
        svc, request, who, key, "auction", body.code, body.model_dump(mode="json"),
        lambda: hold(svc, who, body, jurisdiction),
    )  # fmt: skip
    return JSONResponse(shown, status_code=status)
