"""The true-up of a ``benchmark_output`` year, once its output has been verified.

    final_unit    = allocation on the year's verified output (benchmarks of the year)
    adjustment    = final_unit − pre-allocated_unit              (per unit, kept as a line)
    net_company   = Σ adjustments of the company's units

A company of the rule's ``verified_emissions_sectors`` (China's steel, cement and aluminium
in 2024) has no unit lines: its final allocation is its verified emissions of the year, in
whole tonnes as its obligation rounds them, less anything pre-allocated (one line, item
``verified_emissions``); the true-up waits until every such company's emissions are verified.
A company whose net is positive receives it as an ``allocation``; one whose net is negative
gives it back as an ``allocation_reversal`` to the jurisdiction's holding account. What
its holding can no longer cover (it sold or surrendered the units) is deducted from the
next year's allocation (from its next-year units with a ``deduction`` if that allocation
is already made, the rest from the year after, as compliance does with a shortfall). Units are issued only for what the reversals
did not return: issued for the year = what the year finally allocates, unless more came
back than was handed out (the surplus stays in the holding account). Every transaction has
an idempotency key ``JUR/true-up/YEAR/...``. All of it is one database transaction; any
error (a pre-allocated unit without verified output, a second true-up) writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from tanshi.allocation import TrueUpLine, VerifiedLine, at_verified_emissions, true_up
from tanshi.compliance.reconcile import obligation_t
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue, Severity, has_errors
from tanshi.core.quantities import kg_to_t
from tanshi.registry import Movement, TransactionRequest
from tanshi.rulebook import rules_in_force
from tanshi.rulebook.in_force import RulesInForce
from tanshi.rulebook.model import BenchmarkOutputRule
from tanshi.services import production
from tanshi.services.allocation_methods import outside_coverage, unit_factors
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    operator_account_code,
    unit_class_id,
)
from tanshi.services.market import unit_class_by_code
from tanshi.services.mrv import company_ids, company_sectors
from tanshi.services.registry import balance, execute_in, lock_journal_head
from tanshi.services.year_state import allocated_in, trued_up_in
from tanshi.store.engine import reader
from tanshi.store.schema import (
    allocation_deductions,
    allocation_lines,
    allocations,
    companies,
    emission_reports,
)

# The allocation line of a company allocated its verified emissions (no generating unit).
VERIFIED_ITEM = "verified_emissions"


@dataclass(frozen=True, slots=True)
class TrueUp:
    """A year's true-up: per unit, per company, what was taken back or carried, and Issues."""

    year: int
    lines: tuple[TrueUpLine, ...] = ()
    issues: tuple[Issue, ...] = ()
    net_t: dict[str, int] = field(default_factory=dict)  # company → + given, − taken back
    reversed_t: dict[str, int] = field(default_factory=dict)  # taken back from holdings
    carried_t: dict[str, int] = field(default_factory=dict)  # deducted from year + 1
    issued_t: int = 0
    booked: bool = False
    verified: tuple[VerifiedLine, ...] = ()  # companies allocated their verified emissions

    @property
    def ok(self) -> bool:
        return not has_errors(list(self.issues))


def book(connection: Connection, request: TransactionRequest, what: str) -> int:
    """Execute ``request`` in the open transaction; a refusal is a programming error here."""
    outcome = execute_in(connection, request)
    if not outcome.ok:
        raise TanshiError(f"{what} failed: {outcome.result}")
    assert outcome.transaction_id is not None
    return outcome.transaction_id


def true_up_done(engine: Engine, jurisdiction: Jurisdiction, year: int) -> bool:
    """Whether ``jurisdiction``'s true-up of ``year`` has been booked."""
    with reader(engine).connect() as connection:
        return trued_up_in(connection, jurisdiction, year)


def _preallocated(
    engine: Engine, jurisdiction: Jurisdiction, year: int
) -> dict[tuple[str, str], int]:
    query = (
        select(companies.c.code, allocation_lines.c.item, allocation_lines.c.allocated_units)
        .join(companies)
        .where(
            companies.c.jurisdiction_id == jurisdiction.id,
            allocation_lines.c.year == year,
            allocation_lines.c.stage == "preallocation",
        )
    )
    with reader(engine).connect() as connection:
        return {(r.code, r.item): int(r.allocated_units) for r in connection.execute(query)}


def plan_true_up(engine: Engine, jurisdiction: Jurisdiction, year: int) -> TrueUp:
    """The true-up of ``year`` on the output recorded for it, without writing anything."""
    where = f"true-up {year}"
    rules = rules_in_force(jurisdiction.rulebook, year)
    rule = rules.allocation
    if not isinstance(rule, BenchmarkOutputRule):
        return TrueUp(year, issues=(Issue(
            "no_true_up", f"{year} is allocated by {rule.method}, which has no true-up", where),))  # fmt: skip
    with reader(engine).connect() as connection:
        allocated = allocated_in(connection, jurisdiction, year)
    if not allocated:
        return TrueUp(year, issues=(Issue(
            "not_preallocated", f"{year} has not been pre-allocated; allocate it first", where),))  # fmt: skip
    left_out, notes = outside_coverage(engine, jurisdiction, year, "true-up")
    sectors = company_sectors(engine, jurisdiction)
    at_verified = {
        company for company, sector in sectors.items()
        if sector in rule.verified_emissions_sectors and company not in left_out
    }  # fmt: skip
    verified = [
        unit
        for unit in production.generating_units(engine, jurisdiction, year)
        if unit.company not in left_out and unit.company not in at_verified
    ]
    preallocated = _preallocated(engine, jurisdiction, year)
    lines, issues = true_up(
        rule, rules.benchmarks, verified,
        {key: units for key, units in preallocated.items() if key[0] not in at_verified},
    )  # fmt: skip
    issues = [*notes, *issues]
    tonnes, missing = _verified_t(engine, jurisdiction, rules, sorted(at_verified))
    issues.extend(
        Issue.of("no_verified_emissions",
                 "{company} ({sector}) is allocated its verified {year} emissions, which are "
                 "not recorded yet; the true-up waits until they are",
                 f"company {company}, true-up {year}",
                 company=company, sector=sectors[company], year=year)
        for company in missing
    )  # fmt: skip
    pre_of: dict[str, int] = {}
    for (company, _), units in preallocated.items():
        if company in at_verified:
            pre_of[company] = pre_of.get(company, 0) + units
    equal = at_verified_emissions(tonnes, pre_of)
    net: dict[str, int] = {}
    for company, adjustment in [(line.company, line.adjustment_t) for line in lines] + [
        (line.company, line.adjustment_t) for line in equal
    ]:
        net[company] = net.get(company, 0) + adjustment
    if not verified and not at_verified:
        issues.append(
            Issue("no_verified_output",
                  f"no output is recorded for {year}; import the verified output "
                  "(tanshi allocation output FILE) first", where)
        )  # fmt: skip
    return TrueUp(year, tuple(lines), tuple(issues), net, verified=tuple(equal))


def _verified_t(
    engine: Engine, jurisdiction: Jurisdiction, rules: RulesInForce, codes: list[str]
) -> tuple[dict[str, int], list[str]]:
    """Company → verified emissions of the year in whole tonnes (rounded as the obligation),
    and the companies without verified emissions."""
    query = (
        select(companies.c.code, emission_reports.c.verified_kg)
        .join(companies)
        .where(
            companies.c.jurisdiction_id == jurisdiction.id,
            companies.c.code.in_(codes),
            emission_reports.c.year == rules.year,
            emission_reports.c.verified_kg.is_not(None),
        )
    )
    with reader(engine).connect() as connection:
        found = {row.code: int(row.verified_kg) for row in connection.execute(query)}
    tonnes = {company: obligation_t(kg_to_t(kg), rules.compliance) for company, kg in found.items()}
    return tonnes, [company for company in codes if company not in found]


def _carry(
    connection: Connection,
    jurisdiction: Jurisdiction,
    unit_type: str,
    year: int,
    company: str,
    company_id: int,
    quantity: int,
    now: datetime,
) -> None:
    """Deduct what a reversal could not take back: from ``year`` + 1's allocation, or, if
    that is already made, from its units the company holds (a ``deduction``), the rest
    from ``year`` + 2 (as compliance does with a shortfall)."""
    reason = f"true-up {year}: units the holding no longer had to give back"
    year_owed = year + 1
    made = connection.execute(
        select(allocations.c.id).where(
            allocations.c.company_id == company_id, allocations.c.year == year + 1
        )
    ).first()
    if made is not None:
        year_owed = year + 2
        operator = account_id(connection, operator_account_code(jurisdiction.code, company))
        next_class = unit_class_by_code(connection, f"{unit_type}-{year + 1}")
        held = balance(connection, operator, next_class) if next_class is not None else 0
        booked = min(quantity, held)
        if booked > 0 and next_class is not None:
            transaction_id = book(
                connection,
                TransactionRequest(
                    "deduction", f"{jurisdiction.code}/true-up/{year}/deduction/{company}",
                    (Movement(operator, jurisdiction.holding_account, next_class, booked),),
                    now, memo=reason,
                ),
                f"deducting the {year} true-up from {company}",
            )  # fmt: skip
            connection.execute(
                allocation_deductions.insert().values(
                    company_id=company_id, year=year + 1, from_compliance_year=year,
                    quantity_units=booked, reason=reason, transaction_id=transaction_id,
                )
            )  # fmt: skip
            quantity -= booked
    if quantity > 0:
        connection.execute(
            allocation_deductions.insert().values(
                company_id=company_id, year=year_owed, from_compliance_year=year,
                quantity_units=quantity, reason=reason,
            )
        )  # fmt: skip


def true_up_year(engine: Engine, jurisdiction: Jurisdiction, year: int, now: datetime) -> TrueUp:
    """Book ``year``'s true-up in the registry, or return why not (nothing written).

    Whether it is already booked is checked again under the registry lock (which another
    true-up, and anything that allocates the next year, takes too): a true-up booked since
    the plan was read is then refused as such, rather than booked twice.
    """
    if true_up_done(engine, jurisdiction, year):
        return _already_booked(year)
    plan = plan_true_up(engine, jurisdiction, year)
    if not plan.ok:
        return plan
    rules = rules_in_force(jurisdiction.rulebook, year)
    allowances = unit_class_id(engine, jurisdiction, rules.allowance_unit_type.code, year)
    code, holding = jurisdiction.code, jurisdiction.holding_account
    reversed_t: dict[str, int] = {}
    carried: dict[str, int] = {}
    issues = list(plan.issues)
    transactions: dict[str, int] = {}
    with engine.begin() as connection:
        lock_journal_head(connection)
        if trued_up_in(connection, jurisdiction, year):
            return _already_booked(year)
        ids = company_ids(connection, jurisdiction)
        for company, net in sorted(plan.net_t.items()):
            if net >= 0:
                continue
            operator = account_id(connection, operator_account_code(code, company))
            held = balance(connection, operator, allowances)
            take = min(-net, held)
            if take > 0:
                reversed_t[company] = take
                transactions[company] = book(
                    connection,
                    TransactionRequest(
                        "allocation_reversal", f"{code}/true-up/{year}/reversal/{company}",
                        (Movement(operator, holding, allowances, take),), now,
                        memo=f"true-up {year}: allocation on verified output is {-net} t lower",
                    ),
                    f"taking back the {year} true-up from {company}",
                )  # fmt: skip
            if -net > take:
                carried[company] = -net - take
                _carry(connection, jurisdiction, rules.allowance_unit_type.code, year,
                       company, ids[company], -net - take, now)  # fmt: skip
                issues.append(
                    Issue("true_up_carried",
                          f"{company} holds {take} of the {-net} {year} units the true-up "
                          f"takes back; {-net - take} are deducted from its later "
                          "allocation", f"company {company}, true-up {year}", Severity.WARNING)
                )  # fmt: skip
        given = sum(net for net in plan.net_t.values() if net > 0)
        issued = max(0, given - sum(reversed_t.values()))
        if issued > 0:
            book(
                connection,
                TransactionRequest(
                    "issuance", f"{code}/true-up/{year}/issuance",
                    (Movement(jurisdiction.issuance_account, holding, allowances, issued),), now,
                    memo=f"true-up {year}: {given} t to give, {sum(reversed_t.values())} t "
                    "taken back",
                ),
                f"issuing the {year} true-up",
            )  # fmt: skip
        for company, net in sorted(plan.net_t.items()):
            if net <= 0:
                continue
            operator = account_id(connection, operator_account_code(code, company))
            transactions[company] = book(
                connection,
                TransactionRequest(
                    "allocation", f"{code}/true-up/{year}/allocation/{company}",
                    (Movement(holding, operator, allowances, net),), now,
                    memo=f"true-up {year}: allocation on verified output is {net} t higher",
                ),
                f"allocating the {year} true-up to {company}",
            )  # fmt: skip
        rows = [
            {"company_id": ids[line.company], "item": line.unit, "year": year,
             "stage": "true_up", "allocated_units": line.final.allocated_t,
             "adjustment_units": line.adjustment_t,
             "detail": {**unit_factors(line.final), "preallocated_t": str(line.preallocated_t)},
             "transaction_id": transactions.get(line.company), "recorded_at": now}
            for line in plan.lines
        ] + [
            {"company_id": ids[line.company], "item": VERIFIED_ITEM, "year": year,
             "stage": "true_up", "allocated_units": line.allocated_t,
             "adjustment_units": line.adjustment_t,
             "detail": {"verified_t": str(line.verified_t),
                        "preallocated_t": str(line.preallocated_t)},
             "transaction_id": transactions.get(line.company), "recorded_at": now}
            for line in plan.verified
        ]  # fmt: skip
        if rows:
            connection.execute(allocation_lines.insert(), rows)
    return TrueUp(
        year, plan.lines, tuple(issues), plan.net_t, reversed_t, carried, issued, booked=True,
        verified=plan.verified,
    )  # fmt: skip


def _already_booked(year: int) -> TrueUp:
    return TrueUp(year, issues=(Issue(
        "already_trued_up", f"the {year} true-up is already booked", f"true-up {year}"),))  # fmt: skip
