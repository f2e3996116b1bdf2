"""Reading the verification bodies and their conflict-of-interest declarations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from tanshi.services.views import Page, page_of, reading, utc_text
from tanshi.store.schema import companies, conflict_declarations, verification_bodies


def body_list(
    engine: Engine, *, accredited: bool | None = None, limit: int = 50, offset: int = 0
) -> Page:
    """The registered verification bodies, by code."""
    query = select(
        verification_bodies.c.code, verification_bodies.c.name, verification_bodies.c.accredited,
        verification_bodies.c.registered_at,
    ).order_by(verification_bodies.c.code)  # fmt: skip
    if accredited is not None:
        query = query.where(verification_bodies.c.accredited == accredited)

    def shape(row: Any) -> dict[str, Any]:
        return {"code": row.code, "name": row.name, "accredited": bool(row.accredited),
                "registered_at": utc_text(row.registered_at)}  # fmt: skip

    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, shape)


def body_exists(engine: Engine, code: str) -> bool:
    with reading(engine) as connection:
        return connection.execute(
            select(verification_bodies.c.id).where(verification_bodies.c.code == code)
        ).first() is not None  # fmt: skip


def conflict_list(engine: Engine, body: str, *, limit: int = 50, offset: int = 0) -> Page:
    """The companies ``body`` declared a conflict of interest with, by company."""
    query = (
        select(companies.c.code, conflict_declarations.c.reason,
               conflict_declarations.c.declared_at)
        .select_from(conflict_declarations.join(verification_bodies).join(companies))
        .where(verification_bodies.c.code == body)
        .order_by(companies.c.code)
    )  # fmt: skip

    def shape(row: Any) -> dict[str, Any]:
        return {"body": body, "company": row.code, "reason": row.reason,
                "declared_at": utc_text(row.declared_at)}  # fmt: skip

    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, shape)


def conflicts_by_company(engine: Engine) -> dict[str, set[str]]:
    """Company code → the codes of the bodies that declared a conflict with it."""
    query = select(companies.c.code, verification_bodies.c.code.label("body")).select_from(
        conflict_declarations.join(verification_bodies).join(companies)
    )
    found: dict[str, set[str]] = {}
    with reading(engine) as connection:
        for row in connection.execute(query):
            found.setdefault(row.code, set()).add(row.body)
    return found
