"""Surrendering units for a compliance year and computing the compliance table at the deadline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, Engine, select

from tanshi.compliance import (
    ComplianceLine,
    Position,
    PriceBasis,
    Status,
    obligation_t,
    offsets_cap_t,
    price_window,
    reconcile,
)
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import to_utc
from tanshi.core.quantities import cny_to_fen
from tanshi.market import average_price
from tanshi.registry import Movement, ResultCode, TransactionRequest, UnitClass
from tanshi.rulebook import RulesInForce, UnitKind, rules_in_force
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
    """Surrender units for ``year``; offsets beyond the cap and late surrenders are refused."""
    rules = rules_in_force(jurisdiction.rulebook, year)
    where = f"surrender by {company} for {year}"
    with engine.begin() as connection:
        unit_class_id = unit_class_by_code(connection, unit_class_code)
        if unit_class_id is None:
            return None, [Issue("unknown_unit_class", f"no unit class {unit_class_code}", where)]
        unit_class = load_unit_classes(connection, [unit_class_id])[unit_class_id]
        operator = find_account(connection, operator_account_code(jurisdiction.code, company))
        if operator is None:
            return None, [Issue("unknown_company", f"no covered company {company}", where)]
        # Serialise with every registry write before reading what was surrendered, so two
        # surrenders cannot both pass the offset cap (the lock every write takes first).
        lock_journal_head(connection)
        issues = _eligibility(rules, unit_class, jurisdiction, local_date(jurisdiction, now), where)
        if unit_class.kind.is_credit and not issues:
            issues += _offset_room(connection, rules, company, operator, quantity_t, where)
        if issues:
            return None, issues
        outcome = execute_in(
            connection,
            TransactionRequest(
                "surrender",
                idempotency_key,
                (Movement(operator, jurisdiction.surrender_account, unit_class_id, quantity_t),),
                now,
                memo=f"surrender for {year}",
                compliance_year=year,
            ),
        )
    if outcome.result is not ResultCode.OK:
        return outcome, [Issue(outcome.result.value, "the registry refused the surrender", where)]
    return outcome, []


def net_surrendered(connection: Connection, operator: int, kind: UnitKind, year: int) -> int:
    """Units of a kind an operator surrendered for a year, less any reversed back to it."""
    given = units_moved(connection, "surrender", from_account=operator, unit_kind=kind,
                        compliance_year=year)  # fmt: skip
    returned = units_moved(connection, "surrender_reversal", to_account=operator, unit_kind=kind,
                           compliance_year=year)  # fmt: skip
    return given - returned


def _eligibility(
    rules: RulesInForce, unit_class: UnitClass, jurisdiction: Jurisdiction, day: date, where: str
) -> list[Issue]:
    issues = []
    deadline = rules.compliance.surrender_deadline(rules.year)
    if day > deadline:
        issues.append(
            Issue(
                "surrender_after_deadline", f"the deadline for {rules.year} was {deadline}", where
            )
        )
    if unit_class.kind is UnitKind.ALLOWANCE:
        if unit_class.unit_type != rules.allowance_unit_type.code:
            issues.append(
                Issue(
                    "unit_type_not_eligible",
                    f"surrender {rules.allowance_unit_type.code} allowances",
                    where,
                )
            )
        elif unit_class.vintage > rules.year:
            issues.append(
                Issue(
                    "vintage_not_eligible",
                    f"vintage {unit_class.vintage} cannot cover {rules.year}",
                    where,
                )
            )
    elif rules.offsets is None or unit_class.unit_type not in rules.offsets.eligible_unit_types:
        issues.append(
            Issue(
                "offset_not_eligible",
                f"{unit_class.unit_type} offsets do not count in {rules.year}",
                where,
            )
        )
    elif unit_class.vintage > rules.year or unit_class.jurisdiction != jurisdiction.code:
        issues.append(
            Issue(
                "offset_not_eligible",
                f"offsets of {unit_class.jurisdiction} vintage {unit_class.vintage} cannot cover "
                f"{jurisdiction.code} {rules.year}: the vintage must not be later and the "
                "jurisdiction must match",
                where,
            )
        )
    return issues


def _offset_room(
    connection: Connection,
    rules: RulesInForce,
    company: str,
    operator: int,
    quantity_t: int,
    where: str,
) -> list[Issue]:
    assert rules.offsets is not None, "checked by _eligibility"
    verified = verified_emissions_t(connection, rules.year).get(company)
    already = sum(
        net_surrendered(connection, operator, kind, rules.year)
        for kind in UnitKind
        if kind.is_credit
    )
    if verified is None:
        return [
            Issue(
                "offsets_need_verified_emissions",
                "the offset cap depends on verified emissions; surrender offsets after "
                "verification",
                where,
            )
        ]
    cap = offsets_cap_t(obligation_t(verified, rules.compliance), rules.offsets)
    if already + quantity_t > cap:
        return [
            Issue(
                "offset_cap_exceeded",
                f"offsets may cover at most {cap} t "
                f"({rules.offsets.cap_share_of_obligation:%} of the obligation); "
                f"{already} t already surrendered, so at most {max(0, cap - already)} t more",
                where,
            )
        ]
    return []


def positions(engine: Engine, jurisdiction: Jurisdiction, year: int) -> list[Position]:
    """What every company did for ``year``, read from MRV, allocation, trades and surrender."""
    deadline = deadline_of(jurisdiction, year)
    allocated = allocated_units(engine, year)
    bought, sold = traded_units(engine, date(year, 1, 1), deadline)
    sectors = {sector.code: sector.name for sector in jurisdiction.rulebook.sectors}
    result = []
    with engine.connect() as connection:
        verified = verified_emissions_t(connection, year)
        rows = connection.execute(
            select(companies.c.code, companies.c.name, companies.c.sector).order_by(
                companies.c.code
            )
        ).all()
        for code, name, sector in rows:
            operator = account_id(connection, operator_account_code(jurisdiction.code, code))
            surrendered = {
                kind: net_surrendered(connection, operator, kind, year) for kind in UnitKind
            }
            result.append(
                Position(
                    company=code,
                    name=name,
                    sector=sectors.get(sector, sector),
                    verified_tco2=verified.get(code),
                    allocated_t=allocated.get(code, 0),
                    bought_t=bought.get(code, 0),
                    sold_t=sold.get(code, 0),
                    surrendered_allowances_t=surrendered[UnitKind.ALLOWANCE],
                    surrendered_offsets_t=sum(
                        units for kind, units in surrendered.items() if kind.is_credit
                    ),
                )
            )
    return result


def penalty_price(engine: Engine, jurisdiction: Jurisdiction, year: int) -> PriceBasis:
    """The average market price the penalty rule of ``year`` uses, or its fallback."""
    rules = rules_in_force(jurisdiction.rulebook, year)
    start, end = price_window(rules.penalty, year, deadline_of(jurisdiction, year))
    allowance_prefix = f"{rules.allowance_unit_type.code}-"
    trades = [
        t for t in load_trades(engine, start, end) if t.unit_class.startswith(allowance_prefix)
    ]
    price = average_price(trades, start, end)
    if price is None:
        return PriceBasis(rules.penalty.fallback_price_cny_per_t, start, end, from_trades=False)
    return PriceBasis(price, start, end, from_trades=True)


def run_compliance(
    engine: Engine, jurisdiction: Jurisdiction, year: int, now: datetime
) -> list[ComplianceLine]:
    """Compute and store the compliance table of ``year`` once the deadline has passed.

    Shortfalls are recorded as deductions from next year's allocation when the penalty rule
    says so; if next year is already allocated, the deduction is booked in the registry
    (operator → jurisdiction holding) from the company's next-vintage allowances. Running it again recomputes the same table and writes nothing: surrenders after
    the deadline are refused, so the positions it reads cannot change.
    """
    deadline = deadline_of(jurisdiction, year)
    if local_date(jurisdiction, now) <= deadline:
        raise TanshiError(f"compliance for {year} is computed after the deadline {deadline}")
    rules = rules_in_force(jurisdiction.rulebook, year)
    price = penalty_price(engine, jurisdiction, year)
    lines = reconcile(
        year,
        positions(engine, jurisdiction, year),
        rules.compliance,
        rules.offsets,
        rules.penalty,
        price,
    )
    with engine.begin() as connection:
        ids = company_ids(connection)
        done = connection.execute(
            select(compliance_results.c.id).where(compliance_results.c.year == year)
        ).first()
        if done is not None:
            return lines
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
                    penalty_fen=None if line.penalty_cny is None else cny_to_fen(line.penalty_cny),
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
