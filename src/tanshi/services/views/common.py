"""Paging, and who sees what: the visibility filters every read model applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    exists,
    false,
    func,
    or_,
    select,
    true,
)

from tanshi.core.moments import from_store
from tanshi.services import unit_freeze_reads
from tanshi.services.principals import Principal
from tanshi.store.engine import reading
from tanshi.store.schema import (
    accounts,
    organisations,
    representatives,
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


def page_of(connection: Connection, query: Select, limit: int, offset: int, shape) -> Page:
    total = connection.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = connection.execute(query.limit(limit).offset(offset)).all()
    return Page([shape(row) for row in rows], int(total), limit, offset)


def utc_text(value: datetime | None) -> str | None:
    return None if value is None else from_store(value).isoformat()


def visibility(person: Any, organisation_id: Any):
    """The filter on ``accounts``: those ``person`` represents or ``organisation_id``'s company
    holds."""
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


def in_scope(
    engine: Engine, principal: Principal, account_code: str, *, must_exist: bool = False
) -> bool:
    """Whether account ``account_code`` exists in the jurisdiction ``principal`` is limited
    to (any account, existing or not, for one that is not limited, unless ``must_exist``)."""
    if not principal.jurisdiction_bound and not must_exist:
        return True
    with reading(engine) as connection:
        found = connection.execute(
            select(accounts.c.jurisdiction_id).where(accounts.c.code == account_code)
        ).first()
    return found is not None and sees_jurisdiction_id(principal, found.jurisdiction_id)


def freeze_order_hidden(engine: Engine, principal: Principal, freeze_id: int) -> bool:
    """Whether freeze order ``freeze_id`` exists but holds another jurisdiction's account:
    callers answer as if it did not exist (one that does not exist is the service's to say)."""
    held = unit_freeze_reads.freeze_order(engine, freeze_id)
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
    return visibility(principal.username, principal.organisation_id)


def visible_bound(principal: Principal) -> dict[str, Any]:
    """The parameters of ``visibility(bindparam("person"), bindparam("organisation_id"))``."""
    return {"person": principal.username, "organisation_id": principal.organisation_id}
