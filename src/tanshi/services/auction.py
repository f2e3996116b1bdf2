"""Running an auction: terms from the rulebook, clearing, delivery through the registry.

``run_auction`` is the whole computation (nothing is written); ``deliver_auction`` books
what each bidder won as an ``auction_delivery`` from the jurisdiction's holding account to
the bidder's operator holding account and records the auction, all in one database
transaction: either every delivery and the record land, or nothing does. ``hold_auction``
does both for people (the API and the web page): bidders checked, terms with the volume the
roll-overs available (``carry_over``), cleared, and delivered
unless it is a dry run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from tanshi.auction import AuctionResult, AuctionTerms, Bid, check_terms, clear_auction
from tanshi.core.errors import InputRejected, StepRefused, TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import to_utc
from tanshi.registry import Movement, TransactionRequest
from tanshi.rulebook import NoRuleInForce, Rulebook, rules_in_force
from tanshi.services.carry_over import CarryOver, carry_over, claim
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    find_account,
    operator_account_code,
    unit_class_id,
)
from tanshi.services.mrv import company_ids, company_sectors
from tanshi.services.registry import execute_in, lock_journal_head
from tanshi.services.unique_keys import unique_key
from tanshi.store.engine import reader
from tanshi.store.schema import auction_awards, auction_notices, auctions, companies

HUNDREDTHS = 100


class AuctionRefused(TanshiError):
    """The auction cannot be recorded or delivered; nothing was written. ``issues`` say why."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(issue.message for issue in self.issues))


AUCTION_CODE = unique_key(auctions, "jurisdiction_id", "code")


def code_taken(code: str) -> AuctionRefused:
    return AuctionRefused([Issue.of("auction_code_taken", "auction {code} is already recorded; "
                                    "give each auction its own code", "code", code=code)])  # fmt: skip


@dataclass(frozen=True, slots=True)
class Held:
    """An auction held: its result, the roll-over as it was cleared with, and deliveries."""

    result: AuctionResult
    carry: CarryOver
    transactions: dict[str, int] = field(default_factory=dict)  # bidder → id; empty: dry run

    @property
    def carried_in_t(self) -> int:
        return self.carry.carried_in_t

    @property
    def notes(self) -> tuple[Issue, ...]:
        """``roll_over_claimed`` when the roll-over is already carried into another auction."""
        return self.carry.notes()


def auction_terms(
    rulebook: Rulebook,
    year: int,
    *,
    volume_t: int | None = None,
    reserve_price_per_t: Decimal | None = None,
    carried_in_t: int = 0,
) -> AuctionTerms:
    """The terms of an auction in ``year``: the rule's, with the notice's volume and price;
    StepRefused (``no_auction_terms``, at ``year``) when the rulebook gives none."""
    try:
        rule = rules_in_force(rulebook, year).auction
    except NoRuleInForce as error:
        raise StepRefused(replace(error.advice(), code="no_auction_terms", where="year")) from error
    if rule is None:
        raise StepRefused(Issue.of(
            "no_auction_terms", "{rulebook} has no [[auction]] rule in force in {year}; see "
            "`tanshi rulebook show {rulebook} --year {year}`", "year",
            rulebook=rulebook.rulebook.id, year=year))  # fmt: skip
    volume = volume_t if volume_t is not None else rule.volume_per_auction_t
    if volume is None:
        raise StepRefused(Issue.of("no_auction_terms", "the rulebook gives no volume per "
                                   "auction: give it (--volume)", "year"))  # fmt: skip
    terms = AuctionTerms.from_rule(rule, volume + carried_in_t, reserve_price_per_t)
    problems = check_terms(terms)
    if problems:
        raise InputRejected(f"the terms of the {year} auction", problems)
    return terms


def run_auction(
    terms: AuctionTerms,
    bids: list[Bid],
    guarantees: Mapping[str, Decimal] | None = None,
    seed: int = 0,
    bidder_sectors: Mapping[str, str] | None = None,
) -> AuctionResult:
    """Clear the auction (pure; kept here so the CLI and the API share one entry point)."""
    return clear_auction(terms, bids, guarantees, seed=seed, bidder_sectors=bidder_sectors)


def carry_over_now(engine: Engine, jurisdiction: Jurisdiction) -> CarryOver:
    """The roll-overs available and the latest auction's claim, as committed now (a preview:
    writers read them again in their transaction)."""
    with reader(engine).connect() as connection:
        return carry_over(connection, jurisdiction.id)


def carried_in_units(engine: Engine, jurisdiction: Jurisdiction) -> int:
    """Units the next auction would carry in: every roll-over no notice or auction claims."""
    return carry_over_now(engine, jurisdiction).carried_in_t


def hundredths(price: Decimal) -> int:
    """A price in whole hundredths of its currency; refuses finer prices rather than round."""
    scaled = price * HUNDREDTHS
    if scaled != scaled.to_integral_value():
        raise StepRefused(Issue.of("price_not_payable", "price {price} has more than two decimal "
                                   "places; it cannot be stored", price=price))  # fmt: skip
    return int(scaled)


def deliver_auction(
    engine: Engine,
    jurisdiction: Jurisdiction,
    result: AuctionResult,
    *,
    code: str,
    year: int,
    now: datetime,
    carried_in_t: int,
    bids_text: str,
    guarantees: Mapping[str, Decimal] | None = None,
) -> Held:
    """Deliver every award and record the auction, carrying in the roll-overs it claims.

    ``result`` was cleared with ``carried_in_t`` rolled over (and ``guarantees``). What is
    available is read again after the registry's journal-head lock, which every announcement
    and delivery takes, and claimed: if another notice or auction took a roll-over meanwhile
    (or one became available), the bids are cleared again with what is carried in now.
    """
    rules = rules_in_force(jurisdiction.rulebook, year)
    allowances = unit_class_id(engine, jurisdiction, rules.allowance_unit_type.code, year)
    with engine.begin() as connection:
        lock_journal_head(connection)
        announced = connection.execute(select(auction_notices.c.id).where(
            auction_notices.c.jurisdiction_id == jurisdiction.id,
            auction_notices.c.code == code)).first()  # fmt: skip
        if announced:  # its bid book will record it under this code when cleared
            raise code_taken(code)
        carry = carry_over(connection, jurisdiction.id)
        if carry.carried_in_t != carried_in_t:
            result = _cleared_again(connection, jurisdiction, result,
                                    carry.carried_in_t - carried_in_t, guarantees)  # fmt: skip
        auction_id, transactions = deliver_in(
            connection, jurisdiction, result, allowances, code=code, year=year, now=now,
            carried_in_t=carry.carried_in_t, carried_from=carry.claim, bids_text=bids_text,
        )  # fmt: skip
        claim(connection, carry, now, auction_id=auction_id)
    return Held(result, carry, transactions)


def _cleared_again(
    connection: Connection,
    jurisdiction: Jurisdiction,
    result: AuctionResult,
    more_t: int,
    guarantees: Mapping[str, Decimal] | None,
) -> AuctionResult:
    """``result``'s bids cleared again with ``more_t`` more (or fewer) tonnes offered."""
    sectors = dict(connection.execute(select(companies.c.code, companies.c.sector).where(
        companies.c.jurisdiction_id == jurisdiction.id)).all())  # fmt: skip
    terms = replace(result.terms, volume_t=result.terms.volume_t + more_t)
    return clear_auction(terms, [award.bid for award in result.awards], guarantees,
                         seed=result.seed, bidder_sectors=sectors)  # fmt: skip


def deliver_in(
    connection: Connection,
    jurisdiction: Jurisdiction,
    result: AuctionResult,
    allowances: int,
    *,
    code: str,
    year: int,
    now: datetime,
    carried_in_t: int,
    carried_from: int | None,
    bids_text: str,
) -> tuple[int, dict[str, int]]:
    """``deliver_auction`` inside the caller's transaction (unit class ``allowances`` of
    ``year``), recording ``carried_from`` as the auction whose roll-over it carries in;
    returns the auction's id and bidder → transaction id."""
    price = result.clearing_price_per_t
    transactions: dict[str, int] = {}
    taken = connection.execute(
        select(auctions.c.id).where(
            auctions.c.jurisdiction_id == jurisdiction.id, auctions.c.code == code
        )
    ).first()
    if taken:
        raise code_taken(code)
    missing = [
        bidder
        for bidder in sorted(result.by_bidder_t)
        if find_account(connection, operator_account_code(jurisdiction.code, bidder)) is None
    ]
    if missing:
        raise AuctionRefused([Issue.of(
            "unknown_bidder", "no operator holding account for bidders {missing}; bidders "
            "must be registered companies of the jurisdiction (codes as in the registry)",
            "bids", missing=missing,
        )])  # fmt: skip
    companies = company_ids(connection, jurisdiction)
    auction_id = connection.execute(
        auctions.insert()
        .values(
            jurisdiction_id=jurisdiction.id,
            code=code,
            year=year,
            held_at=to_utc(now),
            offered_units=result.terms.volume_t,
            carried_in_units=carried_in_t,
            carried_from_auction_id=carried_from,
            reserve_price_hundredths=hundredths(result.terms.reserve_price_per_t),
            clearing_price_hundredths=None if price is None else hundredths(price),
            sold_units=result.sold_t,
            unsold_units=result.unsold_t,
            rolled_over_units=result.rolled_over_t,
            seed=result.seed,
            bids_sha256=hashlib.sha256(bids_text.encode()).hexdigest(),
            bid_units=sum(award.bid.quantity_t for award in result.awards),
            bidders=len({award.bid.bidder for award in result.awards}),
        )
        .returning(auctions.c.id)
    ).scalar_one()
    for bidder, quantity in sorted(result.by_bidder_t.items()):
        assert price is not None, "a sale has a clearing price"
        operator = account_id(connection, operator_account_code(jurisdiction.code, bidder))
        outcome = execute_in(
            connection,
            TransactionRequest(
                "auction_delivery",
                f"{jurisdiction.code}/auction/{code}/{bidder}",
                (Movement(jurisdiction.holding_account, operator, allowances, quantity),),
                now,
                memo=f"auction {code}: {quantity} t at {price}",
            ),
        )
        if not outcome.ok:
            raise AuctionRefused([Issue.of(
                outcome.result.value,
                "delivering {quantity} t to {bidder} failed: {result}; the holding account "
                "needs {sold} t of {year} allowances (allocate {year} first); nothing was "
                "recorded", "bids", quantity=quantity, bidder=bidder,
                result=outcome.result.value, sold=result.sold_t, year=year,
            )])  # fmt: skip
        assert outcome.transaction_id is not None
        transactions[bidder] = outcome.transaction_id
        connection.execute(
            auction_awards.insert().values(
                auction_id=auction_id,
                company_id=companies[bidder],
                awarded_units=quantity,
                price_hundredths=hundredths(price),
                transaction_id=outcome.transaction_id,
            )
        )
    return auction_id, transactions


def hold_auction(
    engine: Engine,
    jurisdiction: Jurisdiction,
    bids: list[Bid],
    guarantees: Mapping[str, Decimal] | None,
    *,
    code: str,
    year: int,
    now: datetime,
    volume_t: int | None = None,
    reserve_price_per_t: Decimal | None = None,
    seed: int = 0,
    deliver: bool = True,
    bids_text: str,
) -> Held:
    """Clear an auction of ``year`` on the stored rulebook and, unless a dry run, deliver it.

    The volume offered is the rule's (or ``volume_t``) plus every roll-over available, which
    the auction claims when delivered (``carry_over``; ``notes`` say so when the latest
    auction's roll-over is carried into another). Raises ``AuctionRefused`` (nothing written) for bidders who are not
    companies of the jurisdiction, terms that clear nothing, a code already used, or a
    delivery the registry refuses.
    """
    sectors = company_sectors(engine, jurisdiction)
    strangers = [bid for bid in bids if bid.bidder not in sectors]
    if strangers:
        raise AuctionRefused([
            Issue.of("unknown_bidder", "{bidder} is not a company of {jurisdiction}; "
                     "bidders are the registry's company codes", bid.bid_id,
                     bidder=bid.bidder, jurisdiction=jurisdiction.code)
            for bid in strangers
        ])  # fmt: skip
    carry = carry_over_now(engine, jurisdiction)
    try:
        terms = auction_terms(jurisdiction.rulebook, year, volume_t=volume_t,
                              reserve_price_per_t=reserve_price_per_t,
                              carried_in_t=carry.carried_in_t)  # fmt: skip
    except InputRejected as error:
        raise AuctionRefused(error.issues) from error
    except StepRefused as error:  # the terms, or a reserve price finer than a fen
        issue = replace(error.issue, code="no_auction_terms", where="year")
        raise AuctionRefused([issue]) from error
    result = run_auction(terms, bids, guarantees, seed, sectors)
    if not deliver:
        return Held(result, carry)
    try:
        return deliver_auction(engine, jurisdiction, result, code=code, year=year, now=now,
                               carried_in_t=carry.carried_in_t, bids_text=bids_text,
                               guarantees=guarantees)  # fmt: skip
    except IntegrityError as error:  # the code is checked under the journal-head lock, so
        if not AUCTION_CODE.taken(error):  # only the key's last line of defence gets here
            raise
        raise code_taken(code) from error
