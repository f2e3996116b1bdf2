"""Surrendering units for a compliance year and computing the compliance table at the deadline."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from tanshi.compliance import (
    ComplianceLine,
    Position,
    PriceBasis,
    Status,
    check_choice,
    price_window,
    reconcile,
)
from tanshi.compliance.coverage import covered
from tanshi.core.errors import InputRejected, TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import to_utc
from tanshi.core.quantities import cny_to_fen
from tanshi.market import average_price
from tanshi.registry import Movement, ResultCode, TransactionRequest, UnitClass
from tanshi.rulebook import RulesInForce, UnitKind, rules_in_force
from tanshi.rulebook.model import FixedPenaltyRule, LumpSumPenaltyRule
from tanshi.services import compliance_reads as reads
from tanshi.services import surrender_checks
from tanshi.services.allocation import allocated_units
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    find_account,
    local_date,
    operator_account_code,
)
from tanshi.services.market import load_trades, traded_units, unit_class_by_code
from tanshi.services.mrv import company_ids, verified_emissions_t
from tanshi.services.registry import (
    Outcome,
    balance,
    execute_in,
    load_unit_classes,
    lock_journal_head,
    units_moved,
)
from tanshi.services.year_state import compliance_computed
from tanshi.store.engine import reader
from tanshi.store.schema import (
    allocation_deductions,
    allocations,
    companies,
    compliance_results,
)


def deadline_of(jurisdiction: Jurisdiction, year: int) -> date:
    """The surrender deadline for compliance year ``year``."""
    return rules_in_force(jurisdiction.rulebook, year).compliance.surrender_deadline(year)


def surrender(
    engine: Engine,
    jurisdiction: Jurisdiction,
    company: str,
    unit_class_code: str,
    quantity_t: int,
    year: int,
    idempotency_key: str,
    now: datetime,
) -> tuple[Outcome | None, list[Issue]]:
    """Surrender units for ``year``; units the rules do not count, and late ones, are refused.

    The checks run in the order docs/compliance.md "Surrender" gives: units not held are
    said before whether such units would count.
    """
    rules = rules_in_force(jurisdiction.rulebook, year)
    where = f"surrender by {company} for {year}"
    with engine.begin() as connection:
        found = _surrender_request(connection, jurisdiction, company, unit_class_code,
                                   quantity_t, year, idempotency_key, now, where)  # fmt: skip
        if isinstance(found, list):
            return None, found
        # Serialise with every registry write before reading what was surrendered, so two
        # surrenders cannot both pass the offset cap (the lock every write takes first).
        lock_journal_head(connection)
        issues = _checks(connection, jurisdiction, rules, company, *found, unit_class_code, now,
                         where)  # fmt: skip
        if issues:
            return None, issues
        outcome = execute_in(connection, found[0])
    if outcome.result is not ResultCode.OK:
        account = operator_account_code(jurisdiction.code, company)
        return outcome, [surrender_checks.refusal(outcome.result, where, account=account,
                                                  quantity=quantity_t)]  # fmt: skip
    return outcome, []


def surrender_refusals(
    engine: Engine, jurisdiction: Jurisdiction, company: str, unit_class_code: str,
    quantity_t: int, year: int, idempotency_key: str, now: datetime,
) -> list[Issue]:  # fmt: skip
    """What ``surrender`` would refuse now, read without writing (none: it would go ahead;
    ``surrender`` checks again under its lock). The web asks this before it asks whether a
    surrender beyond the obligation is meant, so the question comes only for one that can."""
    rules = rules_in_force(jurisdiction.rulebook, year)
    where = f"surrender by {company} for {year}"
    with reader(engine).connect() as connection:
        found = _surrender_request(connection, jurisdiction, company, unit_class_code,
                                   quantity_t, year, idempotency_key, now, where)  # fmt: skip
        if isinstance(found, list):
            return found
        return _checks(connection, jurisdiction, rules, company, *found, unit_class_code, now,
                       where)  # fmt: skip


def _checks(
    connection: Connection, jurisdiction: Jurisdiction, rules: RulesInForce, company: str,
    request: TransactionRequest, unit_class: UnitClass, unit_class_code: str, now: datetime,
    where: str,
) -> list[Issue]:  # fmt: skip
    """The surrender's checks in their order; a replay (its key used) skips those the
    registry answers for it (what is held, the caps)."""
    replay = reads.key_used(connection, request.idempotency_key)
    [movement] = request.movements
    issues = surrender_checks.deadline(rules, local_date(jurisdiction, now), where)
    if not issues and not replay:
        issues = surrender_checks.registry_refusals(
            connection, request, operator_account_code(jurisdiction.code, company),
            unit_class_code, where)  # fmt: skip
    if not issues:
        issues = surrender_checks.eligibility(rules, unit_class, jurisdiction, where)
    if not issues and not replay:
        issues = surrender_checks.room(connection, jurisdiction, rules, company,
                                       movement.from_account, unit_class,
                                       movement.quantity_units, where)  # fmt: skip
    return issues


def _surrender_request(
    connection: Connection, jurisdiction: Jurisdiction, company: str, unit_class_code: str,
    quantity_t: int, year: int, idempotency_key: str, now: datetime, where: str,
) -> tuple[TransactionRequest, UnitClass] | list[Issue]:  # fmt: skip
    """The registry request a surrender makes, with its unit class; or why there is none."""
    unit_class_id = unit_class_by_code(connection, unit_class_code)
    if unit_class_id is None:
        return [Issue.of("unknown_unit_class", "no unit class {code}", where, code=unit_class_code)]
    unit_class = load_unit_classes(connection, [unit_class_id])[unit_class_id]
    operator = find_account(connection, operator_account_code(jurisdiction.code, company))
    if operator is None:
        return [Issue.of("unknown_company", "no covered company {company}", where, company=company)]
    movement = Movement(operator, jurisdiction.surrender_account, unit_class_id, quantity_t)
    request = TransactionRequest("surrender", idempotency_key, (movement,), now,
                                 memo=f"surrender for {year}", compliance_year=year)  # fmt: skip
    return request, unit_class


def net_surrendered(connection: Connection, operator: int, kind: UnitKind, year: int) -> int:
    """Units of a kind an operator surrendered for a year, less any reversed back to it."""
    given = sum(
        units_moved(connection, type_code, from_account=operator, unit_kind=kind,
                    compliance_year=year)
        for type_code in reads.GIVEN
    )  # fmt: skip
    returned = units_moved(connection, "surrender_reversal", to_account=operator, unit_kind=kind,
                           compliance_year=year)  # fmt: skip
    return given - returned


def company_rows(connection: Connection, jurisdiction: Jurisdiction) -> list[Any]:
    """``jurisdiction``'s companies as (code, name, sector code), by code."""
    return list(connection.execute(
        select(companies.c.code, companies.c.name, companies.c.sector)
        .where(companies.c.jurisdiction_id == jurisdiction.id)
        .order_by(companies.c.code)
    ).all())  # fmt: skip


def positions(engine: Engine, jurisdiction: Jurisdiction, year: int) -> list[Position]:
    """What every company did for ``year``, read from MRV, allocation, trades and surrender.

    ``Position.covered`` is ``compliance.coverage.covered`` (the one definition): its sector
    is covered in the year and it has an allocation or verified emissions for it, or
    surrendered for it; otherwise its status is ``excluded``.
    """
    deadline = deadline_of(jurisdiction, year)
    allocated = allocated_units(engine, jurisdiction, year)
    bought, sold = traded_units(engine, date(year, 1, 1), deadline)
    sectors = {sector.code: sector.name for sector in jurisdiction.rulebook.sectors}
    owed = surrender_checks.still_owed_before(jurisdiction, year)
    rules = rules_in_force(jurisdiction.rulebook, year)
    result = []
    with reader(engine).connect() as connection:
        verified = verified_emissions_t(connection, jurisdiction, year)
        gas = reads.gas_companies(connection, rules)
        rows = company_rows(connection, jurisdiction)
        for code, name, sector in rows:
            operator = account_id(connection, operator_account_code(jurisdiction.code, code))
            done = reads.surrendered(connection, operator, year)
            result.append(
                Position(
                    company=code,
                    name=name,
                    sector=sectors.get(sector, sector),
                    verified_tco2=verified.get(code),
                    allocated_t=allocated.get(code, 0),
                    bought_t=bought.get(code, 0),
                    sold_t=sold.get(code, 0),
                    surrendered_allowances_t=done.allowances_t,
                    surrendered_offsets_t=done.credits_t,
                    surrendered_international_t=done.international_t,
                    owed_from_earlier_t=reads.owed_from_earlier_t(connection, code, year, owed),
                    banked_t=reads.banked_t(connection, operator, year),
                    borrowed_t=reads.borrowed_t(connection, operator, year),
                    gas_unit=code in gas,
                    covered=covered(
                        jurisdiction.rulebook,
                        year,
                        sector,
                        allocated=code in allocated,
                        verified=code in verified,
                        surrendered=done.allowances_t + done.credits_t > 0,
                    ),
                )
            )
    return result


def penalty_price(engine: Engine, jurisdiction: Jurisdiction, year: int) -> PriceBasis:
    """The average market price the penalty rule of ``year`` uses, or its fallback.

    A fixed penalty's price is its amount per tonne; a lump sum has no price (0).
    """
    rules = rules_in_force(jurisdiction.rulebook, year)
    deadline = deadline_of(jurisdiction, year)
    rule = rules.penalty
    if isinstance(rule, FixedPenaltyRule):
        return PriceBasis(rule.amount_per_t, deadline, deadline, from_trades=False)
    if isinstance(rule, LumpSumPenaltyRule):
        return PriceBasis(Decimal(0), deadline, deadline, from_trades=False)
    start, end = price_window(rule, year, deadline)
    allowance_prefix = f"{rules.allowance_unit_type.code}-"
    trades = [
        t for t in load_trades(engine, start, end) if t.unit_class.startswith(allowance_prefix)
    ]
    price = average_price(trades, start, end)
    if price is None:
        return PriceBasis(rule.fallback_price_per_t, start, end, from_trades=False)
    return PriceBasis(price, start, end, from_trades=True)


def run_compliance(
    engine: Engine,
    jurisdiction: Jurisdiction,
    year: int,
    now: datetime,
    choices: Mapping[str, Decimal] | None = None,
) -> list[ComplianceLine]:
    """Compute and store the compliance table of ``year`` once the deadline has passed.

    ``choices`` maps a company to the regulator's choice within a penalty range (the
    multiple of a 5-10 × rule, the fine of a CNY 20,000-30,000 rule); without one the
    minimum applies. A choice outside the range, or for a rule without one, is refused
    (InputRejected) before anything is written.

    Shortfalls are recorded as deductions from next year's allocation when the penalty rule
    says so; if next year is already allocated, the deduction is booked in the registry
    (operator → jurisdiction holding) from the company's next-vintage allowances. Running it
    again recomputes the same table and writes nothing: surrenders after
    the deadline are refused, so the positions it reads cannot change.
    """
    deadline = deadline_of(jurisdiction, year)
    if local_date(jurisdiction, now) <= deadline:
        raise TanshiError(f"compliance for {year} is computed after the deadline {deadline}")
    rules = rules_in_force(jurisdiction.rulebook, year)
    choices = dict(choices or {})
    issues = [
        issue
        for company, choice in sorted(choices.items())
        for issue in check_choice(rules.penalty, choice, f"penalty of {company} for {year}")
    ]
    if issues:
        raise InputRejected(f"the penalty choices for {year}", issues)
    price = penalty_price(engine, jurisdiction, year)

    def table(found: list[Position]) -> list[ComplianceLine]:
        return reconcile(year, found, rules.compliance, rules.offsets, rules.penalty, price,
                         rules.obligation_limits, choices)  # fmt: skip

    found = positions(engine, jurisdiction, year)
    lines = table(found)
    with engine.begin() as connection:
        # Under the registry lock, as allocate_year: a second run waits and writes nothing,
        # and next year's allocation is either seen here or sees the deductions written.
        lock_journal_head(connection)
        ids = company_ids(connection, jurisdiction)
        if compliance_computed(connection, jurisdiction, year):
            return lines
        # What was committed before the lock counts (a forced surrender, a true-up): a
        # company forced to comply meanwhile must not also be recorded short.
        now_found = positions(engine, jurisdiction, year)
        if now_found != found:
            lines = table(now_found)
        for line in lines:
            company_id = ids[line.position.company]
            connection.execute(
                compliance_results.insert().values(
                    company_id=company_id,
                    year=year,
                    status=line.status.value,
                    obligation_units=line.obligation_t,
                    offsets_counted_units=line.offsets_counted_t,
                    shortfall_units=line.shortfall_t,
                    # hundredths of the rulebook's currency (fen for CNY)
                    penalty_fen=None if line.penalty is None else cny_to_fen(line.penalty),
                    price_fen_per_t=cny_to_fen(price.price_cny_per_t),
                    computed_at=to_utc(now),
                )
            )
            if line.status is Status.NON_COMPLIANT and line.deduction_next_year_t:
                _deduct(connection, jurisdiction, rules, line, company_id, now)
    return lines


def _deduct(
    connection: Connection,
    jurisdiction: Jurisdiction,
    rules: RulesInForce,
    line: ComplianceLine,
    company_id: int,
    now: datetime,
) -> None:
    year, company = rules.year, line.position.company
    quantity = line.deduction_next_year_t
    reason = f"shortfall of {line.shortfall_t} t in {year}: {rules.penalty.source}"
    allocated = connection.execute(
        select(allocations.c.id).where(
            allocations.c.company_id == company_id, allocations.c.year == year + 1
        )
    ).first()
    year_owed = year + 1
    if allocated is not None:
        year_owed = year + 2  # what the allocation already made cannot cover
        operator = account_id(connection, operator_account_code(jurisdiction.code, company))
        unit_class = unit_class_by_code(connection, f"{rules.allowance_unit_type.code}-{year + 1}")
        held = balance(connection, operator, unit_class) if unit_class is not None else 0
        booked = min(quantity, held)
        if booked > 0 and unit_class is not None:
            outcome = execute_in(
                connection,
                TransactionRequest(
                    "deduction",
                    f"{jurisdiction.code}/deduction/{year + 1}/{company}",
                    (Movement(operator, jurisdiction.holding_account, unit_class, booked),),
                    now,
                    memo=reason,
                ),
            )
            if not outcome.ok:
                raise TanshiError(f"deducting from {company} failed: {outcome.result}")
            connection.execute(
                allocation_deductions.insert().values(
                    company_id=company_id,
                    year=year + 1,
                    from_compliance_year=year,
                    quantity_units=booked,
                    reason=reason,
                    transaction_id=outcome.transaction_id,
                )
            )
            quantity -= booked
    if quantity > 0:
        connection.execute(
            allocation_deductions.insert().values(
                company_id=company_id,
                year=year_owed,
                from_compliance_year=year,
                quantity_units=quantity,
                reason=reason,
            )
        )
