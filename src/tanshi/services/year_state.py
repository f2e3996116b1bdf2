"""Whether a jurisdiction has allocated a year or computed its compliance.

One database may hold several jurisdictions, and allocation and compliance rows name a
company, not a jurisdiction: each check goes through the company's jurisdiction, so one
jurisdiction's finished year never stops another's.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from tanshi.services.jurisdiction import Jurisdiction
from tanshi.store.schema import allocations, companies, compliance_results


def allocated_in(connection: Connection, jurisdiction: Jurisdiction, year: int) -> bool:
    """Whether a company of ``jurisdiction`` has an allocation row for ``year``."""
    query = (
        select(allocations.c.id)
        .join(companies, companies.c.id == allocations.c.company_id)
        .where(companies.c.jurisdiction_id == jurisdiction.id, allocations.c.year == year)
        .limit(1)
    )
    return connection.execute(query).first() is not None


def compliance_computed(connection: Connection, jurisdiction: Jurisdiction, year: int) -> bool:
    """Whether ``jurisdiction``'s compliance table of ``year`` is stored."""
    query = (
        select(compliance_results.c.id)
        .join(companies, companies.c.id == compliance_results.c.company_id)
        .where(companies.c.jurisdiction_id == jurisdiction.id, compliance_results.c.year == year)
        .limit(1)
    )
    return connection.execute(query).first() is not None
