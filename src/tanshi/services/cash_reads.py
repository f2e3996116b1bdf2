"""The cash ledger and settlements for people: balances, entries and trades, scoped to who asks.

A participant's cash account belongs to a registry account; whoever may read that registry
account (``views.visible_accounts``) reads its cash account, its entries and the
settlements it is party to. The roles that read every order (the exchange operator, who
runs settlement, regulators, auditors, administrators) read the whole ledger — of their
jurisdiction when they are bound to one (docs/security.md "Jurisdictions"): the cash
accounts of its registry accounts and its bank, clearing and fees accounts, and the trades
whose buyer or seller is its. Hidden rows are absent, as elsewhere.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Select, and_, case, false, func, or_, select, true
from sqlalchemy.orm import aliased

from tanshi.reconciliation import Discrepancy, DiscrepancyKind
from tanshi.services.cash import bank_code, cash_discrepancies, clearing_cash_code, fees_code
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.principals import READ_ALL_ORDERS_ROLES, Principal
from tanshi.services.settlement import settlement_discrepancies
from tanshi.services.views import (
    Page,
    in_jurisdiction,
    page_of,
    reading,
    utc_text,
    visible_accounts,
)
from tanshi.store.schema import (
    accounts,
    cash_accounts,
    cash_entries,
    cash_movements,
    funds_reservations,
    settlements,
    unit_classes,
)


def reads_whole_ledger(principal: Principal) -> bool:
    return principal.role in READ_ALL_ORDERS_ROLES


def _visible_registry(principal: Principal) -> Select:
    return select(accounts.c.id).where(visible_accounts(principal))


def _jurisdiction_registry(principal: Principal) -> Select:
    return select(accounts.c.id).where(in_jurisdiction(principal, accounts.c.jurisdiction_id))


def _visible_cash(principal: Principal):
    if not reads_whole_ledger(principal):
        return cash_accounts.c.registry_account_id.in_(_visible_registry(principal))
    if not principal.jurisdiction_bound:
        return true()
    if principal.jurisdiction is None:
        return false()
    place = principal.jurisdiction  # its system cash accounts have no registry account
    return or_(
        cash_accounts.c.registry_account_id.in_(_jurisdiction_registry(principal)),
        cash_accounts.c.code.in_([bank_code(place), clearing_cash_code(place), fees_code(place)]),
    )


def _party_to(principal: Principal, registry: Select):
    return or_(settlements.c.buyer_account_id.in_(registry),
               settlements.c.seller_account_id.in_(registry))  # fmt: skip


def _account_query(principal: Principal) -> Select:
    reserved = (
        select(func.coalesce(func.sum(funds_reservations.c.open_fen), 0))
        .where(funds_reservations.c.cash_account_id == cash_accounts.c.id)
        .scalar_subquery()
    )
    paying = (
        select(func.coalesce(func.sum(settlements.c.value_fen + settlements.c.buyer_fee_fen), 0))
        .where(settlements.c.status == "pending",
               settlements.c.buyer_account_id == cash_accounts.c.registry_account_id)
        .scalar_subquery()
    )  # fmt: skip
    receiving = (
        select(func.coalesce(func.sum(settlements.c.value_fen - settlements.c.seller_fee_fen), 0))
        .where(settlements.c.status == "pending",
               settlements.c.seller_account_id == cash_accounts.c.registry_account_id)
        .scalar_subquery()
    )  # fmt: skip
    return (
        select(cash_accounts, accounts.c.code.label("registry_account"),
               reserved.label("reserved_fen"), paying.label("paying_fen"),
               receiving.label("receiving_fen"))
        .outerjoin(accounts, accounts.c.id == cash_accounts.c.registry_account_id)
        .where(_visible_cash(principal))
    )  # fmt: skip


def _account_shape(row: Any) -> dict[str, Any]:
    return {"code": row.code, "kind": row.kind, "registry_account": row.registry_account,
            "currency": row.currency, "balance_fen": int(row.balance_fen),
            "reserved_fen": int(row.reserved_fen), "pending_payments_fen": int(row.paying_fen),
            "pending_receipts_fen": int(row.receiving_fen)}  # fmt: skip


def cash_account_list(
    engine: Engine, principal: Principal, *, kind: str | None = None,
    registry_account: str | None = None, limit: int = 50, offset: int = 0,
) -> Page:  # fmt: skip
    """Cash accounts ``principal`` may read, by code: balance (free money) and what is
    reserved for orders or owed by and to pending trades."""
    query = _account_query(principal).order_by(cash_accounts.c.code)
    if kind:
        query = query.where(cash_accounts.c.kind == kind)
    if registry_account:
        query = query.where(accounts.c.code == registry_account)
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, _account_shape)


def cash_account(engine: Engine, principal: Principal, code: str) -> dict[str, Any] | None:
    with reading(engine) as connection:
        row = connection.execute(
            _account_query(principal).where(cash_accounts.c.code == code)
        ).first()
    return None if row is None else _account_shape(row)


def cash_entries_of(
    engine: Engine, principal: Principal, code: str, *, kind: str | None = None,
    limit: int = 50, offset: int = 0,
) -> Page | None:  # fmt: skip
    """The movements in and out of cash account ``code``, newest first (None if hidden)."""
    with reading(engine) as connection:
        found = connection.execute(
            select(cash_accounts.c.id).where(cash_accounts.c.code == code,
                                             _visible_cash(principal))
        ).scalar()  # fmt: skip
        if found is None:
            return None
        other = aliased(cash_accounts)
        incoming = cash_movements.c.to_cash_account_id == found
        query = (
            select(cash_entries.c.id, cash_entries.c.kind, cash_entries.c.booked_at,
                   cash_entries.c.memo, cash_movements.c.amount_fen,
                   case((incoming, 1), else_=-1).label("sign"), other.c.code.label("counterparty"))
            .select_from(cash_movements.join(cash_entries))
            .join(other, other.c.id == case((incoming, cash_movements.c.from_cash_account_id),
                                            else_=cash_movements.c.to_cash_account_id))
            .where(or_(incoming, cash_movements.c.from_cash_account_id == found))
            .order_by(cash_entries.c.id.desc(), cash_movements.c.id.desc())
        )  # fmt: skip
        if kind:
            query = query.where(cash_entries.c.kind == kind)
        return page_of(connection, query, limit, offset, lambda r: {
            "entry_id": r.id, "kind": r.kind, "booked_at": utc_text(r.booked_at),
            "memo": r.memo, "amount_fen": int(r.sign) * int(r.amount_fen),
            "counterparty": r.counterparty})  # fmt: skip


def settlement_list(
    engine: Engine, principal: Principal, *, status: str | None = None,
    account: str | None = None, limit: int = 50, offset: int = 0,
) -> Page:  # fmt: skip
    """Trades reported for settlement that ``principal``'s accounts are party to, newest first."""
    buyer, seller = aliased(accounts), aliased(accounts)
    query = (
        select(settlements, buyer.c.code.label("buyer"), seller.c.code.label("seller"),
               unit_classes.c.code.label("unit_class"))
        .join(buyer, buyer.c.id == settlements.c.buyer_account_id)
        .join(seller, seller.c.id == settlements.c.seller_account_id)
        .join(unit_classes, unit_classes.c.id == settlements.c.unit_class_id)
        .order_by(settlements.c.traded_at.desc(), settlements.c.id.desc())
    )  # fmt: skip
    if not reads_whole_ledger(principal):
        query = query.where(_party_to(principal, _visible_registry(principal)))
    elif principal.jurisdiction_bound:
        query = query.where(_party_to(principal, _jurisdiction_registry(principal)))
    if status:
        query = query.where(settlements.c.status == status)
    if account:
        query = query.where(or_(buyer.c.code == account, seller.c.code == account))
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, _settlement_shape)


def _settlement_shape(r: Any) -> dict[str, Any]:
    return {
        "trade_id": r.trade_id, "venue": r.venue, "buyer": r.buyer, "seller": r.seller,
        "unit_class": r.unit_class, "quantity_t": int(r.quantity_units),
        "price_fen_per_t": int(r.price_fen_per_t), "value_fen": int(r.value_fen),
        "buyer_fee_fen": int(r.buyer_fee_fen), "seller_fee_fen": int(r.seller_fee_fen),
        "traded_at": utc_text(r.traded_at), "settle_on": r.settle_on.isoformat(),
        "status": r.status, "settled_at": utc_text(r.settled_at),
        "transaction_id": r.transaction_id, "cash_entry_id": r.cash_entry_id,
    }  # fmt: skip


def pending_settlements(engine: Engine, principal: Principal | None = None) -> dict[str, int]:
    """How many trades await settlement, and their value in fen (the regulator's overview):
    of ``principal``'s jurisdiction when it is bound to one."""
    query = select(func.count(), func.coalesce(func.sum(settlements.c.value_fen), 0)).where(
        and_(settlements.c.status == "pending")
    )
    if principal is not None and principal.jurisdiction_bound:
        query = query.where(_party_to(principal, _jurisdiction_registry(principal)))
    with reading(engine) as connection:
        count, value = connection.execute(query).one()
    return {"pending": int(count), "pending_value_fen": int(value)}


def ledger_discrepancies(
    engine: Engine, principal: Principal, jurisdiction: Jurisdiction
) -> list[Discrepancy] | None:
    """What is wrong with the exchange's ledgers of ``jurisdiction`` (``cash_discrepancies``
    and ``settlement_discrepancies``, reconciliation.Discrepancy records), for the roles that
    read the whole ledger; None for anyone else. A cash account's discrepancy is shown to
    whoever reads that account; the whole ledger's sum only to those bound to no
    jurisdiction. Empty when all reconciles."""
    if not reads_whole_ledger(principal):
        return None
    with reading(engine) as connection:
        found = settlement_discrepancies(connection, jurisdiction)
        visible = set(connection.execute(
            select(cash_accounts.c.code).where(_visible_cash(principal))).scalars())  # fmt: skip
        for discrepancy in cash_discrepancies(connection):
            if discrepancy.kind is DiscrepancyKind.CASH_NOT_BALANCED:
                if not principal.jurisdiction_bound:
                    found.append(discrepancy)
            elif discrepancy.account in visible:
                found.append(discrepancy)
    return found


def discrepancy_shape(discrepancy: Discrepancy) -> dict[str, Any]:
    """A ledger discrepancy as the API answers it: code, message, where."""
    return {"code": discrepancy.code, "message": discrepancy.message, "where": discrepancy.where}
