"""The compliance report of a year (the CSV and HTML that ``tanshi demo`` writes): rebuilt
from the stored compliance results, or projected from the positions before the deadline.

The positions are read again (after the deadline they no longer change) and the stored
status, obligation, offsets counted, shortfall, penalty and price are laid over them, so
the report shows exactly what was computed at the deadline, penalty choices included.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine, select

from tanshi.compliance import ComplianceLine, PriceBasis, Status, reconcile
from tanshi.core.quantities import fen_to_cny
from tanshi.rulebook import rules_in_force
from tanshi.services.compliance import penalty_price, positions
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.views import reading
from tanshi.store.schema import companies, compliance_results


def published_lines(
    engine: Engine, jurisdiction: Jurisdiction, year: int
) -> tuple[list[ComplianceLine], PriceBasis] | None:
    """The lines and price basis of ``year`` as stored, or None before the year is computed."""
    with reading(engine) as connection:
        stored = {
            row.code: row
            for row in connection.execute(
                select(companies.c.code, compliance_results)
                .join(companies, companies.c.id == compliance_results.c.company_id)
                .where(
                    companies.c.jurisdiction_id == jurisdiction.id,
                    compliance_results.c.year == year,
                )
            )
        }
    if not stored:
        return None
    rules = rules_in_force(jurisdiction.rulebook, year)
    price = penalty_price(engine, jurisdiction, year)
    any_row = next(iter(stored.values()))
    price = dataclasses.replace(price, price_cny_per_t=fen_to_cny(any_row.price_fen_per_t))
    lines = reconcile(
        year, positions(engine, jurisdiction, year), rules.compliance, rules.offsets,
        rules.penalty, price, rules.obligation_limits, {},
    )  # fmt: skip
    published = []
    for line in lines:
        row = stored.get(line.position.company)
        if row is None:
            continue
        published.append(dataclasses.replace(
            line, status=Status(row.status), obligation_t=row.obligation_units,
            offsets_counted_t=int(row.offsets_counted_units), shortfall_t=row.shortfall_units,
            penalty=None if row.penalty_fen is None else fen_to_cny(row.penalty_fen),
        ))  # fmt: skip
    return published, price


def projected_lines(
    engine: Engine, jurisdiction: Jurisdiction, year: int
) -> tuple[list[ComplianceLine], PriceBasis]:
    """The table the deadline would compute from the positions as they stand, written
    nowhere: what ``run_compliance`` stores if nobody trades or surrenders any more (the
    minimum of any penalty range)."""
    rules = rules_in_force(jurisdiction.rulebook, year)
    price = penalty_price(engine, jurisdiction, year)
    lines = reconcile(
        year, positions(engine, jurisdiction, year), rules.compliance, rules.offsets,
        rules.penalty, price, rules.obligation_limits, {},
    )  # fmt: skip
    return lines, price
