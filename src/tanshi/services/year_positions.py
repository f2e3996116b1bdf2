"""Each covered company's position in a year whose compliance table is not computed yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from tanshi.core.quantities import t_to_kg
from tanshi.rulebook import NoRuleInForce
from tanshi.services import views
from tanshi.services.compliance import deadline_of, positions
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.surrender_standing import standing_of
from tanshi.services.year_state import compliance_computed
from tanshi.store.engine import reader


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
