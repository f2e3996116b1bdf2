"""``tanshi compliance``: surrender, banking, borrowing and forced compliance within the rules.

Each command checks the limits of the rulebook in force (docs/compliance.md); a refusal
prints every issue with its result code and exits with status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import typer

from tanshi.cli.common import fail, failed, refused
from tanshi.cli.registry_ops import At, Db, moment_of, open_registry
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.services import compliance, flexibility
from tanshi.services.registry import Outcome

compliance_app = typer.Typer(
    help="Surrender, bank, borrow and force compliance within the rulebook's limits.",
    no_args_is_help=True,
)


def _run(action: Callable[..., tuple[Outcome | None, list[Issue]]], db: str | None,
         at: str | None, label: str, *args: object) -> None:  # fmt: skip
    engine, jurisdiction = open_registry(db)
    try:
        outcome, issues = action(engine, jurisdiction, *args, moment_of(at, engine))
    except TanshiError as error:
        raise failed(error, outcome="nothing was done") from error
    finally:
        engine.dispose()
    if issues or outcome is None:
        raise refused(issues, "nothing was done")
    typer.echo(f"{label}: ok (transaction {outcome.transaction_id})")


@compliance_app.command("surrender")
def surrender(company: str, unit_class: str, quantity: int, year: int, key: str,
              db: Db = None, at: At = None) -> None:  # fmt: skip
    """Surrender QUANTITY units of UNIT_CLASS for YEAR (eligibility, offsets caps, deadline)."""
    _run(compliance.surrender, db, at, f"surrender {key}", company, unit_class, quantity, year,
         key)  # fmt: skip


@compliance_app.command("bank")
def bank(company: str, from_year: int, quantity: int, key: str, db: Db = None,
         at: At = None) -> None:  # fmt: skip
    """Carry allowances of FROM_YEAR over to the next vintage, within the banking rule."""
    _run(flexibility.bank, db, at, f"banking {key}", company, from_year, quantity, key)


@compliance_app.command("borrow")
def borrow(company: str, year: int, quantity: int, key: str, db: Db = None,
           at: At = None) -> None:  # fmt: skip
    """Borrow later allowances for YEAR's obligation, within the borrowing rule."""
    _run(flexibility.borrow, db, at, f"borrowing {key}", company, year, quantity, key)


@compliance_app.command("force")
def force(company: str, year: int, db: Db = None, at: At = None) -> None:
    """After the deadline, surrender what COMPANY still owes for YEAR from what it holds."""
    _run(flexibility.force_compliance, db, at, f"forced compliance {company} {year}", company,
         year)  # fmt: skip


def parse_choices(values: list[str] | None) -> dict[str, Decimal]:
    """``COMPANY=VALUE`` options as a mapping; a malformed one exits with status 2."""
    choices: dict[str, Decimal] = {}
    for value in values or []:
        company, _, number = value.partition("=")
        try:
            choices[company.strip()] = Decimal(number.strip())
        except InvalidOperation as error:
            raise fail(f"--penalty takes COMPANY=VALUE, e.g. C001=7.5; not {value!r}", 2) from error
        if not company.strip():
            raise fail(f"--penalty takes COMPANY=VALUE, e.g. C001=7.5; not {value!r}", 2)
    return choices
