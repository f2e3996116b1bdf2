"""Allocating a year: issue units, compute free allocation by the year's method, book it.

``allocate_year`` runs whatever method the year's allocation rule names (grandfathering,
``eu_benchmark``, or the ``benchmark_output`` pre-allocation); ``true_up_year`` books the
true-up of a ``benchmark_output`` year once its output is verified (allocation_true_up.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select

from tanshi.allocation import AllocationTable
from tanshi.core.errors import StepRefused
from tanshi.core.issues import Issue
from tanshi.core.quantities import t_to_kg
from tanshi.registry import Movement, TransactionRequest
from tanshi.rulebook import rules_in_force
from tanshi.rulebook.model import (
    CAPPED_METHODS,
    AllocationRule,
    BenchmarkOutputRule,
    EuBenchmarkRule,
)
from tanshi.services.allocation_methods import (  # noqa: F401 - re-exported
    ItemLine,
    Plan,
    base_emissions,
    deductions,
    deductions_in,
    plan_year,
)
from tanshi.services.allocation_true_up import (  # noqa: F401 - re-exported
    TrueUp,
    book,
    plan_true_up,
    true_up_done,
    true_up_year,
)
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    operator_account_code,
    unit_class_id,
)
from tanshi.services.mrv import company_ids
from tanshi.services.registry import lock_journal_head
from tanshi.services.year_state import allocated_in
from tanshi.store.engine import reader
from tanshi.store.schema import (
    allocation_deductions,
    allocation_lines,
    allocations,
    companies,
)


def plan_allocation(engine: Engine, jurisdiction: Jurisdiction, year: int) -> AllocationTable:
    """The allocation of ``year`` as the rules compute it, without writing anything.

    For ``benchmark_output`` this is the pre-allocation; ``allocation_of_year`` gives what
    a company holds for the year once the true-up is booked.
    """
    return plan_year(engine, jurisdiction, year).table


def is_allocated(engine: Engine, jurisdiction: Jurisdiction, year: int) -> bool:
    """Whether ``jurisdiction`` has allocated ``year`` (pre-allocated, for
    ``benchmark_output``)."""
    with reader(engine).connect() as connection:
        return allocated_in(connection, jurisdiction, year)


def allocate_year(
    engine: Engine, jurisdiction: Jurisdiction, year: int, now: datetime
) -> AllocationTable:
    """Issue the year's units and allocate them, all in one database transaction.

    A capped method issues the year's cap to the jurisdiction's holding account; the
    ``benchmark_output`` pre-allocation has no cap and issues exactly what it allocates.
    Refuses a year that is already allocated. Deductions the allocation cannot absorb are
    recorded against the next year.

    The year is planned first on what is committed; the transaction then takes the registry
    lock, which compliance, a true-up and borrowing take before they record a deduction
    from this year, and plans again if the deductions changed meanwhile, so that none is
    recorded for an allocation that misses it.
    """
    rules = rules_in_force(jurisdiction.rulebook, year)
    plan = plan_year(engine, jurisdiction, year)
    allowances = unit_class_id(engine, jurisdiction, rules.allowance_unit_type.code, year)
    code = jurisdiction.code
    capped = rules.allocation.method in CAPPED_METHODS
    stage = "preallocation" if rules.allocation.method == "benchmark_output" else "allocation"
    if rules.allocation.method != "grandfathering" and not plan.items:
        raise StepRefused(_no_production(rules.allocation, year))
    with engine.begin() as connection:
        lock_journal_head(connection)
        if allocated_in(connection, jurisdiction, year):
            raise StepRefused(Issue.of(
                "already_allocated", "{year} is already allocated; corrections need new "
                "transactions", "", year=year))  # fmt: skip
        owed = deductions_in(connection, jurisdiction, year)
        if owed != plan.owed:
            plan = plan_year(engine, jurisdiction, year, owed)
        table = plan.table
        issued_t = rules.capped().cap_t if capped else table.total_t
        memo = (
            f"cap {year}: {rules.capped().source}"
            if capped
            else f"pre-allocation {year} ({rules.allocation.method}, no cap): {issued_t} t"
        )
        ids = company_ids(connection, jurisdiction)
        if issued_t > 0:
            book(
                connection,
                TransactionRequest(
                    "issuance", f"{code}/issuance/{year}",
                    (Movement(jurisdiction.issuance_account, jurisdiction.holding_account,
                              allowances, issued_t),),
                    now, memo=memo,
                ),
                f"issuing {year}",
            )  # fmt: skip
        transactions: dict[str, int | None] = {}
        for line in table.lines:
            transaction_id = None
            if line.allocated_t > 0:
                operator = account_id(connection, operator_account_code(code, line.company))
                move = Movement(
                    jurisdiction.holding_account, operator, allowances, line.allocated_t
                )
                transaction_id = book(
                    connection,
                    TransactionRequest(
                        "allocation", f"{code}/allocation/{year}/{line.company}", (move,), now,
                        memo=f"free allocation {year}"
                        + (" (pre-allocation)" if stage == "preallocation" else ""),
                    ),
                    f"allocating to {line.company}",
                )  # fmt: skip
            transactions[line.company] = transaction_id
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
        if plan.items:
            connection.execute(
                allocation_lines.insert(),
                [
                    {"company_id": ids[item.company], "item": item.item, "year": year,
                     "stage": stage, "allocated_units": item.allocated_t, "adjustment_units": 0,
                     "detail": item.detail, "transaction_id": transactions.get(item.company),
                     "recorded_at": now}
                    for item in plan.items
                ],
            )  # fmt: skip
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


def allocated_units(engine: Engine, jurisdiction: Jurisdiction, year: int) -> dict[str, int]:
    """Company code → units allocated for ``year`` to ``jurisdiction``'s companies, including
    a booked true-up."""
    mine = companies.c.jurisdiction_id == jurisdiction.id
    query = (
        select(companies.c.code, allocations.c.allocated_units)
        .join(companies)
        .where(mine, allocations.c.year == year)
    )
    adjustments = (
        select(companies.c.code, func.sum(allocation_lines.c.adjustment_units).label("units"))
        .join(companies)
        .where(mine, allocation_lines.c.year == year, allocation_lines.c.stage == "true_up")
        .group_by(companies.c.code)
    )
    with reader(engine).connect() as connection:
        totals = {row.code: int(row.allocated_units) for row in connection.execute(query)}
        for row in connection.execute(adjustments):
            totals[row.code] = totals.get(row.code, 0) + int(row.units)
    return totals


def allocation_of_year(engine: Engine, jurisdiction: Jurisdiction, year: int) -> dict[str, int]:
    """Company code → the allocation the rules give for ``year`` as it now stands.

    For ``benchmark_output`` once allocated: the pre-allocation plus the booked true-up;
    otherwise the plan (which includes carried deductions not yet booked).
    """
    method = rules_in_force(jurisdiction.rulebook, year).allocation.method
    if method == "benchmark_output" and is_allocated(engine, jurisdiction, year):
        return allocated_units(engine, jurisdiction, year)
    return {
        line.company: line.allocated_t for line in plan_allocation(engine, jurisdiction, year).lines
    }


def _no_production(rule: AllocationRule, year: int) -> Issue:
    """Why a benchmark year cannot be allocated yet, and what to import."""
    if isinstance(rule, BenchmarkOutputRule):
        return Issue.of(
            "no_production_data",
            "no generating unit has output recorded for {base_year}, the base year of the "
            "{year} pre-allocation; import it with tanshi allocation output FILE "
            "(docs/allocation.md)",
            base_year=rule.preallocation_base_year, year=year,
        )  # fmt: skip
    assert isinstance(rule, EuBenchmarkRule)
    return Issue.of(
        "no_production_data",
        "no installation has activity recorded for {years}, the historical years of the "
        "{year} allocation; import them with tanshi allocation activity FILE "
        "(docs/allocation.md)",
        years=list(rule.historical_activity_years), year=year,
    )  # fmt: skip
