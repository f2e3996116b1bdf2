"""Each covered company's position in a year whose compliance table is not computed yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, func, select

from tanshi.compliance.coverage import covered
from tanshi.core.quantities import t_to_kg
from tanshi.rulebook import NoRuleInForce
from tanshi.services import views
from tanshi.services.allocation import allocated_units
from tanshi.services.compliance import company_rows, deadline_of, positions
from tanshi.services.compliance_reads import GIVEN
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.mrv import verified_emissions_t
from tanshi.services.surrender_standing import standing_of
from tanshi.services.year_state import compliance_computed
from tanshi.store.engine import reader
from tanshi.store.schema import accounts, companies, movements, transactions


@dataclass(frozen=True, slots=True)
class YearPosition:
    """Where a covered company stands before the deadline: no status, which only the
    deadline's compliance run gives (docs/compliance.md)."""

    company: str
    name: str
    sector: str  # the sector's code, as the compliance table gives it
    deadline: date
    verified_kg: int | None  # None: no verified emissions yet
    allocated_t: int
    obligation_t: int | None  # None without verified emissions
    surrendered_t: int  # allowances and credits surrendered for the year so far
    still_owed_t: int | None  # the shortfall so far; None without verified emissions


def year_positions(engine: Engine, jurisdiction: Jurisdiction, year: int) -> list[YearPosition]:
    """``jurisdiction``'s covered companies in ``year`` by code, as they stand now; empty
    once the year's compliance table is stored (that table says it) or without rules."""
    with reader(engine).connect() as connection:
        if compliance_computed(connection, jurisdiction, year):
            return []
    try:
        found = positions(engine, jurisdiction, year)
        deadline = deadline_of(jurisdiction, year)
    except NoRuleInForce:
        return []
    sectors = {
        row["code"]: row["sector"]
        for row in views.company_list(engine, limit=10**6, jurisdiction=jurisdiction.code).items
    }
    result = []
    for position in found:
        if not position.covered:
            continue
        standing = standing_of(jurisdiction, year, position)
        verified = position.verified_tco2
        result.append(YearPosition(
            company=position.company, name=position.name,
            sector=sectors.get(position.company, position.sector), deadline=deadline,
            verified_kg=None if verified is None else t_to_kg(verified),
            allocated_t=position.allocated_t,
            obligation_t=standing.obligation_t if standing else None,
            surrendered_t=position.surrendered_allowances_t + position.surrendered_offsets_t,
            still_owed_t=standing.still_owed_t if standing else None,
        ))  # fmt: skip
    return result


@dataclass(frozen=True, slots=True)
class CoveredCompany:
    """A company covered in a year, as the public may know it before the deadline."""

    company: str
    name: str
    sector: str  # the sector's code
    deadline: date


def covered_companies(
    engine: Engine, jurisdiction: Jurisdiction, year: int
) -> list[CoveredCompany]:
    """The companies ``year_positions`` lists, by code, without their figures: the public's
    list before the deadline. Read in a few queries for the whole jurisdiction (it answers
    visitors who are not logged in, so it must not cost a query per company)."""
    try:
        deadline = deadline_of(jurisdiction, year)
    except NoRuleInForce:
        return []
    allocated = allocated_units(engine, jurisdiction, year)
    with reader(engine).connect() as connection:
        if compliance_computed(connection, jurisdiction, year):
            return []
        verified = verified_emissions_t(connection, jurisdiction, year)
        surrendered = _surrendered_companies(connection, jurisdiction, year)
        rows = company_rows(connection, jurisdiction)
    # ``compliance.coverage.covered``, as ``compliance.positions`` asks it company by company.
    return [
        CoveredCompany(code, name, sector, deadline)
        for code, name, sector in rows
        if covered(jurisdiction.rulebook, year, sector, allocated=code in allocated,
                   verified=code in verified, surrendered=code in surrendered)
    ]  # fmt: skip


def _surrendered_companies(
    connection: Connection, jurisdiction: Jurisdiction, year: int
) -> set[str]:
    """Codes of the companies with a net surrender (or forced compliance) for ``year``."""
    net: dict[str, int] = {}
    for types, account, sign in (
        (GIVEN, movements.c.from_account_id, 1),
        (("surrender_reversal",), movements.c.to_account_id, -1),
    ):
        query = (
            select(companies.c.code, func.sum(movements.c.quantity_units))
            .select_from(movements.join(transactions)
                         .join(accounts, accounts.c.id == account)
                         .join(companies, companies.c.id == accounts.c.company_id))
            .where(transactions.c.type_code.in_(types), transactions.c.compliance_year == year,
                   companies.c.jurisdiction_id == jurisdiction.id)
            .group_by(companies.c.code)
        )  # fmt: skip
        for code, quantity in connection.execute(query):
            net[code] = net.get(code, 0) + sign * int(quantity)
    return {code for code, units in net.items() if units > 0}
