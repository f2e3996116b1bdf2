"""The bid book: announcing an auction with a bidding window, and sealed bids.

Every write runs in one database transaction after the registry's journal-head lock
(``clearing.atomically``), so bid writes and the clearing (``bid_book_clearing``) are
serialised and a refusal leaves nothing behind. A bid's funds (price × quantity) are
reserved from the bidder's cash account when it is submitted, as a buy order's are: the
clearing cash account holds them and ``funds_reservations`` records whose they are.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from tanshi.auction import AuctionTerms
from tanshi.auction.book import Phase, Window, bid_value_hundredths, check_bid, check_window
from tanshi.core.errors import InputRejected, StepRefused
from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.market.cash import CashEntryKind, CashMovement, CashRequest
from tanshi.registry import AccountKind
from tanshi.rulebook import NoRuleInForce, rules_in_force
from tanshi.rulebook.in_force import year_spans
from tanshi.services import cash
from tanshi.services.auction import (
    auction_terms,
    carried_in_units,
    hundredths,
)
from tanshi.services.carry_over import carry_over, claim
from tanshi.services.clearing import (
    Exchange,
    Refused,
    atomically,
    cash_step,
    exchange_in,
    member_accounts,
)
from tanshi.services.jurisdiction import (
    Jurisdiction,
    local_date,
    operator_account_code,
    operator_holding_accounts,
)
from tanshi.services.reservations import reserve_funds_in
from tanshi.store.engine import reader
from tanshi.store.schema import (
    accounts,
    auction_bids,
    auction_notices,
    auctions,
    companies,
    funds_reservations,
)

LIVE, REVISED, WITHDRAWN, CLEARED = "live", "revised", "withdrawn", "cleared"
CANCELLED = "cancelled"  # the bid of a cancelled notice (services/bid_book_cancel.py)


def refuse(code: str, template: str, where: str, /, **params: object) -> Refused:
    """A refusal of one problem, its message ``template`` formatted with ``params``."""
    return Refused([Issue.of(code, template, where, **params)])


def locked_notice(connection: Connection, jurisdiction: Jurisdiction, code: str) -> Any:
    query = select(auction_notices).where(
        auction_notices.c.jurisdiction_id == jurisdiction.id, auction_notices.c.code == code
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        raise refuse("unknown_auction", "no announced auction {code} in {jurisdiction}",
                     "code", code=code, jurisdiction=jurisdiction.code)  # fmt: skip
    return row


def window_of(row: Any) -> Window:
    return Window(from_store(row.opens_at), from_store(row.closes_at))


def phase_of(row: Any, now: datetime) -> Phase:
    return window_of(row).phase(now, cleared=row.auction_id is not None,
                                cancelled=row.cancelled_at is not None)  # fmt: skip


def refuse_if_cancelled(notice: Any) -> None:
    """Refuse any write on a notice the regulator cancelled (``auction_cancelled``)."""
    if notice.cancelled_at is not None:
        raise refuse("auction_cancelled", "auction {code} was cancelled on {at}: {reason}",
                     "code", code=notice.code, at=f"{from_store(notice.cancelled_at):%Y-%m-%d %H:%M} UTC",
                     reason=notice.cancel_reason)  # fmt: skip


def notice_terms(
    jurisdiction: Jurisdiction, year: int, offered_t: int, reserve_hundredths: int
) -> AuctionTerms | None:
    """The terms of an announced auction: the rule of its year with the notice's volume and
    reserve price (None if the jurisdiction's rulebook no longer has an auction rule then)."""
    try:
        rule = rules_in_force(jurisdiction.rulebook, year).auction
    except NoRuleInForce:
        return None
    if rule is None:
        return None
    return AuctionTerms.from_rule(rule, offered_t, Decimal(reserve_hundredths) / 100)


def terms_of(jurisdiction: Jurisdiction, row: Any) -> AuctionTerms:
    terms = notice_terms(jurisdiction, row.year, int(row.offered_units),
                         int(row.reserve_price_hundredths))  # fmt: skip
    if terms is None:
        raise refuse("no_auction_terms", "the rulebook has no [[auction]] rule in force in "
                     "{year} any more", "code", year=row.year)  # fmt: skip
    return terms


def announce(
    engine: Engine, jurisdiction: Jurisdiction, *, code: str, year: int, auction_on: date,
    opens_at: datetime, closes_at: datetime, now: datetime, by: str,
    volume_t: int | None = None, reserve_price_per_t: Decimal | None = None,
) -> tuple[int | None, list[Issue]]:  # fmt: skip
    """Announce an auction of ``year`` and its bidding window; returns the notice's id.

    The volume is the rule's (or ``volume_t``) plus every roll-over available, which the
    notice claims (``carry_over``, read again and claimed in the write transaction); the
    reserve price the rule's (or
    ``reserve_price_per_t``, when the rule sets one per auction). The code must be new among
    notices and recorded auctions.
    """
    issues = check_window(opens_at, closes_at)
    issues += [] if issues else auction_day_problems(jurisdiction, auction_on, closes_at)
    carried = carried_in_units(engine, jurisdiction)

    def terms_with(carried_in_t: int) -> tuple[AuctionTerms | None, list[Issue]]:
        try:
            terms = auction_terms(jurisdiction.rulebook, year, volume_t=volume_t,
                                  reserve_price_per_t=reserve_price_per_t,
                                  carried_in_t=carried_in_t)  # fmt: skip
        except InputRejected as error:
            return None, list(error.issues)
        except StepRefused as error:  # no terms for the year
            return None, [no_terms(error, year)]
        return terms, reserve_price_problems(terms.reserve_price_per_t)

    terms, problems = terms_with(carried)
    issues += problems
    if issues or terms is None:
        return None, issues
    first: AuctionTerms = terms

    def work(connection: Connection) -> int:
        for table in (auction_notices, auctions):
            if connection.execute(select(table.c.id).where(
                table.c.jurisdiction_id == jurisdiction.id, table.c.code == code)).first():  # fmt: skip
                raise refuse("auction_code_taken", "auction {code} is already announced or "
                             "recorded; give each auction its own code", "code", code=code)  # fmt: skip
        carry = carry_over(connection, jurisdiction.id)  # under the lock: claimed once
        offered, problems = (first, []) if carry.carried_in_t == carried else terms_with(
            carry.carried_in_t)  # fmt: skip
        if offered is None:
            raise Refused(problems)
        notice_id = int(connection.execute(
            auction_notices.insert().values(
                jurisdiction_id=jurisdiction.id, code=code, year=year, auction_on=auction_on,
                opens_at=to_utc(opens_at), closes_at=to_utc(closes_at),
                offered_units=offered.volume_t, carried_in_units=carry.carried_in_t,
                carried_from_auction_id=carry.claim,
                reserve_price_hundredths=hundredths(offered.reserve_price_per_t),
                announced_by=by, announced_at=to_utc(now),
            ).returning(auction_notices.c.id)
        ).scalar_one())  # fmt: skip
        claim(connection, carry, now, notice_id=notice_id)
        return notice_id

    return atomically(engine, work)


def auction_day_problems(jurisdiction: Jurisdiction, auction_on: date,
                         closes_at: datetime) -> list[Issue]:  # fmt: skip
    """``auction_day_outside_window`` when the auction day comes before the day the bidding
    window closes (the jurisdiction's calendar): the auction is cleared on that day, which
    cannot come before the sealed bids are all in. No rulebook states how long after the
    close it may be, so no later bound is invented here (a rulebook field with a source
    would carry one)."""
    first = local_date(jurisdiction, closes_at)
    if auction_on >= first:
        return []
    return [Issue.of("auction_day_outside_window", "the auction day {day} comes before the "
                     "bidding window closes on {first}: choose {first} or a later day, since "
                     "the auction is cleared after the bids are all in",
                     "auction_on", day=auction_on, first=first)]  # fmt: skip


def reserve_price_problems(price: Decimal) -> list[Issue]:
    """``price_not_payable`` at ``reserve_price_per_t`` for a reserve price finer than a fen
    (hundredths of the currency), which could not be stored or paid exactly."""
    try:
        hundredths(price)
    except StepRefused:
        return [Issue.of("price_not_payable", "the reserve price {price} has more than two "
                         "decimal places: give it in whole fen, e.g. {rounded}",
                         "reserve_price_per_t", price=price,
                         rounded=price.quantize(Decimal("0.01")))]  # fmt: skip
    return []


def no_terms(error: StepRefused, year: int) -> Issue:
    """``no_auction_terms`` at ``year``; for a year outside the rulebook, with the years it
    has rules for (as the API and the web say a year without rules)."""
    cause = error.__cause__
    if isinstance(cause, NoRuleInForce) and cause.years and not _ruled(cause, year):
        return Issue.of("no_auction_terms", "the rulebook has no rules for {year}; it has rules "
                        "for {years}", "year", year=year, years=year_spans(cause.years))  # fmt: skip
    return replace(error.issue, code="no_auction_terms", where="year")


def _ruled(cause: NoRuleInForce, year: int) -> bool:
    """Whether the rulebook rules on ``year`` in part (a kind of rule is missing)."""
    return cause.issue.template != "the rulebook has no rules for {year}"


def _company(
    connection: Connection, jurisdiction: Jurisdiction, company: str
) -> tuple[Any, int, str]:
    """The bidding company, its operator holding account's id and code; the account must be
    of the auction's jurisdiction, as on its exchange (``market.membership``)."""
    row = connection.execute(
        select(companies.c.id, companies.c.code, companies.c.sector).where(companies.c.code == company)
    ).first()  # fmt: skip
    account = None if row is None else operator_holding_accounts(connection, [row.id]).get(row.id)
    if row is None or account is None:
        raise refuse("unknown_bidder", "{company} is not a company of {jurisdiction} with an "
                     "operator holding account; bids are made for one", "company",
                     company=company, jurisdiction=jurisdiction.code)  # fmt: skip
    (account_id,) = member_accounts(connection, jurisdiction.code, [account], "company")
    return row, account_id, account


def release_reserved(connection: Connection, ex: Exchange, reservation_id: int, amount: int, key: str,
             now: datetime, memo: str) -> None:  # fmt: skip
    """Give ``amount`` fen of funds reservation ``reservation_id`` back to its holder."""
    if amount <= 0:
        return
    holder = connection.execute(
        select(funds_reservations.c.cash_account_id).where(funds_reservations.c.id == reservation_id)
    ).scalar_one()  # fmt: skip
    cash_step(connection, CashRequest(CashEntryKind.FUNDS_RELEASE, key,
                                      (CashMovement(ex.clearing_cash, holder, amount),), now, memo))  # fmt: skip
    connection.execute(
        funds_reservations.update().where(funds_reservations.c.id == reservation_id)
        .values(open_fen=funds_reservations.c.open_fen - amount)
    )  # fmt: skip


def open_fen(connection: Connection, reservation_id: int) -> int:
    return int(connection.execute(select(funds_reservations.c.open_fen).where(
        funds_reservations.c.id == reservation_id)).scalar_one())  # fmt: skip


def _bid_row(connection: Connection, notice: Any, bid_id: int, company: str) -> Any:
    query = (
        select(auction_bids, companies.c.code.label("company"))
        .join(companies, companies.c.id == auction_bids.c.company_id)
        .where(auction_bids.c.id == bid_id, auction_bids.c.notice_id == notice.id,
               companies.c.code == company)
    )  # fmt: skip
    row = connection.execute(query).first()
    if row is None:  # another company's bid looks like none at all: bids are sealed
        raise refuse("unknown_bid", "no bid {bid} of {company} in auction {auction}", "bid",
                     bid=bid_id, company=company, auction=notice.code)  # fmt: skip
    return row


def bid_shape(row: Any, company: str) -> dict[str, Any]:
    return {"bid_id": int(row.id), "company": company, "status": row.status,
            "price_hundredths": int(row.price_hundredths), "quantity_t": int(row.quantity_units),
            "reserved_fen": int(row.price_hundredths) * int(row.quantity_units),
            "replaces_bid_id": row.replaces_bid_id,
            "submitted_at": from_store(row.submitted_at).isoformat(),
            "accepted_t": row.accepted_units, "awarded_t": row.awarded_units}  # fmt: skip


def submit_bid(
    engine: Engine, jurisdiction: Jurisdiction, code: str, company: str, price_per_t: Decimal,
    quantity_t: int, *, key: str, now: datetime, by: str, replaces: int | None = None,
) -> tuple[dict[str, Any] | None, list[Issue]]:  # fmt: skip
    """Submit a sealed bid for ``company`` (or revise its live bid ``replaces``) under ``key``.

    Checked as ``auction.book.check_bid`` states; then the revised bid's funds are released,
    the new bid's price × quantity reserved from the company's cash account, and the bid
    recorded. The same key again returns the same bid.
    """
    value = bid_value_hundredths(price_per_t, quantity_t)
    price_hundredths = bid_value_hundredths(price_per_t, 1)

    def work(connection: Connection) -> dict[str, Any]:
        notice = locked_notice(connection, jurisdiction, code)
        again = connection.execute(
            select(auction_bids).where(auction_bids.c.idempotency_key == key)).first()  # fmt: skip
        if again is not None:
            same = (again.notice_id, again.company_id, again.price_hundredths,
                    again.quantity_units, again.replaces_bid_id) == (
                notice.id, _company(connection, jurisdiction, company)[0].id, price_hundredths,
                quantity_t, replaces)  # fmt: skip
            if not same:
                raise refuse("idempotency_key_reused_with_different_request",
                              "this key was used for another bid; choose a new key", key)  # fmt: skip
            return bid_shape(again, company) | {"replayed": True}
        refuse_if_cancelled(notice)
        bidder, account, account_code = _company(connection, jurisdiction, company)
        old = _bid_row(connection, notice, replaces, company) if replaces is not None else None
        if old is not None and old.status != LIVE:
            raise refuse("bid_not_live", "bid {bid} is {status}; only a live bid is revised",
                         "replaces", bid=replaces, status=old.status)  # fmt: skip
        others = connection.execute(
            select(func.coalesce(func.sum(auction_bids.c.quantity_units), 0)).where(
                auction_bids.c.notice_id == notice.id, auction_bids.c.company_id == bidder.id,
                auction_bids.c.status == LIVE, auction_bids.c.id != (replaces or 0))
        ).scalar_one()  # fmt: skip
        issues = check_bid(terms_of(jurisdiction, notice), price_per_t, quantity_t,
                           phase=phase_of(notice, now), sector=bidder.sector,
                           other_live_t=int(others))  # fmt: skip
        if issues:
            raise Refused(issues)
        assert value is not None and price_hundredths is not None
        ex = exchange_in(connection, jurisdiction)
        if old is not None:
            release_reserved(connection, ex, old.funds_reservation_id,
                     open_fen(connection, old.funds_reservation_id),
                     f"auction-bid/{old.id}/revised", now, f"bid {old.id} revised")  # fmt: skip
            connection.execute(auction_bids.update().where(auction_bids.c.id == old.id).values(
                status=REVISED, ended_key=key, ended_at=to_utc(now)))  # fmt: skip
        buyer_cash = cash.participant_account(connection, account_code, ex.currency)
        reservation = reserve_funds_in(connection, ex, buyer_cash, value,
                                       f"auction-bid/{jurisdiction.code}/{key}", now,
                                       f"funds set aside for bids in auction {notice.code}")  # fmt: skip
        new_id = connection.execute(auction_bids.insert().values(
            notice_id=notice.id, company_id=bidder.id, account_id=account,
            price_hundredths=price_hundredths, quantity_units=quantity_t, status=LIVE,
            idempotency_key=key, submitted_by=by, submitted_at=to_utc(now),
            funds_reservation_id=reservation, replaces_bid_id=replaces,
        ).returning(auction_bids.c.id)).scalar_one()  # fmt: skip
        row = connection.execute(select(auction_bids).where(auction_bids.c.id == new_id)).one()
        return bid_shape(row, company) | {"replayed": False}

    return atomically(engine, work)


def withdraw_bid(
    engine: Engine, jurisdiction: Jurisdiction, code: str, company: str, bid_id: int, *,
    key: str, now: datetime,
) -> tuple[dict[str, Any] | None, list[Issue]]:  # fmt: skip
    """Withdraw ``company``'s live bid while the window is open; its funds are released."""

    def work(connection: Connection) -> dict[str, Any]:
        notice = locked_notice(connection, jurisdiction, code)
        row = _bid_row(connection, notice, bid_id, company)
        if row.status == WITHDRAWN and row.ended_key == key:
            return bid_shape(row, company) | {"replayed": True}
        refuse_if_cancelled(notice)
        if row.status != LIVE:
            raise refuse("bid_not_live", "bid {bid} is {status}; only a live bid is withdrawn",
                         "bid", bid=bid_id, status=row.status)  # fmt: skip
        phase = phase_of(notice, now)
        if phase is not Phase.OPEN:
            raise refuse("bidding_window_closed", "the bidding window is not open; bids are "
                          "withdrawn only while it is", "bid")  # fmt: skip
        ex = exchange_in(connection, jurisdiction)
        release_reserved(connection, ex, row.funds_reservation_id,
                 open_fen(connection, row.funds_reservation_id),
                 f"auction-bid/{row.id}/withdrawn", now, f"bid {row.id} withdrawn")  # fmt: skip
        connection.execute(auction_bids.update().where(auction_bids.c.id == row.id).values(
            status=WITHDRAWN, ended_key=key, ended_at=to_utc(now)))  # fmt: skip
        ended = connection.execute(select(auction_bids).where(auction_bids.c.id == row.id)).one()
        return bid_shape(ended, company) | {"replayed": False}

    return atomically(engine, work)


def bidding_companies(accounts: list[str], jurisdiction: Jurisdiction) -> dict[str, str]:
    """Company code → operator holding account, for the ``accounts`` someone trades for
    that are companies' operator holding accounts (the accounts bids are made for)."""
    prefix = operator_account_code(jurisdiction.code, "")
    return {code[len(prefix) :]: code for code in accounts if code.startswith(prefix)}


def holding_companies(engine: Engine, codes: list[str]) -> frozenset[str]:
    """The companies whose operator holding accounts, of any jurisdiction, are among
    ``codes``: one of another jurisdiction than the auction's is then refused by the
    exchange's rule (``account_not_in_exchange_jurisdiction``), not as a stranger's."""
    with reader(engine).connect() as connection:
        return frozenset(connection.execute(
            select(companies.c.code).join(accounts, accounts.c.company_id == companies.c.id)
            .where(accounts.c.code.in_(codes),
                   accounts.c.kind == AccountKind.OPERATOR_HOLDING.value)
        ).scalars())  # fmt: skip
