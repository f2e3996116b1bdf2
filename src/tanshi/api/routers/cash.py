"""Cash and settlement, read-only: cash balances at the exchange, each account's movements,
and the trades settled (or pending) delivery versus payment.

A participant's cash account belongs to a registry account: you read it if you may read
that registry account. The exchange operator, regulators, auditors and administrators read
the whole ledger. Amounts are integer fen.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from tanshi.api.context import Reader, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.models import Page
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.services import cash_reads

router = APIRouter(tags=["cash"])
CashCode = Annotated[str, Path(max_length=60, description="e.g. DP-TR-TRADER-CASH")]


class CashAccountOut(BaseModel):
    code: str
    kind: str
    registry_account: str | None
    currency: str
    balance_fen: int = Field(description="free money: what orders and withdrawals may use")
    reserved_fen: int = Field(description="set aside for open buy orders")
    pending_payments_fen: int = Field(description="owed for bought trades not yet settled")
    pending_receipts_fen: int = Field(description="due for sold trades not yet settled")


class CashEntryOut(BaseModel):
    entry_id: int
    kind: str
    booked_at: str | None
    memo: str
    amount_fen: int = Field(description="into the account (+) or out of it (−)")
    counterparty: str


class DiscrepancyOut(BaseModel):
    code: str = Field(description="e.g. clearing_cash_differs_from_reservations")
    message: str
    where: str = Field(description="e.g. cash account DP-CLEARING-CASH")


class SettlementOut(BaseModel):
    trade_id: str
    venue: str
    buyer: str
    seller: str
    unit_class: str
    quantity_t: int
    price_fen_per_t: int
    value_fen: int
    buyer_fee_fen: int
    seller_fee_fen: int
    traded_at: str | None
    settle_on: str
    status: str
    settled_at: str | None
    transaction_id: int | None
    cash_entry_id: int | None


def _unknown(code: str) -> ApiError:
    return ApiError(404, "unknown_cash_account", f"no cash account {code} that you may read",
                    "path.code")  # fmt: skip


@router.get("/cash/accounts", response_model=Page[CashAccountOut])
def list_cash_accounts(
    who: Reader, svc: ServiceDep, paging: PagingDep,
    kind: Annotated[Literal["participant", "clearing", "fees", "bank", "auction_proceeds"] | None, Query()] = None,
    registry_account: Annotated[str | None, Query(max_length=60)] = None,
) -> dict:  # fmt: skip
    """Cash accounts you may read, with free, reserved and pending amounts."""
    return page_body(cash_reads.cash_account_list(
        svc.engine, who, kind=kind, registry_account=registry_account, limit=paging.limit,
        offset=paging.offset,
    ))  # fmt: skip


@router.get("/cash/accounts/{code}", response_model=CashAccountOut)
def get_cash_account(code: CashCode, who: Reader, svc: ServiceDep) -> dict:
    found = cash_reads.cash_account(svc.engine, who, code)
    if found is None:
        raise _unknown(code)
    return found


@router.get("/cash/accounts/{code}/entries", response_model=Page[CashEntryOut])
def cash_entries(
    code: CashCode, who: Reader, svc: ServiceDep, paging: PagingDep,
    kind: Annotated[str | None, Query(max_length=30, description="e.g. deposit, settlement")] = None,
) -> dict:  # fmt: skip
    """Money into and out of the account, newest first: deposits, reservations for orders,
    releases, settlements (the history of its balance)."""
    page = cash_reads.cash_entries_of(svc.engine, who, code, kind=kind, limit=paging.limit,
                                      offset=paging.offset)  # fmt: skip
    if page is None:
        raise _unknown(code)
    return page_body(page)


@router.get("/settlements", response_model=Page[SettlementOut])
def list_settlements(
    who: Reader, svc: ServiceDep, paging: PagingDep,
    status: Annotated[Literal["pending", "settled"] | None, Query()] = None,
    account: Annotated[str | None, Query(max_length=60, description="a registry account")] = None,
) -> dict:  # fmt: skip
    """Trades your accounts bought or sold, with the units delivered (registry transaction)
    and the money paid (cash entry) when settled; newest first."""
    return page_body(cash_reads.settlement_list(
        svc.engine, who, status=status, account=account, limit=paging.limit, offset=paging.offset,
    ))  # fmt: skip


@router.get("/cash/discrepancies", response_model=list[DiscrepancyOut])
def ledger_discrepancies(
    who: Reader, svc: ServiceDep,
    jurisdiction: Annotated[str | None, Query(
        max_length=20, description="the jurisdiction; optional with only one")] = None,
) -> list[dict]:  # fmt: skip
    """What is wrong between the cash ledger, the clearing accounts, the reservations and the
    pending trades: empty when all reconciles. For the exchange operator, regulators,
    auditors and administrators."""
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    found = cash_reads.ledger_discrepancies(svc.engine, who, place)
    if found is None:
        raise ApiError(403, "ledger_readers_only", "the ledgers' reconciliation is for the "
                       "exchange operator, regulators, auditors and administrators")  # fmt: skip
    return [cash_reads.discrepancy_shape(d) for d in found]
