"""Transactions and proposals, as lists and one by one, scoped to who asks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from tanshi.registry.lifecycle import ProposalStatus
from tanshi.services.principals import Principal
from tanshi.services.views.common import Page, page_of, reading, utc_text, visible_accounts
from tanshi.store.schema import (
    accounts,
    movements,
    proposals,
    representatives,
    transactions,
    unit_classes,
)


def _touches_visible(principal: Principal):
    if principal.reads_all and not principal.jurisdiction_bound:
        return true()
    visible = select(accounts.c.id).where(visible_accounts(principal))
    return transactions.c.id.in_(
        select(movements.c.transaction_id).where(
            or_(movements.c.from_account_id.in_(visible), movements.c.to_account_id.in_(visible))
        )
    )


def _transaction_shape(row: Any) -> dict[str, Any]:
    return {"id": row.id, "sequence": int(row.sequence), "type": row.type_code,
            "booked_at": utc_text(row.booked_at), "compliance_year": row.compliance_year,
            "memo": row.memo, "entry_hash": row.entry_hash}  # fmt: skip


def transaction_list(
    engine: Engine, principal: Principal, *, type_code: str | None = None,
    account_code: str | None = None, year: int | None = None, limit: int = 50, offset: int = 0,
) -> Page:  # fmt: skip
    query = (
        select(transactions)
        .where(_touches_visible(principal))
        .order_by(transactions.c.sequence.desc())
    )
    if type_code:
        query = query.where(transactions.c.type_code == type_code)
    if year is not None:
        query = query.where(transactions.c.compliance_year == year)
    if account_code:
        wanted = select(accounts.c.id).where(accounts.c.code == account_code)
        query = query.where(
            transactions.c.id.in_(
                select(movements.c.transaction_id).where(
                    or_(movements.c.from_account_id.in_(wanted),
                        movements.c.to_account_id.in_(wanted))
                )
            )
        )  # fmt: skip
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, _transaction_shape)


def transaction(engine: Engine, principal: Principal, transaction_id: int) -> dict[str, Any] | None:
    source, target = aliased(accounts), aliased(accounts)
    with reading(engine) as connection:
        row = connection.execute(
            select(transactions).where(
                transactions.c.id == transaction_id, _touches_visible(principal)
            )
        ).first()
        if row is None:
            return None
        legs = connection.execute(
            select(source.c.code, target.c.code, unit_classes.c.code, movements.c.quantity_units)
            .select_from(movements.join(unit_classes))
            .join(source, source.c.id == movements.c.from_account_id)
            .join(target, target.c.id == movements.c.to_account_id)
            .where(movements.c.transaction_id == transaction_id)
            .order_by(movements.c.id)
        ).all()
    shaped = _transaction_shape(row)
    shaped["movements"] = [
        {"from_account": f, "to_account": t, "unit_class": u, "quantity_units": int(q)}
        for f, t, u, q in legs
    ]
    return shaped


def _proposal_query(principal: Principal) -> Select:
    query = select(proposals, accounts.c.code.label("source_account")).join(
        accounts, accounts.c.id == proposals.c.source_account_id
    )
    return query.where(visible_accounts(principal))


def proposal_body(
    proposal_id: int, type_code: str, status: str, result: str, source_account: str,
    quantity_units: int, initiator: str, approver: str | None, proposed_at: datetime,
    release_at: datetime | None, transaction_id: int | None, memo: str, *,
    to_account: str | None = None, to_holder: str | None = None, unit_class: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A proposal as the API and the web UI show it.

    ``destination_trusted`` and ``release_if_approved_now`` are filled in for proposals
    awaiting approval by ``services.approval_outlook`` where a caller asks for them.
    """
    return {
        "id": proposal_id, "type": type_code, "status": status, "result": result,
        "source_account": source_account, "to_account": to_account, "to_holder": to_holder,
        "unit_class": unit_class, "quantity_units": int(quantity_units),
        "initiator": initiator, "approver": approver, "proposed_at": utc_text(proposed_at),
        "release_at": utc_text(release_at), "transaction_id": transaction_id, "memo": memo,
        "destination_trusted": None, "release_if_approved_now": None,
    }  # fmt: skip


def _joined(values: list[str]) -> str | None:
    # A person's proposal has one source; several destinations or classes are listed together.
    distinct = list(dict.fromkeys(values))
    return ", ".join(distinct) if distinct else None


def _shaped(connection: Connection, rows: list[Any]) -> list[dict[str, Any]]:
    """The proposals of ``rows`` with their destinations (code, holder) and unit classes,
    named in two queries whatever the number of rows."""
    legs = [row.request.get("movements", []) for row in rows]
    account_ids = {int(m[1]) for moves in legs for m in moves}
    class_ids = {int(m[2]) for moves in legs for m in moves}
    named = {} if not account_ids else {
        row.id: (row.code, row.holder) for row in connection.execute(
            select(accounts.c.id, accounts.c.code, accounts.c.holder)
            .where(accounts.c.id.in_(sorted(account_ids))))}  # fmt: skip
    classes: dict[int, str] = {} if not class_ids else {
        row.id: row.code for row in connection.execute(
            select(unit_classes.c.id, unit_classes.c.code)
            .where(unit_classes.c.id.in_(sorted(class_ids))))}  # fmt: skip
    shaped = []
    for row, moves in zip(rows, legs, strict=True):
        targets = [named[int(m[1])] for m in moves if int(m[1]) in named]
        shaped.append(proposal_body(
            row.id, row.type_code, row.status, row.result, row.source_account,
            row.quantity_units, row.initiator, row.approver, row.proposed_at, row.release_at,
            row.transaction_id, row.request.get("memo", ""),
            to_account=_joined([code for code, _ in targets]),
            to_holder=_joined([holder for _, holder in targets]),
            unit_class=_joined([classes[int(m[2])] for m in moves if int(m[2]) in classes]),
        ))  # fmt: skip
    return shaped


def proposal_list(
    engine: Engine, principal: Principal, *, status: str | None = None,
    awaiting_my_approval: bool = False, limit: int = 50, offset: int = 0,
) -> Page:  # fmt: skip
    query = _proposal_query(principal).order_by(proposals.c.id.desc())
    if status:
        query = query.where(proposals.c.status == status)
    if awaiting_my_approval:
        approvable = select(representatives.c.account_id).where(
            representatives.c.person == principal.username, representatives.c.can_approve
        )
        query = query.where(
            proposals.c.status == ProposalStatus.AWAITING_APPROVAL.value,
            proposals.c.initiator != principal.username,
            proposals.c.source_account_id.in_(approvable),
        )
    with reading(engine) as connection:
        page = page_of(connection, query, limit, offset, lambda row: row)
        return Page(_shaped(connection, page.items), page.total, page.limit, page.offset)


def proposal(engine: Engine, principal: Principal, proposal_id: int) -> dict[str, Any] | None:
    with reading(engine) as connection:
        return proposal_in(connection, principal, proposal_id)


def proposal_in(
    connection: Connection, principal: Principal, proposal_id: int
) -> dict[str, Any] | None:
    """``proposal`` on the caller's connection."""
    row = connection.execute(
        _proposal_query(principal).where(proposals.c.id == proposal_id)
    ).first()
    return None if row is None else _shaped(connection, [row])[0]
