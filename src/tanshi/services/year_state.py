"""Whether a jurisdiction has allocated a year, trued it up or computed its compliance.

One database may hold several jurisdictions, and allocation and compliance rows name a
company, not a jurisdiction: each check goes through the company's jurisdiction, so one
jurisdiction's finished year never stops another's.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, Table, select

from tanshi.services.jurisdiction import Jurisdiction
from tanshi.store.schema import allocation_lines, allocations, companies, compliance_results


def _any_row(
    connection: Connection, table: Table, jurisdiction: Jurisdiction, year: int,
    *also: ColumnElement[bool],
) -> bool:  # fmt: skip
    """Whether ``table`` has a row of ``year`` for a company of ``jurisdiction``."""
    query = (
        select(table.c.id)
        .join(companies, companies.c.id == table.c.company_id)
        .where(companies.c.jurisdiction_id == jurisdiction.id, table.c.year == year, *also)
        .limit(1)
    )
    return connection.execute(query).first() is not None


def allocated_in(connection: Connection, jurisdiction: Jurisdiction, year: int) -> bool:
    """Whether a company of ``jurisdiction`` has an allocation row for ``year``."""
    return _any_row(connection, allocations, jurisdiction, year)


def trued_up_in(connection: Connection, jurisdiction: Jurisdiction, year: int) -> bool:
    """Whether ``jurisdiction``'s true-up of ``year`` has been booked."""
    return _any_row(connection, allocation_lines, jurisdiction, year,
                    allocation_lines.c.stage == "true_up")  # fmt: skip


def compliance_computed(connection: Connection, jurisdiction: Jurisdiction, year: int) -> bool:
    """Whether ``jurisdiction``'s compliance table of ``year`` is stored."""
    return _any_row(connection, compliance_results, jurisdiction, year)
