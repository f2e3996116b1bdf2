"""Registry operations that need more than one movement or a record beside the journal.

- voluntary retirement, with beneficiary, purpose and a retirement certificate;
- reversal of a surrender within the compliance rule's window;
- carry-over (banking): units of one vintage exchanged for the next;
- borrowing: next period's allowances now, deducted from the next allocation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select

from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import from_store
from tanshi.registry import Movement, TransactionRequest
from tanshi.registry.journal import utc_text
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.registry.serials import Range, format_block
from tanshi.rulebook import rules_in_force
from tanshi.services import lifecycle, refusal_figures
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    operator_account_code,
    system_account_code,
    unit_class_id,
)
from tanshi.services.market import unit_class_by_code
from tanshi.services.registry import Outcome, execute_in, lock_journal_head
from tanshi.services.year_state import allocated_in, compliance_computed
from tanshi.store.engine import reader
from tanshi.store.schema import (
    accounts,
    allocation_deductions,
    companies,
    movement_blocks,
    movements,
    retirements,
    transactions,
    unit_classes,
)


@dataclass(frozen=True, slots=True)
class Certificate:
    """A retirement certificate: who retired which serials, for whom and why."""

    number: str
    account: str
    beneficiary: str
    purpose: str
    quantity_t: int
    blocks: tuple[str, ...]
    retired_at: datetime

    def text(self) -> str:
        lines = [
            f"Retirement certificate {self.number}",
            f"Retired from account {self.account} on {utc_text(self.retired_at)} UTC",
            f"Beneficiary: {self.beneficiary}",
            f"Purpose: {self.purpose}",
            f"Quantity: {self.quantity_t} t CO2e, serials:",
            *(f"  {block}" for block in self.blocks),
        ]
        return "\n".join(lines) + "\n"


def retire(
    engine: Engine, jurisdiction: Jurisdiction, account_code: str, unit_class_code: str,
    quantity_t: int, beneficiary: str, purpose: str, idempotency_key: str, person: str,
    now: datetime,
) -> tuple[Certificate | None, list[Issue]]:  # fmt: skip
    """A representative retires units for good on behalf of a beneficiary; returns the certificate.

    It goes through the proposal lifecycle, so the person's rights, business hours and the
    daily limit apply.
    """
    where = f"retirement from {account_code}"
    if not beneficiary.strip() or not purpose.strip():
        return None, [
            Issue("retirement_details_missing", "name the beneficiary and the purpose", where)
        ]
    with engine.connect() as connection:
        unit = unit_class_by_code(connection, unit_class_code)
        if unit is None:
            return None, [Issue("unknown_unit_class", f"no unit class {unit_class_code}", where)]
        source = account_id(connection, account_code)
        target = account_id(connection, system_account_code(jurisdiction.code, "CANCELLATION"))
    request = TransactionRequest(
        "voluntary_retirement",
        idempotency_key,
        (Movement(source, target, unit, quantity_t),),
        now,
        memo=f"retired for {beneficiary}: {purpose}",
    )
    outcome = lifecycle.propose(engine, jurisdiction, request, person, now,
                                retirement=(beneficiary, purpose))  # fmt: skip
    if outcome.status is not ProposalStatus.EXECUTED or outcome.transaction_id is None:
        return None, [Issue(outcome.result.value, "the registry refused the retirement", where)]
    return certificate(engine, outcome.transaction_id), []


def certificate(engine: Engine, transaction_id: int) -> Certificate:
    """The retirement certificate of an executed voluntary retirement."""
    with reader(engine).connect() as connection:
        record = connection.execute(
            select(retirements).where(retirements.c.transaction_id == transaction_id)
        ).one()
        leg = connection.execute(
            select(movements.c.id, accounts.c.code, unit_classes.c.code, movements.c.quantity_units)
            .join(accounts, accounts.c.id == movements.c.from_account_id)
            .join(unit_classes, unit_classes.c.id == movements.c.unit_class_id)
            .where(movements.c.transaction_id == transaction_id)
        ).one()  # fmt: skip
        ranges = connection.execute(
            select(movement_blocks.c.first_serial, movement_blocks.c.last_serial)
            .where(movement_blocks.c.movement_id == leg[0]).order_by(movement_blocks.c.id)
        ).all()  # fmt: skip
    blocks = tuple(format_block(leg[2], Range(int(f), int(last))) for f, last in ranges)
    return Certificate(record.certificate_number, leg[1], record.beneficiary, record.purpose,
                       int(leg[3]), blocks, from_store(record.retired_at))  # fmt: skip


def reverse_surrender(
    engine: Engine, jurisdiction: Jurisdiction, transaction_id: int, reason: str, now: datetime
) -> tuple[Outcome | None, list[Issue]]:
    """Give back a surrender within the rulebook's window, before compliance is computed."""
    where = f"reversal of surrender {transaction_id}"
    with engine.begin() as connection:
        original = connection.execute(
            select(transactions).where(transactions.c.id == transaction_id)
        ).first()
        if original is None or original.type_code != "surrender":
            return None, [Issue("not_a_surrender", "only a surrender can be reversed", where)]
        year = int(original.compliance_year)
        window = rules_in_force(
            jurisdiction.rulebook, year
        ).compliance.surrender_reversal_window_days
        booked = from_store(original.booked_at)
        if window == 0 or now > booked + timedelta(days=window):
            return None, [Issue("reversal_window_closed",
                                f"surrenders can be reversed within {window} days", where)]  # fmt: skip
        if compliance_computed(connection, jurisdiction, year):
            return None, [Issue("compliance_already_computed",
                                f"compliance for {year} is final", where)]  # fmt: skip
        legs = connection.execute(
            select(movements.c.id, movements.c.from_account_id, movements.c.to_account_id,
                   movements.c.unit_class_id, movements.c.quantity_units)
            .where(movements.c.transaction_id == transaction_id).order_by(movements.c.id)
        ).all()  # fmt: skip
        named = {
            leg.id: tuple(
                (int(first), int(last)) for first, last in connection.execute(
                    select(movement_blocks.c.first_serial, movement_blocks.c.last_serial)
                    .where(movement_blocks.c.movement_id == leg.id).order_by(movement_blocks.c.id)
                )
            )
            for leg in legs
        }  # fmt: skip
        outcome = execute_in(connection, TransactionRequest(
            "surrender_reversal", f"reversal-of/{transaction_id}",
            tuple(Movement(to, source, unit, int(q), named[movement_id])
                  for movement_id, source, to, unit, q in legs), now,
            memo=f"reversal of surrender {transaction_id}: {reason}", compliance_year=year,
        ))  # fmt: skip
    if not outcome.ok:
        return outcome, [Issue(outcome.result.value, "the registry refused the reversal", where)]
    return outcome, []


def carry_over(
    engine: Engine, jurisdiction: Jurisdiction, company: str, from_year: int, quantity_t: int,
    idempotency_key: str, now: datetime,
) -> Outcome:  # fmt: skip
    """Exchange ``quantity_t`` allowances of ``from_year`` for the same number of the next
    year. A refusal is the registry's outcome, with its figures as ``detail``."""
    code = rules_in_force(jurisdiction.rulebook, from_year).allowance_unit_type.code
    old = unit_class_id(engine, jurisdiction, code, from_year)
    new = unit_class_id(engine, jurisdiction, code, from_year + 1)
    with engine.begin() as connection:
        operator = account_id(connection, operator_account_code(jurisdiction.code, company))
        deletion = account_id(connection, system_account_code(jurisdiction.code, "DELETION"))
        request = TransactionRequest(
            "carry_over", idempotency_key,
            (Movement(operator, deletion, old, quantity_t),
             Movement(jurisdiction.issuance_account, operator, new, quantity_t)),
            now, memo=f"carry-over of {quantity_t} t from {from_year}", compliance_year=from_year,
        )  # fmt: skip
        return _with_figures(connection, request, execute_in(connection, request))


def _with_figures(connection: Connection, request: TransactionRequest, outcome: Outcome) -> Outcome:
    """``outcome`` with the figures of its refusal (held against needed) as its detail."""
    if outcome.ok:
        return outcome
    return replace(outcome, detail=refusal_figures.figures(connection, request, outcome.result))


def borrow(
    engine: Engine, jurisdiction: Jurisdiction, company: str, year: int, quantity_t: int,
    idempotency_key: str, now: datetime,
) -> Outcome:  # fmt: skip
    """Issue next year's allowances to a company now; next year's allocation is reduced by them.

    A registry refusal (a frozen account) is its outcome, with its figures as ``detail``; a
    next year already allocated is refused with a TanshiError."""
    code = rules_in_force(jurisdiction.rulebook, year).allowance_unit_type.code
    next_vintage = unit_class_id(engine, jurisdiction, code, year + 1)
    with engine.begin() as connection:
        lock_journal_head(connection)  # allocate_year takes it before reading deductions
        if allocated_in(connection, jurisdiction, year + 1):
            raise TanshiError(
                f"{year + 1} is already allocated, so a loan could not be deducted from it; "
                "borrow before the next allocation"
            )
        operator = account_id(connection, operator_account_code(jurisdiction.code, company))
        request = TransactionRequest(
            "borrowing", idempotency_key,
            (Movement(jurisdiction.issuance_account, operator, next_vintage, quantity_t),),
            now, memo=f"borrowed {quantity_t} t from {year + 1} for {year}", compliance_year=year,
        )  # fmt: skip
        outcome = _with_figures(connection, request, execute_in(connection, request))
        if outcome.ok and not outcome.replayed:
            company_id = connection.execute(
                select(companies.c.id).where(companies.c.code == company)
            ).scalar_one()
            connection.execute(allocation_deductions.insert().values(
                company_id=company_id, year=year + 1, from_compliance_year=year,
                quantity_units=quantity_t, reason=f"borrowed for {year}",
            ))  # fmt: skip
    return outcome
