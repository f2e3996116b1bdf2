"""Read models for the API and the web UI: lists with filters and pages, scoped to who asks.

Regulators, auditors and administrators read everything — of their jurisdiction, when their
organisation belongs to one (``Principal.jurisdiction_bound``; an account is in the
jurisdiction ``accounts.jurisdiction_id`` names). Anyone else reads the accounts of their own company (the
organisation's ``company_id``) and the accounts they represent, and only the transactions and
proposals that touch those accounts. A hidden row is treated as absent, so its existence does
not leak.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from tanshi.core.moments import from_store
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.services import unit_freezes
from tanshi.services.identity import Principal
from tanshi.store.async_reads import AsyncReads
from tanshi.store.prepared import Prepared, Send
from tanshi.store.schema import (
    accounts,
    allocations,
    companies,
    compliance_results,
    emission_reports,
    holdings,
    jurisdictions,
    movements,
    organisations,
    proposals,
    representatives,
    transactions,
    unit_classes,
)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its rows, how many rows match in all, and where it starts."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        after = self.offset + len(self.items)
        return after if after < self.total else None


def reading(engine: Engine) -> Connection:
    """A connection for reads; in autocommit on PostgreSQL, saving BEGIN and ROLLBACK trips.

    Each statement then sees its own snapshot: a page's count and rows may differ by the
    writes in between, which lists tolerate.
    """
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


def page_of(connection: Connection, query: Select, limit: int, offset: int, shape) -> Page:
    total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = connection.execute(query.limit(limit).offset(offset)).all()
    return Page([shape(row) for row in rows], int(total), limit, offset)


def utc_text(value: datetime | None) -> str | None:
    return None if value is None else from_store(value).isoformat()


def _visibility(person: Any, organisation_id: Any):
    # EXISTS on representatives' (account_id, person) key and the organisation's company:
    # one index probe per account, whether the query reads one account or a page of them.
    represented = exists().where(
        representatives.c.account_id == accounts.c.id, representatives.c.person == person,
        representatives.c.can_view,
    )  # fmt: skip
    own_company = accounts.c.company_id == (
        select(organisations.c.company_id)
        .where(organisations.c.id == organisation_id)
        .scalar_subquery()
    )
    return or_(represented, own_company)


def scope_of(principal: Principal | None) -> str | None:
    """The jurisdiction ``principal``'s reads are limited to: None for every one, "" (no
    jurisdiction has that code) for none — a regulator whose organisation has none."""
    if principal is None or not principal.jurisdiction_bound:
        return None
    return principal.jurisdiction or ""


def sees_jurisdiction_id(principal: Principal, jurisdiction_id: int | None) -> bool:
    """Whether ``principal`` may read what belongs to the jurisdiction ``jurisdiction_id``."""
    if not principal.jurisdiction_bound:
        return True
    return principal.jurisdiction_id is not None and principal.jurisdiction_id == jurisdiction_id


def in_jurisdiction(principal: Principal, column: Any):
    """A WHERE clause: ``column`` (a jurisdiction id) is one ``principal`` may read."""
    if not principal.jurisdiction_bound:
        return true()
    if principal.jurisdiction_id is None:
        return false()
    return column == principal.jurisdiction_id


def in_scope(engine: Engine, principal: Principal, account_code: str) -> bool:
    """Whether account ``account_code`` exists in the jurisdiction ``principal`` is limited
    to (any account, existing or not, for one that is not limited)."""
    if not principal.jurisdiction_bound:
        return True
    with reading(engine) as connection:
        found = connection.execute(
            select(accounts.c.jurisdiction_id).where(accounts.c.code == account_code)
        ).first()
    return found is not None and sees_jurisdiction_id(principal, found.jurisdiction_id)


def freeze_order_hidden(engine: Engine, principal: Principal, freeze_id: int) -> bool:
    """Whether freeze order ``freeze_id`` exists but holds another jurisdiction's account:
    callers answer as if it did not exist (one that does not exist is the service's to say)."""
    held = unit_freezes.freeze_order(engine, freeze_id)
    return held is not None and not in_scope(engine, principal, held.account)


def codes_in_scope(engine: Engine, principal: Principal) -> frozenset[str] | None:
    """The codes of the accounts in ``principal``'s jurisdiction; None: every account."""
    if not principal.jurisdiction_bound:
        return None
    with reading(engine) as connection:
        return frozenset(connection.execute(
            select(accounts.c.code).where(in_jurisdiction(principal, accounts.c.jurisdiction_id))
        ).scalars())  # fmt: skip


def visible_accounts(principal: Principal):
    """A WHERE clause on ``accounts`` for the accounts ``principal`` may read."""
    if principal.reads_all:
        return in_jurisdiction(principal, accounts.c.jurisdiction_id)
    return _visibility(principal.username, principal.organisation_id)


def _visible_bound(principal: Principal) -> dict[str, Any]:
    """The parameters of ``_visibility(bindparam("person"), bindparam("organisation_id"))``."""
    return {"person": principal.username, "organisation_id": principal.organisation_id}


def jurisdiction_list(engine: Engine) -> list[dict[str, Any]]:
    with reading(engine) as connection:
        rows = connection.execute(select(jurisdictions).order_by(jurisdictions.c.code)).all()
    return [
        {"code": r.code, "rulebook_id": r.rulebook_id, "rulebook_version": r.rulebook_version,
         "rulebook_sha256": r.rulebook_sha256, "is_demo": r.is_demo,
         "opened_at": utc_text(r.opened_at)}
        for r in rows
    ]  # fmt: skip


def rulebook_of(engine: Engine, code: str) -> dict[str, str] | None:
    """The stored rulebook of jurisdiction ``code``: its id, version and exact TOML text."""
    with reading(engine) as connection:
        row = connection.execute(select(jurisdictions).where(jurisdictions.c.code == code)).first()
    if row is None:
        return None
    return {"id": row.rulebook_id, "jurisdiction": row.code, "version": row.rulebook_version,
            "toml": row.rulebook_text}  # fmt: skip


def company_list(
    engine: Engine, *, sector: str | None = None, limit: int = 50, offset: int = 0,
    jurisdiction: str | None = None,
) -> Page:  # fmt: skip
    query = (
        select(companies.c.code, companies.c.name, companies.c.sector, jurisdictions.c.code)
        .join(jurisdictions)
        .order_by(companies.c.code)
    )
    if sector:
        query = query.where(companies.c.sector == sector)
    if jurisdiction is not None:
        query = query.where(jurisdictions.c.code == jurisdiction)
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, lambda r: {
            "code": r[0], "name": r[1], "sector": r[2], "jurisdiction": r[3]})  # fmt: skip


def company(engine: Engine, code: str, jurisdiction: str | None = None) -> dict[str, Any] | None:
    """Covered company ``code``; None if there is none (in ``jurisdiction``, if named)."""
    with reading(engine) as connection:
        row = connection.execute(
            select(companies.c.code, companies.c.name, companies.c.sector, jurisdictions.c.code)
            .join(jurisdictions)
            .where(companies.c.code == code)
        ).first()
    if row is None or (jurisdiction is not None and row[3] != jurisdiction):
        return None
    return {"code": row[0], "name": row[1], "sector": row[2], "jurisdiction": row[3]}


def company_codes(engine: Engine, jurisdiction: str) -> set[str]:
    """The codes of jurisdiction ``jurisdiction``'s covered companies."""
    with reading(engine) as connection:
        return set(connection.execute(
            select(companies.c.code).join(jurisdictions).where(jurisdictions.c.code == jurisdiction)
        ).scalars())  # fmt: skip


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
    _visibility(bindparam("person"), bindparam("organisation_id"))
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
        return if_visible, {"code": code, **_visible_bound(principal)}
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
_HOLDINGS_IF_VISIBLE = _holdings_only(
    _visibility(bindparam("person"), bindparam("organisation_id"))
)
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
            accounts.c.id, accounts.c.code, accounts.c.jurisdiction_id, visible.label("visible")
        ).where(or_(accounts.c.code == bindparam("first"), accounts.c.code == bindparam("second")))
    )


_TWO_ACCOUNTS_FOR_ALL = _accounts_seen(true())
_TWO_ACCOUNTS_IF_VISIBLE = _accounts_seen(
    _visibility(bindparam("person"), bindparam("organisation_id"))
)


def two_accounts(
    connection: Connection, principal: Principal, first: str, second: str
) -> dict[str, tuple[int, bool]]:
    """Two accounts by code (one query): their ids, and whether ``principal`` may read each."""
    statement, params = _two_accounts_query(principal, first, second)
    return _two_accounts_from(principal, statement.rows(connection, **params))


def send_two_accounts(
    send: Send, principal: Principal, first: str, second: str
) -> Callable[[], dict[str, tuple[int, bool]]]:
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
                                      **_visible_bound(principal)}  # fmt: skip


def _two_accounts_from(principal: Principal, rows: Sequence[Any]) -> dict[str, tuple[int, bool]]:
    return {row.code: (int(row.id), bool(row.visible) and (not principal.reads_all or
                       sees_jurisdiction_id(principal, row.jurisdiction_id))) for row in rows}  # fmt: skip


def account_id_if_visible(engine: Engine, principal: Principal, code: str) -> int | None:
    with reading(engine) as connection:
        found = connection.execute(
            select(accounts.c.id).where(accounts.c.code == code, visible_accounts(principal))
        ).scalar()
    return None if found is None else int(found)


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
    release_at: datetime | None, transaction_id: int | None, memo: str,
) -> dict[str, Any]:  # fmt: skip
    """A proposal as the API and the web UI show it."""
    return {
        "id": proposal_id, "type": type_code, "status": status, "result": result,
        "source_account": source_account, "quantity_units": int(quantity_units),
        "initiator": initiator, "approver": approver, "proposed_at": utc_text(proposed_at),
        "release_at": utc_text(release_at), "transaction_id": transaction_id, "memo": memo,
    }  # fmt: skip


def _proposal_shape(row: Any) -> dict[str, Any]:
    return proposal_body(
        row.id, row.type_code, row.status, row.result, row.source_account, row.quantity_units,
        row.initiator, row.approver, row.proposed_at, row.release_at, row.transaction_id,
        row.request.get("memo", ""),
    )  # fmt: skip


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
        return page_of(connection, query, limit, offset, _proposal_shape)


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
    return None if row is None else _proposal_shape(row)


def years(engine: Engine) -> list[int]:
    """Years with an allocation or a compliance table, oldest first."""
    with reading(engine) as connection:
        allocated = connection.execute(select(allocations.c.year).distinct()).scalars().all()
        computed = connection.execute(select(compliance_results.c.year).distinct()).scalars()
        return sorted({int(y) for y in allocated} | {int(y) for y in computed})


def compliance_years(engine: Engine) -> list[int]:
    with reading(engine) as connection:
        years = connection.execute(
            select(compliance_results.c.year).distinct().order_by(compliance_results.c.year)
        ).scalars()
        return [int(y) for y in years]


def compliance_table(
    engine: Engine, year: int, *, status: str | None = None, company_code: str | None = None,
    limit: int = 50, offset: int = 0, jurisdiction: str | None = None,
) -> Page:  # fmt: skip
    """The stored compliance results of ``year``: the registry's public compliance table (of
    ``jurisdiction``'s companies, if named)."""
    verified = (
        select(emission_reports.c.company_id, emission_reports.c.verified_kg)
        .where(emission_reports.c.year == year)
        .subquery()
    )
    query = (
        select(
            companies.c.code, companies.c.name, companies.c.sector, compliance_results.c.status,
            compliance_results.c.obligation_units, compliance_results.c.offsets_counted_units,
            compliance_results.c.shortfall_units, compliance_results.c.penalty_fen,
            verified.c.verified_kg,
        )
        .join(companies, companies.c.id == compliance_results.c.company_id)
        .outerjoin(verified, verified.c.company_id == companies.c.id)
        .where(compliance_results.c.year == year)
        .order_by(companies.c.code)
    )  # fmt: skip
    if status:
        query = query.where(compliance_results.c.status == status)
    if company_code:
        query = query.where(companies.c.code == company_code)
    if jurisdiction is not None:
        query = query.where(companies.c.jurisdiction_id.in_(_jurisdiction_id(jurisdiction)))

    def shape(r: Any) -> dict[str, Any]:
        return {"company": r[0], "name": r[1], "sector": r[2], "status": r[3],
                "obligation_t": r[4], "offsets_counted_t": int(r[5]), "shortfall_t": r[6],
                "penalty_fen": r[7],
                "verified_kg": None if r[8] is None else int(r[8])}  # fmt: skip

    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, shape)


def _jurisdiction_id(code: str) -> Select:
    return select(jurisdictions.c.id).where(jurisdictions.c.code == code)


def coverage(engine: Engine, year: int, jurisdiction: str | None = None) -> dict[str, int]:
    """The regulator's headline numbers for ``year`` (of ``jurisdiction``, if named)."""
    covered_companies = select(companies.c.id)
    if jurisdiction is not None:
        covered_companies = covered_companies.where(
            companies.c.jurisdiction_id.in_(_jurisdiction_id(jurisdiction))
        )
    with reading(engine) as connection:
        covered = connection.execute(
            select(func.count()).select_from(covered_companies.subquery())
        ).scalar_one()
        reported = connection.execute(
            select(func.count(), func.coalesce(func.sum(emission_reports.c.verified_kg), 0))
            .where(emission_reports.c.year == year, emission_reports.c.verified_kg.is_not(None),
                   emission_reports.c.company_id.in_(covered_companies))
        ).one()  # fmt: skip
        allocated = connection.execute(
            select(func.coalesce(func.sum(allocations.c.allocated_units), 0)).where(
                allocations.c.year == year, allocations.c.company_id.in_(covered_companies)
            )
        ).scalar_one()
        statuses = dict(
            connection.execute(
                select(compliance_results.c.status, func.count())
                .where(compliance_results.c.year == year,
                       compliance_results.c.company_id.in_(covered_companies))
                .group_by(compliance_results.c.status)
            ).all()
        )  # fmt: skip
    return {
        "companies": int(covered),
        "verified_reports": int(reported[0]),
        "verified_kg": int(reported[1]),
        "allocated_t": int(allocated),
        **{f"status_{k}": int(v) for k, v in statuses.items()},
    }
