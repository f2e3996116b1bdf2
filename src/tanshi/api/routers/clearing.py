"""The exchange's clearing desk (``market:clear``, exchange operators): money paid in and out
through the settlement bank for a member's registry account, and negotiated trades confirmed
by the exchange — block trades (大宗协议) between two exchange accounts and bilateral trades
(协议转让) between two covered companies, settled delivery versus payment.

A member cannot pay money in by saying so: the exchange records a deposit once the bank has
the money, and pays out a withdrawal from what is free (not reserved for orders, not owed).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from tanshi.api.context import IdempotencyKey, ServiceDep, idempotent_write, needs, registry_key
from tanshi.api.errors import ApiError, body_field, from_issues
from tanshi.api.models import Code, Quantity, Strict
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.market.membership import Party, outside_exchange
from tanshi.services import cash, cash_reads, negotiated_trades, views
from tanshi.services.clearing import RECEIVING_KINDS
from tanshi.services.principals import Principal, Scope
from tanshi.services.views import reading
from tanshi.store.schema import accounts, jurisdictions

router = APIRouter(tags=["clearing"])
Clearer = Annotated[Principal, Depends(needs(Scope.CLEAR))]
JurisdictionQuery = Annotated[
    str | None, Query(max_length=20, description="the jurisdiction; optional with only one")
]
Price = Annotated[Decimal, Field(gt=0, le=10**7, max_digits=12, decimal_places=2,
                                 description="CNY per tonne, whole fen")]  # fmt: skip


class MoneyIn(Strict):
    account: Code = Field(description="the member's registry account, e.g. DP-TR-TRD")
    amount_fen: Annotated[int, Field(gt=0, le=10**15)]


class MoneyOut(BaseModel):
    entry_id: int
    cash_account: str
    balance_fen: int
    replayed: bool


class BlockTradeIn(Strict):
    product: Code
    seller: Code = Field(description="the seller's registry account")
    buyer: Code = Field(description="the buyer's registry account")
    quantity_t: Quantity
    price_cny_per_t: Price


class BlockTradeOut(BaseModel):
    trade_id: str
    status: str
    settle_on: str
    value_fen: int
    buyer_fee_fen: int
    seller_fee_fen: int
    transaction_id: int | None


class BilateralTradeIn(Strict):
    unit_class: Code
    seller: Code = Field(description="the selling company, e.g. A1")
    buyer: Code = Field(description="the buying company")
    quantity_t: Quantity
    price_cny_per_t: Price


class BilateralTradeOut(BaseModel):
    transaction_id: int | None
    replayed: bool


def trade_id_of(who: Principal, key: str) -> str:
    """The venue's id for a trade reported under ``key``: the key in the user's space, hashed
    when it would not fit the settlement's 100 characters (a retry gives the same id)."""
    readable = f"api-{who.user_id}-{key}"
    if len(readable) <= 100:
        return readable
    return f"api-{who.user_id}-{hashlib.sha256(key.encode()).hexdigest()}"


def _refused(issues: list[Issue] | tuple[Issue, ...], body: BaseModel) -> ApiError:
    """422 with every problem, each at the request's field it is about: a party the caller
    may not see at the field that named it (``body.seller``), others by their code
    (``api.errors.body_field``: ``body.quantity_t``, ``body.price_cny_per_t``), else ``body``."""
    return from_issues(422, list(issues), lambda issue: _field_of(issue, body))


def _field_of(issue: Issue, body: BaseModel) -> str:
    if issue.where.startswith("body."):
        return issue.where
    return body_field(issue.code, body)


def _parties(body: BaseModel, codes: list[str]) -> dict[str, str]:
    """Each of ``codes`` with the first of the body's party fields (seller, buyer) naming it."""
    return {code: next(f"body.{name}" for name in ("seller", "buyer")
                       if getattr(body, name) == code) for code in codes}  # fmt: skip


def _unknown_accounts(svc, who: Principal, body: BlockTradeIn) -> None:
    """Refuse a block trade whose seller or buyer account is none the operator may see, at
    the field that named it."""
    codes = dict.fromkeys((body.seller, body.buyer))
    hidden = [code for code in codes if not views.in_scope(svc.engine, who, code, must_exist=True)]
    if hidden:
        fields = _parties(body, hidden)
        raise _refused([Issue("unknown_account", f"no registry account {code}", fields[code])
                        for code in hidden], body)  # fmt: skip


def _unknown_companies(svc, who: Principal, body: BilateralTradeIn) -> None:
    """… and a bilateral trade whose seller or buyer is no covered company the operator may
    see (another jurisdiction's is answered as none)."""
    scope = views.scope_of(who)
    hidden = [code for code in dict.fromkeys((body.seller, body.buyer))
              if views.company(svc.engine, code, scope) is None]  # fmt: skip
    if hidden:
        fields = _parties(body, hidden)
        raise _refused([Issue("unknown_company", f"no company {code}", fields[code])
                        for code in hidden], body)  # fmt: skip


def _money(svc, who: Principal, key: str, body: MoneyIn, jurisdiction: str | None,
           deposit: bool) -> tuple[int, dict]:  # fmt: skip
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    with reading(svc.engine) as connection:
        found = connection.execute(
            select(
                accounts.c.kind,
                accounts.c.jurisdiction_id,
                jurisdictions.c.code.label("jurisdiction"),
            )
            .join(jurisdictions, jurisdictions.c.id == accounts.c.jurisdiction_id)
            .where(accounts.c.code == body.account)
        ).first()
    # Another jurisdiction's account is absent to a bound operator (docs/security.md).
    if found is None or not views.sees_jurisdiction_id(who, found.jurisdiction_id):
        raise ApiError(404, "unknown_account", f"no registry account {body.account}",
                       "body.account")  # fmt: skip
    kind = found.kind
    outside = outside_exchange(place.code, [Party(body.account, found.jurisdiction)],
                               "body.account")  # fmt: skip
    if outside:
        raise from_issues(422, outside)
    if kind not in {k.value for k in RECEIVING_KINDS}:
        raise ApiError(422, "account_cannot_trade", f"{body.account} is a {kind} account: "
                       "cash belongs to holding, trading and project accounts", "body.account")  # fmt: skip
    try:
        outcome = cash.transfer_with_bank(
            svc.engine, place.code, place.rulebook.rulebook.currency, body.account,
            body.amount_fen, registry_key(who, key), svc.now(), deposit=deposit,
        )  # fmt: skip
    except TanshiError as error:
        raise ApiError(422, "cash_refused", str(error), "body.account") from error
    if not outcome.ok:
        raise _refused(outcome.issues, body)
    assert outcome.entry_id is not None
    code = cash.participant_cash_code(body.account)
    account = cash_reads.cash_account(svc.engine, who, code)
    return 201, {"entry_id": outcome.entry_id, "cash_account": code,
                 "balance_fen": account["balance_fen"] if account else 0,
                 "replayed": outcome.replayed}  # fmt: skip


@router.post("/cash/deposits", response_model=MoneyOut, status_code=201)
def deposit(body: MoneyIn, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Clearer,
            jurisdiction: JurisdictionQuery = None) -> dict:  # fmt: skip
    """Record money the settlement bank received for a member's registry account."""
    return idempotent_write(svc, request, who, key, "cash_deposit", body.account,
                            body.model_dump() | {"jurisdiction": jurisdiction},
                            lambda: _money(svc, who, key, body, jurisdiction, True))[1]  # fmt: skip


@router.post("/cash/withdrawals", response_model=MoneyOut, status_code=201)
def withdraw(body: MoneyIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
             who: Clearer, jurisdiction: JurisdictionQuery = None) -> dict:  # fmt: skip
    """Pay a member's free money out through the settlement bank (not what is reserved)."""
    return idempotent_write(svc, request, who, key, "cash_withdrawal", body.account,
                            body.model_dump() | {"jurisdiction": jurisdiction},
                            lambda: _money(svc, who, key, body, jurisdiction, False))[1]  # fmt: skip


@router.post("/exchange/block-trades", response_model=BlockTradeOut, status_code=201)
def block_trade(body: BlockTradeIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
                who: Clearer, jurisdiction: JurisdictionQuery = None) -> dict:  # fmt: skip
    """Confirm a block trade the two members agreed: the venue's block size, tick and price
    band apply, during the block session; the seller's units and the buyer's money are
    reserved at once and it settles on the block cycle (T+1 in Demo Province)."""

    def run() -> tuple[int, dict]:
        place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
        _unknown_accounts(svc, who, body)
        trade_id = trade_id_of(who, key)
        recorded, issues = negotiated_trades.report_block_trade(
            svc.engine, place, body.product, body.seller, body.buyer, body.quantity_t,
            body.price_cny_per_t, trade_id, svc.now(),
        )  # fmt: skip
        if recorded is None:
            raise _refused(issues, body)
        plan = recorded.plan
        return 201, {"trade_id": trade_id, "status": "settled" if recorded.settled else "pending",
                     "settle_on": plan.settle_on.isoformat(), "value_fen": plan.value_fen,
                     "buyer_fee_fen": plan.buyer_fee_fen, "seller_fee_fen": plan.seller_fee_fen,
                     "transaction_id": recorded.transaction_id}  # fmt: skip

    return idempotent_write(svc, request, who, key, "block_trade", body.product,
                            body.model_dump(mode="json") | {"jurisdiction": jurisdiction},
                            run)[1]  # fmt: skip


@router.post("/exchange/bilateral-trades", response_model=BilateralTradeOut, status_code=201)
def bilateral_trade(body: BilateralTradeIn, request: Request, key: IdempotencyKey,
                    svc: ServiceDep, who: Clearer,
                    jurisdiction: JurisdictionQuery = None) -> dict:  # fmt: skip
    """Confirm a trade two covered companies agreed (their holding accounts): checked against
    the venue's ``otc`` method and settled today, the units against the buyer's money."""

    def run() -> tuple[int, dict]:
        place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
        _unknown_companies(svc, who, body)
        outcome, issues = negotiated_trades.report_bilateral_trade(
            svc.engine, place, body.unit_class, body.seller, body.buyer, body.quantity_t,
            body.price_cny_per_t, trade_id_of(who, key), svc.now(),
        )  # fmt: skip
        if outcome is None or issues:
            raise _refused(issues, body)
        return 201, {"transaction_id": outcome.transaction_id, "replayed": outcome.replayed}

    return idempotent_write(svc, request, who, key, "bilateral_trade", body.unit_class,
                            body.model_dump(mode="json") | {"jurisdiction": jurisdiction},
                            run)[1]  # fmt: skip
