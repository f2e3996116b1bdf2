"""Read models for administration: the audit log, users and organisations, in pages."""

from __future__ import annotations

from sqlalchemy import Engine, exists, or_, select

from tanshi.services.principals import Principal
from tanshi.services.views import Page, in_jurisdiction, page_of, reading, utc_text
from tanshi.store.schema import (
    accounts,
    audit_log,
    companies,
    jurisdictions,
    organisations,
    representatives,
    unit_classes,
    users,
)


def audit_entries(
    engine: Engine, *, action: str | None = None, username: str | None = None,
    limit: int = 50, offset: int = 0, principal: Principal | None = None,
) -> Page:  # fmt: skip
    """The audit log, newest first; for a ``principal`` bound to a jurisdiction, the entries
    of its jurisdiction: written by a user of an organisation of it, or aimed at one of its
    registry accounts, unit classes (orders name them) or covered companies
    (docs/security.md "Jurisdictions")."""
    query = select(audit_log).order_by(audit_log.c.id.desc())
    if principal is not None and principal.jurisdiction_bound:
        query = query.where(or_(
            audit_log.c.organisation.in_(select(organisations.c.code).where(
                in_jurisdiction(principal, organisations.c.jurisdiction_id))),
            audit_log.c.target.in_(select(accounts.c.code).where(
                in_jurisdiction(principal, accounts.c.jurisdiction_id))),
            audit_log.c.target.in_(select(unit_classes.c.code).where(
                unit_classes.c.jurisdiction == (principal.jurisdiction or ""))),
            audit_log.c.target.in_(select(companies.c.code).where(
                in_jurisdiction(principal, companies.c.jurisdiction_id))),
        ))  # fmt: skip
    if action:
        query = query.where(audit_log.c.action == action)
    if username:
        query = query.where(audit_log.c.username == username)
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, lambda r: {
            "id": r.id, "at": utc_text(r.at), "username": r.username,
            "organisation": r.organisation, "action": r.action, "target": r.target,
            "source_ip": r.source_ip, "result": r.result, "detail": r.detail,
        })  # fmt: skip


def user_list(engine: Engine, *, limit: int = 50, offset: int = 0) -> Page:
    represents = exists().where(
        representatives.c.person == users.c.username,
        or_(representatives.c.can_initiate, representatives.c.can_approve),
    )
    query = (
        select(users.c.username, users.c.display_name, users.c.role, organisations.c.code,
               users.c.locale, users.c.active, users.c.totp_secret.is_not(None),
               users.c.locked_until, users.c.must_change_password, users.c.failed_logins,
               represents.label("represents"))
        .join(organisations)
        .order_by(users.c.username)
    )  # fmt: skip
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, lambda r: {
            "username": r[0], "display_name": r[1], "role": r[2], "organisation": r[3],
            "locale": r[4], "active": r[5], "totp_enrolled": bool(r[6]),
            "locked_until": utc_text(r[7]), "must_change_password": bool(r[8]),
            "failed_logins": int(r[9]), "represents": bool(r[10]),
        })  # fmt: skip


def organisation_list(engine: Engine, *, limit: int = 50, offset: int = 0) -> Page:
    query = (
        select(organisations.c.code, organisations.c.name, organisations.c.kind,
               companies.c.code.label("company"), jurisdictions.c.code.label("jurisdiction"))
        .outerjoin(companies, companies.c.id == organisations.c.company_id)
        .outerjoin(jurisdictions, jurisdictions.c.id == organisations.c.jurisdiction_id)
        .order_by(organisations.c.code)
    )  # fmt: skip
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, lambda r: {
            "code": r[0], "name": r[1], "kind": r[2], "company": r[3], "jurisdiction": r[4]})  # fmt: skip
