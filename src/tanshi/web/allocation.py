"""The regulator's allocation and auctions page: each company's allocation of a year (free
and auctioned), the year's auctions with every award, and the forms to run the allocation
and to hold an auction from a bid file."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.limits import AUCTION_CODE_CHARS
from tanshi.api.routers.auctions import AUCTION_CODE_PATTERN
from tanshi.auction import parse_bids, parse_guarantees
from tanshi.core.errors import StepRefused, TanshiError
from tanshi.core.issues import Issue
from tanshi.rulebook import NoRuleInForce
from tanshi.services import allocation_desk, auction_reads, bid_book_reads
from tanshi.services import auction as auction_service
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.principals import Principal, Role, Scope
from tanshi.web.common import VisitorDep, allowed, login_redirect
from tanshi.web.forms import (
    Message,
    Refused,
    Verbatim,
    refusal,
    seed_number,
    text_field,
    web_write,
    whole_number,
)
from tanshi.web.numbers import read_decimal
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)
READERS = {Role.REGULATOR, Role.AUDITOR, Role.ADMINISTRATOR}
YearPath = Annotated[int, Path(ge=1990, le=2200)]
AUCTION_CODE = re.compile(AUCTION_CODE_PATTERN)
MAX_PRICE = 10**9  # a reserve price, as the API's AnnounceIn takes it


class DeskKeys:
    """The ids of the form keys (web/forms.py) of the page's forms: each answer swaps a
    fresh key into its form, so a resent form acts once."""

    run = "allocation-run-key"
    auction = "auction-key"
    notice = "notice-key"

    @staticmethod
    def clear(code: str) -> str:
        """The clear form of auction ``code`` (hex: any code is a valid CSS id)."""
        return "clear-key-" + code.encode().hex()

    @staticmethod
    def cancel(code: str) -> str:
        """The cancel form of auction ``code``."""
        return "cancel-key-" + code.encode().hex()

    @staticmethod
    def new_key() -> str:
        return uuid.uuid4().hex


def allocation_years(place: Jurisdiction) -> list[int]:
    """Every year an allocation rule of the jurisdiction's rulebook covers (at most 30)."""
    found: set[int] = set()
    for rule in place.rulebook.allocation:
        last = rule.valid_to if rule.valid_to is not None else rule.valid_from
        found.update(range(rule.valid_from, min(last, rule.valid_from + 29) + 1))
    return sorted(found)


def place_of(svc: Service, me: Principal) -> Jurisdiction:
    """The user's jurisdiction (or the database's only one); a refusal if none is theirs."""
    try:
        return svc.jurisdiction(None, who=me)
    except ApiError as error:
        raise Refused(error.code, "{problems}", problems=error.message) from error


def price(hundredths: int | None) -> str | None:
    return None if hundredths is None else f"{Decimal(hundredths) / 100:.2f}"


def year_view(svc: Service, who: Principal, place: Jurisdiction, year: int) -> dict:
    """What the page shows for ``year``: totals, companies, auctions (with awards)."""
    problem: Issue | None = None  # why the year cannot be shown, said by the page (|problem)
    summary: dict[str, Any] | None = None
    rows: list[dict] = []
    try:
        summary = allocation_desk.summary(svc.engine, place, year)
        _stage, rows = allocation_desk.by_company(svc.engine, place, year)
    except (NoRuleInForce, StepRefused) as error:
        problem = error.issue
    except TanshiError as error:
        problem = Issue("allocation_not_possible", str(error))
    listed = auction_reads.auction_list(svc.engine, who, jurisdiction=place.code, year=year,
                                        limit=100)  # fmt: skip
    auctions = [auction_reads.auction(svc.engine, who, row["code"], place.code)
                for row in listed.items]  # fmt: skip
    return {"summary": summary, "rows": rows, "problem": problem,
            "auctions": [a for a in auctions if a is not None]}  # fmt: skip


def notices_of(svc: Service, who: Principal, place: Jurisdiction, year: int) -> list[dict]:
    """The year's announced auctions (the bid book), each with the bids ``who`` may see: the
    whole book for regulators and auditors once cleared or cancelled (web/auction_desk.py has
    the forms)."""
    now = svc.now()
    listed = bid_book_reads.notice_list(svc.engine, now, jurisdiction=place.code, year=year,
                                        limit=50)  # fmt: skip
    found = [bid_book_reads.notice(svc.engine, who, row["code"], now, jurisdiction=place.code)
             for row in listed.items]  # fmt: skip
    return [notice for notice in found if notice is not None]


@router.get("/regulator/allocation", response_class=HTMLResponse)
def allocation_page(
    request: Request, svc: ServiceDep, who: VisitorDep,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
) -> Response:  # fmt: skip
    """Allocation by company (free, pre-allocated, true-up, auctioned) and the auctions."""
    if who.principal is None:
        return login_redirect("/regulator/allocation")
    if not allowed(who, READERS):
        return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                      message="this page is for regulators and auditors")  # fmt: skip
    try:
        place = place_of(svc, who.principal)
    except Refused as refused:
        return render(request, svc, who, "result.html", 422, ok=False, code=refused.code,
                      message=refused.values["problems"])  # fmt: skip
    years = allocation_years(place)
    shown = year if year is not None else (years[0] if years else None)
    view = year_view(svc, who.principal, place, shown) if shown else {}
    terms = None
    if shown:
        try:
            carried = auction_service.carried_in_units(svc.engine, place)
            terms = auction_service.auction_terms(place.rulebook, shown, carried_in_t=carried)
        except TanshiError:
            terms = None
    notices = notices_of(svc, who.principal, place, shown) if shown else []
    return render(request, svc, who, "allocation.html", year=shown, years=years,
                  currency=place.rulebook.rulebook.currency, terms=terms, price=price,
                  may_write=Scope.REGULATE in who.principal.scopes, notices=notices,
                  keys=DeskKeys, new_key=DeskKeys.new_key, **view)  # fmt: skip


def _run(svc: Service, me: Principal, year: int) -> Message:
    if Scope.REGULATE not in me.scopes:
        raise Refused("forbidden", "only the regulator runs the allocation")
    try:
        done = allocation_desk.run_year(svc.engine, place_of(svc, me), year, svc.now())
    except StepRefused as error:  # why, said in the page's language (web/problems.py)
        raise refusal("allocation_not_possible", issues=[error.issue]) from error
    except TanshiError as error:
        raise Refused("allocation_not_possible", "{problems}", problems=str(error)) from error
    return "{year}: {allocation}, {allocated} t to {companies} companies; true-up: {true_up}", {
        "year": year, "allocation": done.allocation, "allocated": f"{done.allocated_t:,}",
        "companies": done.companies, "true_up": done.true_up}  # fmt: skip


@router.post("/regulator/allocation/{year}/run", response_class=HTMLResponse)
async def run_allocation(year: YearPath, request: Request, svc: ServiceDep,
                         who: VisitorDep) -> Response:  # fmt: skip
    return await web_write(request, svc, who, "allocation_run", str(year),
                           lambda _form, me: _run(svc, me, year),
                           key_input=DeskKeys.run, key_required=True)  # fmt: skip


def optional_decimal(text: str | None, name: str) -> Decimal | None:
    """A form's optional price per tonne (a reserve price), as the API takes it: from 0 to
    10^9 with at most two decimal places; None if left empty, else a refusal saying which
    of these it is not."""
    if not (text or "").strip():
        return None
    value = read_decimal(text)
    if value is None:
        raise Refused("invalid_number", "{name}: enter a number, e.g. 1,234.5 or 1234.5",
                      name=name)  # fmt: skip
    if value < 0:
        raise Refused("invalid_price", "{name}: a price cannot be below zero: enter 0 or more "
                      "per tonne, e.g. 20.00", name=name)  # fmt: skip
    if value > MAX_PRICE:
        raise Refused("invalid_price", "{name}: enter at most {most} per tonne", name=name,
                      most=Verbatim(f"{MAX_PRICE:,}"))  # fmt: skip
    if value != value.quantize(Decimal("0.01")):
        raise Refused("invalid_price", "{name}: use at most two decimal places, e.g. 20.05",
                      name=name)  # fmt: skip
    return value


def _hold(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    if Scope.REGULATE not in me.scopes:
        raise Refused("forbidden", "only the regulator holds auctions")
    code = text_field(form, "code", "Auction code", AUCTION_CODE_CHARS)
    if not AUCTION_CODE.fullmatch(code):
        raise Refused("invalid_code", "give the auction a code of letters, digits, '.', '_' "
                      "and '-', e.g. 2016-1")  # fmt: skip
    year = whole_number(form.get("year"), "Year")
    volume = whole_number(form["volume_t"], "Volume (t)") if form.get("volume_t") else None
    seed = seed_number(form.get("seed"))
    bids_text = form.get("bids", "")
    # Pasted, not a file: each problem is located "bid line 3" (第 3 行 in Chinese).
    bids, issues = parse_bids(bids_text, "")
    guarantees = None
    if form.get("guarantees", "").strip():
        guarantees, more = parse_guarantees(form["guarantees"], "")
        issues += more
    if issues:
        raise refusal(issues[0].code, issues=issues, located=True)
    dry_run = form.get("dry_run") == "on"
    try:
        held = auction_service.hold_auction(
            svc.engine, place_of(svc, me), bids, guarantees, code=code, year=year,
            now=svc.now(), volume_t=volume,
            reserve_price_per_t=optional_decimal(form.get("reserve_price"), "Reserve price"),
            seed=seed, deliver=not dry_run, bids_text=bids_text,
        )  # fmt: skip
    except auction_service.AuctionRefused as refused:
        raise refusal(refused.issues[0].code, issues=refused.issues) from refused
    result = held.result
    values = {"code": code, "sold": f"{result.sold_t:,}", "unsold": f"{result.unsold_t:,}",
              "price": result.clearing_price_per_t or "—", "winners": len(result.by_bidder_t)}  # fmt: skip
    carry = held.carry
    if carry.claimed_by is not None:  # say why the last auction's roll-over is not offered
        values |= {"carried": f"{carry.rolled_over_t:,}", "source": str(carry.auction_code),
                   "claimed": carry.claimed_by}  # fmt: skip
        if dry_run:
            return ("dry run of {code}: {sold} t would sell at {price}, {unsold} t unsold; the "
                    "{carried} t auction {source} rolled over are carried into auction "
                    "{claimed}, not into this one", values)  # fmt: skip
        return ("auction {code}: {sold} t sold at {price} to {winners} bidders, {unsold} t "
                "unsold; the {carried} t auction {source} rolled over are carried into auction "
                "{claimed}, not into this one", values)  # fmt: skip
    if dry_run:
        return "dry run of {code}: {sold} t would sell at {price}, {unsold} t unsold", values
    done = "auction {code}: {sold} t sold at {price} to {winners} bidders, {unsold} t unsold"
    return done, values


@router.post("/regulator/auctions", response_class=HTMLResponse)
async def hold_auction(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    return await web_write(request, svc, who, "auction", "web",
                           lambda form, me: _hold(svc, me, form),
                           key_input=DeskKeys.auction, key_required=True)  # fmt: skip
