"""Banking, borrowing and forced compliance within the rulebook's limits, as registry moves.

- ``bank``: a ``carry_over`` (vintage v deleted, v + 1 issued to the same account) within the
  banking rule in force in v;
- ``borrow``: a ``borrowing`` of the lent vintage (the next year, or the rule's
  ``lend_from_year``) within the borrowing rule, deducted from that year's allocation;
- ``force_compliance``: the regulator's ``forced_compliance`` of what a company still owes,
  in the surrender order (oldest vintage first, then borrowed units).

Each checks the limits and writes the transaction in one database transaction, after the
journal-head lock, so two requests cannot both pass a limit. Refusals are ``Issue`` records
with a result code (docs/compliance.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, select

from tanshi.compliance import (
    BankingRoom,
    Holding,
    banking_limit_t,
    banking_refusals,
    borrowing_limit_t,
    freely_banked,
    lend_year,
    offsets_counted_t,
    same_phase,
    surrender_plan,
)
from tanshi.core.issues import Issue
from tanshi.registry import Movement, TransactionRequest
from tanshi.rulebook import RulesInForce, UnitKind, rules_in_force
from tanshi.rulebook.model import BankingRule
from tanshi.services import compliance_reads as reads
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    find_account,
    local_date,
    operator_account_code,
    system_account_code,
    unit_class_id,
)
from tanshi.services.registry import Outcome, execute_in, lock_journal_head
from tanshi.services.year_state import allocated_in, compliance_computed
from tanshi.store.schema import (
    allocation_deductions,
    holdings,
    unit_classes,
)

Result = tuple[Outcome | None, list[Issue]]


def bank(
    engine: Engine, jurisdiction: Jurisdiction, company: str, from_year: int, quantity_t: int,
    idempotency_key: str, now: datetime,
) -> Result:  # fmt: skip
    """Carry ``quantity_t`` allowances of ``from_year`` over to the next vintage, within limits."""
    rules = rules_in_force(jurisdiction.rulebook, from_year)
    where = f"banking by {company} of {from_year} allowances"
    code = rules.allowance_unit_type.code
    old = unit_class_id(engine, jurisdiction, code, from_year)
    new = unit_class_id(engine, jurisdiction, code, from_year + 1)
    with engine.begin() as connection:
        operator = find_account(connection, operator_account_code(jurisdiction.code, company))
        if operator is None:
            return None, [Issue("unknown_company", f"no covered company {company}", where)]
        lock_journal_head(connection)
        rule = rules.banking
        issues = banking_refusals(rule, jurisdiction.rulebook.phase, from_year, where)
        if issues:
            return None, issues
        assert rule is not None, "banking_refusals refuses a year without a rule"
        if not reads.key_used(connection, idempotency_key):
            issues = _banking_room(connection, rules, rule, company, operator, quantity_t, where)
        if issues:
            return None, issues
        deletion = account_id(connection, system_account_code(jurisdiction.code, "DELETION"))
        outcome = execute_in(connection, TransactionRequest(
            "carry_over", idempotency_key,
            (Movement(operator, deletion, old, quantity_t),
             Movement(jurisdiction.issuance_account, operator, new, quantity_t)),
            now, memo=f"banked {quantity_t} t of {from_year} ({rule.source})",
            compliance_year=from_year,
        ))  # fmt: skip
    return _result(outcome, where)


def _banking_room(
    connection: Connection,
    rules: RulesInForce,
    rule: BankingRule,
    company: str,
    operator: int,
    quantity_t: int,
    where: str,
) -> list[Issue]:
    from_year = rules.year
    phase = rules.phase
    first, last = (phase.valid_from, phase.valid_to) if phase else (from_year, from_year)
    made = reads.allocated_years(connection, company, range(first, last + 1))
    average = Decimal(sum(made)) / len(made) if made else Decimal(0)
    deadline = rules.compliance.surrender_deadline(from_year)
    bought, sold = reads.traded_t(connection, company, date(from_year, 1, 1), deadline)
    limit = banking_limit_t(rule, average, sold, bought)
    return BankingRoom(limit, reads.banked_t(connection, operator, from_year)).refusal(
        quantity_t, where
    )


def borrow(
    engine: Engine, jurisdiction: Jurisdiction, company: str, year: int, quantity_t: int,
    idempotency_key: str, now: datetime,
) -> Result:  # fmt: skip
    """Lend a company later allowances for ``year``'s obligation, within the borrowing rule."""
    rules = rules_in_force(jurisdiction.rulebook, year)
    where = f"borrowing by {company} for {year}"
    rule = rules.borrowing
    if rule is None or not rule.allowed:
        refusal = Issue("borrowing_not_allowed", f"no borrowing rule allows it in {year}", where)
        return None, [refusal]
    lent = lend_year(rule, year)
    if rule.within_phase_only and not same_phase(jurisdiction.rulebook.phase, year, lent):
        return None, [
            Issue("borrowing_across_phases",
                  f"{lent} allowances cannot be lent to {year}: another phase ({rule.source})",
                  where)
        ]  # fmt: skip
    lent_class = unit_class_id(engine, jurisdiction, rules.allowance_unit_type.code, lent)
    with engine.begin() as connection:
        operator = find_account(connection, operator_account_code(jurisdiction.code, company))
        if operator is None:
            return None, [Issue("unknown_company", f"no covered company {company}", where)]
        lock_journal_head(connection)
        issues = []
        if not reads.key_used(connection, idempotency_key):
            issues = _borrow_room(
                connection, jurisdiction, rules, company, operator, quantity_t, lent, where
            )
        if issues:
            return None, issues
        outcome = execute_in(connection, TransactionRequest(
            "borrowing", idempotency_key,
            (Movement(jurisdiction.issuance_account, operator, lent_class, quantity_t),),
            now, memo=f"borrowed {quantity_t} t of {lent} for {year} ({rule.source})",
            compliance_year=year,
        ))  # fmt: skip
        if outcome.ok and not outcome.replayed:
            connection.execute(allocation_deductions.insert().values(
                company_id=reads.company_id(connection, company), year=lent,
                from_compliance_year=year, quantity_units=quantity_t,
                reason=f"borrowed for {year}",
            ))  # fmt: skip
    return _result(outcome, where)


def _borrow_room(
    connection: Connection,
    jurisdiction: Jurisdiction,
    rules: RulesInForce,
    company: str,
    operator: int,
    quantity_t: int,
    lent: int,
    where: str,
) -> list[Issue]:
    assert rules.borrowing is not None
    if allocated_in(connection, jurisdiction, lent):
        return [Issue("borrowing_year_allocated",
                      f"{lent} is already allocated, so a loan could not be deducted from it",
                      where)]  # fmt: skip
    found = reads.obligation_of(connection, rules, company)
    if found is None:
        return [Issue("borrowing_needs_verified_emissions",
                      "the borrowing limit depends on the obligation; borrow after verification",
                      where)]  # fmt: skip
    limit, issues = borrowing_limit_t(
        rules.borrowing, found[0], reads.allocated_t(connection, company, rules.year)
    )
    if issues:
        return [Issue(i.code, i.message, where) for i in issues]
    already = reads.borrowed_t(connection, operator, rules.year)
    if already + quantity_t > limit:
        return [Issue("borrowing_limit_exceeded",
                      f"at most {limit} t may be borrowed for {rules.year}; {already} t already "
                      f"are, so at most {max(0, limit - already)} t more", where)]  # fmt: skip
    return []


def force_compliance(
    engine: Engine, jurisdiction: Jurisdiction, company: str, year: int, now: datetime
) -> Result:
    """After the deadline, surrender what a company still owes from its account.

    The registry's ``forced_compliance`` type moves allowances only, so offsets are not
    used; allowances go oldest vintage first, then later vintages up to what was borrowed.
    """
    rules = rules_in_force(jurisdiction.rulebook, year)
    where = f"forced compliance of {company} for {year}"
    deadline = rules.compliance.surrender_deadline(year)
    if local_date(jurisdiction, now) <= deadline:
        return None, [Issue("before_deadline", f"force compliance after {deadline}", where)]
    with engine.begin() as connection:
        operator = find_account(connection, operator_account_code(jurisdiction.code, company))
        if operator is None:
            return None, [Issue("unknown_company", f"no covered company {company}", where)]
        lock_journal_head(connection)
        if compliance_computed(connection, jurisdiction, year):
            return None, [Issue("compliance_already_computed", f"{year} is final", where)]
        found = reads.obligation_of(connection, rules, company)
        if found is None:
            refusal = Issue("no_verified_emissions", "nothing is owed before verification", where)
            return None, [refusal]
        done = reads.surrendered(connection, operator, year)
        domestic = done.credits_t - done.international_t
        counted = offsets_counted_t(found[0], rules.offsets, domestic, done.international_t)
        needed = max(0, found[0] - done.allowances_t - counted)
        unit_type = rules.allowance_unit_type.code
        held = _allowances_held(connection, jurisdiction, operator, unit_type, year)
        borrowed_room = reads.borrowed_t(connection, operator, year) - done.later_vintage_t
        plan = surrender_plan(needed, year, held, 0, max(0, borrowed_room))
        if not plan:
            return None, [Issue("nothing_to_force", f"{company} owes nothing it holds", where)]
        classes = dict(connection.execute(
            select(unit_classes.c.code, unit_classes.c.id)
            .where(unit_classes.c.code.in_([code for code, _ in plan]))
        ).all())  # fmt: skip
        outcome = execute_in(connection, TransactionRequest(
            "forced_compliance", f"{jurisdiction.code}/forced/{year}/{company}",
            tuple(Movement(operator, jurisdiction.surrender_account, int(classes[code]), units)
                  for code, units in plan),
            now, memo=f"forced compliance for {year}", compliance_year=year,
        ))  # fmt: skip
    return _result(outcome, where)


def _allowances_held(
    connection: Connection, jurisdiction: Jurisdiction, operator: int, unit_type: str, year: int
) -> list[Holding]:
    rows = connection.execute(
        select(unit_classes.c.code, unit_classes.c.vintage, holdings.c.quantity_units)
        .join(unit_classes, unit_classes.c.id == holdings.c.unit_class_id)
        .where(holdings.c.account_id == operator, unit_classes.c.unit_type == unit_type,
               unit_classes.c.kind == UnitKind.ALLOWANCE.value, holdings.c.quantity_units > 0)
    ).all()  # fmt: skip
    return [
        Holding(code, int(vintage), False,
                freely_banked(jurisdiction.rulebook.banking, int(vintage), year), int(q))
        for code, vintage, q in rows
    ]  # fmt: skip


def _result(outcome: Outcome, where: str) -> Result:
    if not outcome.ok:
        return outcome, [Issue(outcome.result.value, "the registry refused it", where)]
    return outcome, []
