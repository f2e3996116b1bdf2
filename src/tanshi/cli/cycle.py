"""``tanshi cycle run``: the regulator's steps of one compliance year on the current database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from tanshi.cli.common import fail
from tanshi.cli.compliance import parse_choices
from tanshi.cli.registry_ops import Db, moment_of, open_registry
from tanshi.cli.tables import compliance_table
from tanshi.core.errors import TanshiError
from tanshi.services import allocation, compliance
from tanshi.services.jurisdiction import local_date
from tanshi.store.schema import allocations

cycle_app = typer.Typer(
    help="The compliance cycle: allocation, then compliance after the deadline.",
    no_args_is_help=True,
)


@cycle_app.command("run")
def run(
    rulebook: Annotated[str, typer.Option("--rulebook", help="The rulebook id the database runs.")],
    year: Annotated[int, typer.Option("--year", help="The compliance year.")],
    db: Db = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Act at this moment (ISO, with offset); default now.")
    ] = None,
    penalty: Annotated[
        list[str] | None,
        typer.Option(
            "--penalty",
            help="COMPANY=VALUE: the multiple or fine chosen within the penalty rule's range "
            "(repeatable; the minimum otherwise).",
        ),
    ] = None,
) -> None:
    """Allocate YEAR if it is not yet allocated; after its deadline, run its compliance.

    Each stage that already ran is left as it is (allocation is refused twice; compliance
    recomputes the stored table), so running the cycle again is safe.
    """
    choices = parse_choices(penalty)
    engine, jurisdiction = open_registry(db)
    now = moment_of(at)
    console = Console()
    try:
        stored = jurisdiction.rulebook.rulebook.id
        if stored != rulebook:
            raise fail(f"the database runs rulebook {stored}, not {rulebook}", 2)
        with engine.connect() as connection:
            allocated = connection.execute(
                select(allocations.c.id).where(allocations.c.year == year)
            ).first()
        if allocated is None:
            table = allocation.allocate_year(engine, jurisdiction, year, now)
            total = sum(line.allocated_t for line in table.lines)
            console.print(f"{year}: allocated {total:,} t to {len(table.lines)} companies")
        else:
            console.print(f"{year}: already allocated")
        deadline = compliance.deadline_of(jurisdiction, year)
        if local_date(jurisdiction, now) <= deadline:
            console.print(f"{year}: compliance runs after the surrender deadline {deadline}")
            return
        lines = compliance.run_compliance(engine, jurisdiction, year, now, choices)
        console.print(compliance_table(f"compliance {year}", lines))
    except TanshiError as error:
        raise fail(str(error), 1) from error
    finally:
        engine.dispose()
