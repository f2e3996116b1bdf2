"""Allocating a year: issue the cap, compute free allocation, move it to operators."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, select

from tanshi.allocation import AllocationTable, grandfather
from tanshi.core.errors import TanshiError
from tanshi.core.quantities import kg_to_t, t_to_kg
from tanshi.registry import Movement, TransactionRequest
from tanshi.rulebook import rules_in_force
from tanshi.rulebook.model import GrandfatheringRule
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    operator_account_code,
    unit_class_id,
)
from tanshi.services.mrv import company_ids
from tanshi.services.registry import execute_in
from tanshi.store.schema import (
    allocation_deductions,
    allocations,
    companies,
    emission_reports,
)


def base_emissions(engine: Engine, base_years: tuple[int, ...]) -> dict[str, dict[int, Decimal]]:
    """Company code → base year → verified emissions (t), for companies with any."""
    query = (
        select(companies.c.code, emission_reports.c.year, emission_reports.c.verified_kg)
        .join(companies)
        .where(emission_reports.c.year.in_(base_years), emission_reports.c.verified_kg.is_not(None))
    )
    history: dict[str, dict[int, Decimal]] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            history.setdefault(row.code, {})[row.year] = kg_to_t(row.verified_kg)
    return history


def deductions(engine: Engine, year: int) -> dict[str, int]:
    """Company code → units to deduct from ``year``'s allocation (carried shortfalls).

    Deductions already booked in the registry (the year was allocated before compliance
    ran) are not counted again.
    """
    query = (
        select(companies.c.code, allocation_deductions.c.quantity_units)
        .join(companies)
        .where(
            allocation_deductions.c.year == year,
            allocation_deductions.c.transaction_id.is_(None),
        )
    )
    totals: dict[str, int] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            totals[row.code] = totals.get(row.code, 0) + int(row.quantity_units)
    return totals


def plan_allocation(engine: Engine, jurisdiction: Jurisdiction, year: int) -> AllocationTable:
    """The allocation of ``year`` as the rules compute it, without writing anything."""
    rules = rules_in_force(jurisdiction.rulebook, year)
    if not isinstance(rules.allocation, GrandfatheringRule):
        raise TanshiError(
            f"allocating {year} from the database supports grandfathering only; the "
            f"{rules.allocation.method} method runs from the library (tanshi.allocation)"
        )
    history = base_emissions(engine, rules.allocation.base_years)
    with engine.connect() as connection:
        sectors = {row.code: row.sector for row in connection.execute(select(companies))}
    return grandfather(
        year, rules.allocation, rules.capped(), history, deductions(engine, year),
        sectors=sectors, auction_shares=rules.auction_shares,
    )  # fmt: skip


def allocate_year(
    engine: Engine, jurisdiction: Jurisdiction, year: int, now: datetime
) -> AllocationTable:
    """Issue the year's cap and allocate it, all in one database transaction.

    Refuses a year that is already allocated. Deductions the allocation cannot absorb are
    recorded against the next year.
    """
    rules = rules_in_force(jurisdiction.rulebook, year)
    table = plan_allocation(engine, jurisdiction, year)
    allowances = unit_class_id(engine, jurisdiction, rules.allowance_unit_type.code, year)
    code = jurisdiction.code
    with engine.begin() as connection:
        if connection.execute(select(allocations.c.id).where(allocations.c.year == year)).first():
            raise TanshiError(f"{year} is already allocated; corrections need new transactions")
        ids = company_ids(connection)
        cap = Movement(
            jurisdiction.issuance_account,
            jurisdiction.holding_account,
            allowances,
            rules.capped().cap_t,
        )
        issued = execute_in(
            connection,
            TransactionRequest(
                "issuance",
                f"{code}/issuance/{year}",
                (cap,),
                now,
                memo=f"cap {year}: {rules.capped().source}",
            ),
        )
        if not issued.ok:
            raise TanshiError(f"issuing the {year} cap failed: {issued.result}")
        for line in table.lines:
            transaction_id = None
            if line.allocated_t > 0:
                operator = account_id(connection, operator_account_code(code, line.company))
                move = Movement(
                    jurisdiction.holding_account, operator, allowances, line.allocated_t
                )
                outcome = execute_in(
                    connection,
                    TransactionRequest(
                        "allocation",
                        f"{code}/allocation/{year}/{line.company}",
                        (move,),
                        now,
                        memo=f"free allocation {year}",
                    ),
                )
                if not outcome.ok:
                    raise TanshiError(f"allocating to {line.company} failed: {outcome.result}")
                transaction_id = outcome.transaction_id
            connection.execute(
                allocations.insert().values(
                    company_id=ids[line.company],
                    year=year,
                    base_average_kg=t_to_kg(line.base_average_tco2),
                    correction_factor=str(line.correction_factor),
                    deduction_units=line.deduction_t,
                    allocated_units=line.allocated_t,
                    transaction_id=transaction_id,
                )
            )
        for company, quantity in sorted(table.carried_deductions_t.items()):
            connection.execute(
                allocation_deductions.insert().values(
                    company_id=ids[company],
                    year=year + 1,
                    from_compliance_year=year - 1,
                    quantity_units=quantity,
                    reason=f"deduction the {year} allocation could not absorb, carried",
                )
            )
    return table


def allocated_units(engine: Engine, year: int) -> dict[str, int]:
    """Company code → units allocated for ``year``."""
    query = (
        select(companies.c.code, allocations.c.allocated_units)
        .join(companies)
        .where(allocations.c.year == year)
    )
    with engine.connect() as connection:
        return {row.code: int(row.allocated_units) for row in connection.execute(query)}
