"""Accounts, their holdings and the two accounts a transfer names, as their reader sees them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    or_,
    select,
    true,
)

from tanshi.services.principals import Principal
from tanshi.services.views.common import (
    Page,
    page_of,
    reading,
    sees_jurisdiction_id,
    visibility,
    visible_accounts,
    visible_bound,
)
from tanshi.store.async_reads import AsyncReads
from tanshi.store.prepared import Prepared, Send
from tanshi.store.schema import (
    accounts,
    companies,
    holdings,
    unit_classes,
)


def _account_shape(row: Any) -> dict[str, Any]:
    return {"code": row.code, "kind": row.kind, "status": row.status, "holder": row.holder,
            "company": row.company}  # fmt: skip


def _account_query() -> Select:
    return select(
        accounts.c.id, accounts.c.code, accounts.c.kind, accounts.c.status, accounts.c.holder,
        companies.c.code.label("company"),
    ).outerjoin(companies, companies.c.id == accounts.c.company_id)  # fmt: skip


def account_list(
    engine: Engine, principal: Principal, *, kind: str | None = None, status: str | None = None,
    company_code: str | None = None, limit: int = 50, offset: int = 0,
) -> Page:  # fmt: skip
    query = _account_query().where(visible_accounts(principal)).order_by(accounts.c.code)
    if kind:
        query = query.where(accounts.c.kind == kind)
    if status:
        query = query.where(accounts.c.status == status)
    if company_code:
        query = query.where(companies.c.code == company_code)
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, _account_shape)


def _account_with_holdings(visible: Any) -> Prepared:
    held = and_(holdings.c.account_id == accounts.c.id, holdings.c.quantity_units != 0)
    return Prepared(
        _account_query()
        .add_columns(unit_classes.c.code.label("unit_class"), unit_classes.c.kind.label("unit_kind"),
                     unit_classes.c.vintage, holdings.c.quantity_units)
        .outerjoin(holdings, held)
        .outerjoin(unit_classes, unit_classes.c.id == holdings.c.unit_class_id)
        .where(accounts.c.code == bindparam("code"), visible)
        .order_by(unit_classes.c.code)
    )  # fmt: skip


_ACCOUNT_FOR_ALL = _account_with_holdings(true())
_ACCOUNT_IN_JURISDICTION = _account_with_holdings(
    accounts.c.jurisdiction_id == bindparam("jurisdiction_id")
)
_ACCOUNT_IF_VISIBLE = _account_with_holdings(
    visibility(bindparam("person"), bindparam("organisation_id"))
)
_ACCOUNT_READS = (_ACCOUNT_FOR_ALL, _ACCOUNT_IN_JURISDICTION, _ACCOUNT_IF_VISIBLE)


def _one_account(
    principal: Principal, code: str, reads: tuple[Prepared, Prepared, Prepared]
) -> tuple[Prepared, dict[str, Any]] | None:
    """The statement and parameters that read account ``code`` for ``principal``, from
    ``reads`` (for all, in a jurisdiction, if visible); None when ``principal`` reads no
    account at all (a regulator without a jurisdiction). Another jurisdiction's account
    reads as if it did not exist."""
    for_all, in_jurisdiction, if_visible = reads
    if not principal.reads_all:
        return if_visible, {"code": code, **visible_bound(principal)}
    if not principal.jurisdiction_bound:
        return for_all, {"code": code}
    if principal.jurisdiction_id is None:
        return None
    return in_jurisdiction, {"code": code, "jurisdiction_id": principal.jurisdiction_id}


def account(engine: Engine, principal: Principal, code: str) -> dict[str, Any] | None:
    """One account with its holdings, or None if it does not exist or is hidden (one query)."""
    read = _one_account(principal, code, _ACCOUNT_READS)
    if read is None:
        return None
    with reading(engine) as connection:
        return _account_from(read[0].rows(connection, **read[1]))


async def account_on_loop(
    reads: AsyncReads, principal: Principal, code: str
) -> dict[str, Any] | None:
    """``account`` through the event loop's connections (PostgreSQL)."""
    read = _one_account(principal, code, _ACCOUNT_READS)
    return None if read is None else _account_from(await reads.rows(read[0], **read[1]))


def _account_from(rows: Sequence[Any]) -> dict[str, Any] | None:
    if not rows:
        return None
    shaped = _account_shape(rows[0])
    shaped["holdings"] = _holdings_from(rows)
    return shaped


def _holdings_from(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"unit_class": r.unit_class, "unit_kind": r.unit_kind, "vintage": r.vintage,
         "quantity_units": int(r.quantity_units)}
        for r in rows
        if r.unit_class is not None
    ]  # fmt: skip


def _holdings_only(visible: Any) -> Prepared:
    # The account's holdings without its own columns: a row of NULLs if it holds nothing,
    # no row if it does not exist or is hidden.
    held = and_(holdings.c.account_id == accounts.c.id, holdings.c.quantity_units != 0)
    return Prepared(
        select(unit_classes.c.code.label("unit_class"), unit_classes.c.kind.label("unit_kind"),
               unit_classes.c.vintage, holdings.c.quantity_units)
        .select_from(accounts)
        .outerjoin(holdings, held)
        .outerjoin(unit_classes, unit_classes.c.id == holdings.c.unit_class_id)
        .where(accounts.c.code == bindparam("code"), visible)
        .order_by(unit_classes.c.code)
    )  # fmt: skip


_HOLDINGS_FOR_ALL = _holdings_only(true())
_HOLDINGS_IF_VISIBLE = _holdings_only(visibility(bindparam("person"), bindparam("organisation_id")))
_HOLDINGS_READS = (
    _HOLDINGS_FOR_ALL,
    _holdings_only(accounts.c.jurisdiction_id == bindparam("jurisdiction_id")),
    _HOLDINGS_IF_VISIBLE,
)


def account_holdings(
    engine: Engine, principal: Principal, code: str
) -> list[dict[str, Any]] | None:
    """``account(...)["holdings"]`` in a narrower query: None if absent or hidden."""
    read = _one_account(principal, code, _HOLDINGS_READS)
    if read is None:
        return None
    with reading(engine) as connection:
        rows = read[0].rows(connection, **read[1])
    return _holdings_from(rows) if rows else None


async def account_holdings_on_loop(
    reads: AsyncReads, principal: Principal, code: str
) -> list[dict[str, Any]] | None:
    """``account_holdings`` through the event loop's connections (PostgreSQL)."""
    read = _one_account(principal, code, _HOLDINGS_READS)
    rows = None if read is None else await reads.rows(read[0], **read[1])
    return _holdings_from(rows) if rows else None


def _accounts_seen(visible: Any) -> Prepared:
    return Prepared(
        select(
            accounts.c.id,
            accounts.c.code,
            accounts.c.jurisdiction_id,
            accounts.c.holder,
            visible.label("visible"),
        ).where(or_(accounts.c.code == bindparam("first"), accounts.c.code == bindparam("second")))
    )


_TWO_ACCOUNTS_FOR_ALL = _accounts_seen(true())
_TWO_ACCOUNTS_IF_VISIBLE = _accounts_seen(
    visibility(bindparam("person"), bindparam("organisation_id"))
)


def two_accounts(
    connection: Connection, principal: Principal, first: str, second: str
) -> dict[str, tuple[int, bool, int, str]]:
    """Two accounts by code (one query): their ids, whether ``principal`` may read each, the
    id of the jurisdiction each was opened in, and their holders."""
    statement, params = _two_accounts_query(principal, first, second)
    return _two_accounts_from(principal, statement.rows(connection, **params))


def send_two_accounts(
    send: Send, principal: Principal, first: str, second: str
) -> Callable[[], dict[str, tuple[int, bool, int, str]]]:
    """``two_accounts`` sent in the caller's ``pipeline``; call the result after it."""
    statement, params = _two_accounts_query(principal, first, second)
    pending = send(statement, **params)
    return lambda: _two_accounts_from(principal, pending.rows())


def _two_accounts_query(
    principal: Principal, first: str, second: str
) -> tuple[Prepared, dict[str, Any]]:
    if principal.reads_all:
        return _TWO_ACCOUNTS_FOR_ALL, {"first": first, "second": second}
    return _TWO_ACCOUNTS_IF_VISIBLE, {"first": first, "second": second,
                                      **visible_bound(principal)}  # fmt: skip


def _two_accounts_from(
    principal: Principal, rows: Sequence[Any]
) -> dict[str, tuple[int, bool, int, str]]:
    return {row.code: (int(row.id), bool(row.visible) and (not principal.reads_all or
                       sees_jurisdiction_id(principal, row.jurisdiction_id)),
                       int(row.jurisdiction_id), row.holder) for row in rows}  # fmt: skip


def account_id_if_visible(engine: Engine, principal: Principal, code: str) -> int | None:
    with reading(engine) as connection:
        found = connection.execute(
            select(accounts.c.id).where(accounts.c.code == code, visible_accounts(principal))
        ).scalar()
    return None if found is None else int(found)
