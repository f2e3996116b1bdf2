"""``tanshi registry`` commands for the regulator: direct transactions and operations."""

from __future__ import annotations

from typing import Annotated

import typer

from tanshi.cli.common import fail, failed, refused, registry_refusal
from tanshi.cli.registry_ops import At, Db, moment_of, open_registry, unknown_names
from tanshi.core.errors import TanshiError
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import operations, registry
from tanshi.services.jurisdiction import find_account
from tanshi.services.market import unit_class_by_code

REGULATOR_TYPES = (
    "issuance", "offset_issuance", "allocation", "allocation_reversal", "auction_delivery",
    "deletion", "deduction", "forced_compliance",
)  # fmt: skip


def execute_regulator(
    type_code: Annotated[str, typer.Argument(metavar="TYPE", help=", ".join(REGULATOR_TYPES))],
    source: str, target: str, unit_class: str, quantity: int, key: str,
    year: Annotated[int | None, typer.Option(help="Compliance year (forced_compliance).")] = None,
    memo: Annotated[str, typer.Option(help="Why, for the journal.")] = "",
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Execute a regulator transaction directly (people use propose-transfer and retire)."""
    if type_code not in REGULATOR_TYPES:
        raise fail(
            f"{type_code} is not a regulator transaction; use one of {', '.join(REGULATOR_TYPES)}",
            2,
        )
    engine, jurisdiction = open_registry(db)
    try:
        now = moment_of(at, engine)
        with engine.connect() as connection:
            ids = (find_account(connection, source), find_account(connection, target),
                   unit_class_by_code(connection, unit_class))  # fmt: skip
        unknown = unknown_names(ids, (source, target, unit_class), jurisdiction.code)
        if unknown:
            raise refused(unknown)
        movement = Movement(*ids, quantity)  # type: ignore[arg-type]  # none is None here
        outcome = registry.execute(engine, TransactionRequest(
            type_code, key, (movement,), now, memo=memo, compliance_year=year,
        ))  # fmt: skip
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    done = f" (transaction {outcome.transaction_id})" if outcome.ok else ""
    typer.echo(f"{type_code} {key}: {outcome.result.value}{done}")
    if not outcome.ok:
        raise typer.Exit(1)


def reverse_surrender(
    transaction: int, reason: Annotated[str, typer.Option()], db: Db = None, at: At = None
) -> None:
    """Give back a surrender within the rulebook's window (before compliance is computed)."""
    engine, jurisdiction = open_registry(db)
    try:
        outcome, issues = operations.reverse_surrender(engine, jurisdiction, transaction, reason,
                                                       moment_of(at, engine))  # fmt: skip
    finally:
        engine.dispose()
    if issues or outcome is None:
        raise refused(issues, "nothing was done")
    typer.echo(f"surrender {transaction} reversed (transaction {outcome.transaction_id})")


def carry_over(company: str, from_year: int, quantity: int, key: str, db: Db = None,
               at: At = None) -> None:  # fmt: skip
    """Exchange a company's allowances of a year for as many of the next year (banking)."""
    engine, jurisdiction = open_registry(db)
    try:
        outcome = operations.carry_over(engine, jurisdiction, company, from_year, quantity, key,
                                        moment_of(at, engine))  # fmt: skip
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    if not outcome.ok:
        raise refused([registry_refusal(outcome.result, f"company {company}, {from_year}",
                                        outcome.detail)])  # fmt: skip
    typer.echo(f"carry-over {key}: {outcome.result.value}")


def borrow(company: str, year: int, quantity: int, key: str, db: Db = None,
           at: At = None) -> None:  # fmt: skip
    """Issue next year's allowances to a company now; next year's allocation is reduced by them."""
    engine, jurisdiction = open_registry(db)
    try:
        outcome = operations.borrow(
            engine, jurisdiction, company, year, quantity, key, moment_of(at, engine)
        )
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    if not outcome.ok:
        raise refused([registry_refusal(outcome.result, f"company {company}, {year}",
                                        outcome.detail)])  # fmt: skip
    typer.echo(f"borrowing {key}: {outcome.result.value}")


def register(app: typer.Typer) -> None:
    """Add these commands to ``tanshi registry``."""
    for name, command in (
        ("execute", execute_regulator), ("reverse-surrender", reverse_surrender),
        ("carry-over", carry_over), ("borrow", borrow),
    ):  # fmt: skip
        app.command(name)(command)
