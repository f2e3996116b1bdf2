"""What the compliance engine reads about one company-year, on one open connection.

Surrendered units are net of reversals and include the regulator's forced compliance;
borrowed units are the ``borrowing`` transactions for the year; banked units the deleted leg
of the ``carry_over`` transactions from the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, func, select

from tanshi.compliance import obligation_t
from tanshi.compliance.limits import limited_obligation_t
from tanshi.core.quantities import kg_to_t
from tanshi.rulebook import RulesInForce, UnitKind
from tanshi.services.registry import units_moved
from tanshi.store.schema import (
    allocation_lines,
    allocations,
    companies,
    compliance_results,
    emission_reports,
    movements,
    trades,
    transactions,
    unit_classes,
    unit_outputs,
)

INTERNATIONAL = "international"  # the label of an international credit's unit class
GIVEN = ("surrender", "forced_compliance")


@dataclass(frozen=True, slots=True)
class Surrendered:
    """Net units surrendered for a year, by what the limits need to know."""

    allowances_t: int
    later_vintage_t: int  # allowances of a vintage after the year (borrowed ones)
    credits_t: int
    international_t: int


def surrendered(connection: Connection, operator: int, year: int) -> Surrendered:
    """What ``operator`` surrendered for ``year`` (surrender and forced compliance), net."""
    totals = {"allowances": 0, "later": 0, "credits": 0, "international": 0}
    for types, account, sign in (
        (GIVEN, movements.c.from_account_id, 1),
        (("surrender_reversal",), movements.c.to_account_id, -1),
    ):
        query = (
            select(unit_classes.c.kind, unit_classes.c.vintage, unit_classes.c.labels,
                   func.sum(movements.c.quantity_units))
            .select_from(movements.join(transactions).join(unit_classes))
            .where(transactions.c.type_code.in_(types), account == operator,
                   transactions.c.compliance_year == year)
            .group_by(unit_classes.c.kind, unit_classes.c.vintage, unit_classes.c.labels)
        )  # fmt: skip
        for kind, vintage, labels, quantity in connection.execute(query):
            units = sign * int(quantity)
            if UnitKind(kind) is UnitKind.ALLOWANCE:
                totals["allowances"] += units
                totals["later"] += units if int(vintage) > year else 0
            else:
                totals["credits"] += units
                intl = INTERNATIONAL in (labels or "").split(",")
                totals["international"] += units if intl else 0
    return Surrendered(
        totals["allowances"], totals["later"], totals["credits"], totals["international"]
    )


def key_used(connection: Connection, idempotency_key: str) -> bool:
    """Whether a transaction was already booked with this key (a replay skips the limits:
    the registry returns the booked transaction or refuses a different request)."""
    query = select(transactions.c.id).where(transactions.c.idempotency_key == idempotency_key)
    return connection.execute(query).first() is not None


def borrowed_t(connection: Connection, operator: int, year: int) -> int:
    return units_moved(connection, "borrowing", to_account=operator, compliance_year=year)


def banked_t(connection: Connection, operator: int, from_year: int) -> int:
    return units_moved(connection, "carry_over", from_account=operator, compliance_year=from_year)


def company_id(connection: Connection, company: str) -> int:
    return int(
        connection.execute(select(companies.c.id).where(companies.c.code == company)).scalar_one()
    )


def allocated_t(connection: Connection, company: str, year: int) -> int:
    """Units allocated to a company for ``year``, including a booked true-up."""
    ident = company_id(connection, company)
    found = connection.execute(
        select(allocations.c.allocated_units).where(
            allocations.c.company_id == ident, allocations.c.year == year
        )
    ).scalar()
    return int(found or 0) + _true_up_t(connection, ident, year)


def _true_up_t(connection: Connection, ident: int, year: int) -> int:
    """The net change a benchmark_output true-up booked for a company-year (0 otherwise)."""
    total = connection.execute(
        select(func.coalesce(func.sum(allocation_lines.c.adjustment_units), 0)).where(
            allocation_lines.c.company_id == ident,
            allocation_lines.c.year == year,
            allocation_lines.c.stage == "true_up",
        )
    ).scalar_one()
    return int(total)


def gas_companies(connection: Connection, rules: RulesInForce) -> frozenset[str]:
    """Companies all of whose generating units of the year are gas units, when the year's
    obligation limits cap gas units at their allocation (China).

    A unit is a gas unit when its class's electricity benchmark has ``fuel = "gas"``. The
    rule is per unit, the obligation per company: a company with coal and gas units is
    treated as a coal company (documented in docs/compliance.md).
    """
    limits = rules.obligation_limits
    if limits is None or not limits.gas_units_capped_at_allocation:
        return frozenset()
    gas = {b.code for b in rules.benchmarks if b.fuel == "gas" and b.product == "electricity"}
    classes: dict[str, set[str]] = {}
    query = (
        select(companies.c.code, unit_outputs.c.unit_class)
        .join(companies, companies.c.id == unit_outputs.c.company_id)
        .where(unit_outputs.c.year == rules.year)
    )
    for code, unit_class in connection.execute(query):
        classes.setdefault(code, set()).add(unit_class)
    return frozenset(code for code, found in classes.items() if found <= gas)


def allocated_years(connection: Connection, company: str, years: range) -> list[int]:
    """The allocations of the years in ``years`` that have been made, in year order, before
    deductions (of earlier shortfalls or loans): the allocation the plan gave."""
    rows = connection.execute(
        select(allocations.c.year,
               (allocations.c.allocated_units + allocations.c.deduction_units).label("gross"))
        .where(allocations.c.company_id == company_id(connection, company),
               allocations.c.year.in_(list(years)))
        .order_by(allocations.c.year)
    ).all()  # fmt: skip
    ident = company_id(connection, company)
    return [int(row.gross) + _true_up_t(connection, ident, int(row.year)) for row in rows]


def traded_t(connection: Connection, company: str, start: date, end: date) -> tuple[int, int]:
    """(bought, sold) allowances in bilateral trades from ``start`` to ``end``."""
    ident = company_id(connection, company)
    result = []
    for side in (trades.c.buyer_company_id, trades.c.seller_company_id):
        total = connection.execute(
            select(func.coalesce(func.sum(trades.c.quantity_units), 0)).where(
                side == ident, trades.c.traded_on >= start, trades.c.traded_on <= end
            )
        ).scalar_one()
        result.append(int(total))
    return result[0], result[1]


def owed_from_earlier_t(connection: Connection, company: str, year: int, owed: bool) -> int:
    """Last year's shortfall when last year's penalty rule leaves it still owed."""
    if not owed:
        return 0
    found = connection.execute(
        select(compliance_results.c.shortfall_units).where(
            compliance_results.c.company_id == company_id(connection, company),
            compliance_results.c.year == year - 1,
        )
    ).scalar()
    return int(found or 0)


def obligation_of(
    connection: Connection, rules: RulesInForce, company: str, owed_t: int = 0
) -> tuple[int, Decimal] | None:
    """(obligation, verified emissions) of a company-year, limits applied; None unverified."""
    found = connection.execute(
        select(emission_reports.c.verified_kg).where(
            emission_reports.c.company_id == company_id(connection, company),
            emission_reports.c.year == rules.year,
        )
    ).scalar()
    if found is None:
        return None
    verified = kg_to_t(found)
    limited = limited_obligation_t(
        obligation_t(verified, rules.compliance),
        verified,
        allocated_t(connection, company, rules.year),
        rules.obligation_limits,
        company in gas_companies(connection, rules),
        rules.compliance.obligation_rounding,
    )
    return limited + owed_t, verified
