"""``tanshi cycle run``: the regulator's steps of one compliance year on the current database."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from tanshi.cli.common import counted, fail, failed, say_problems, wide_console
from tanshi.cli.compliance import parse_choices
from tanshi.cli.registry_ops import Db, moment_of, open_registry
from tanshi.cli.tables import compliance_table
from tanshi.core.errors import TanshiError
from tanshi.rulebook import rules_in_force
from tanshi.services import allocation, compliance
from tanshi.services.jurisdiction import Jurisdiction, local_date

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
    """Allocate YEAR if it is not yet allocated, true it up once its output is verified
    (benchmark_output), and after its deadline run its compliance.

    Each stage that already ran is left as it is (allocation is refused twice; compliance
    recomputes the stored table), so running the cycle again is safe.
    """
    choices = parse_choices(penalty)
    engine, jurisdiction = open_registry(db)
    now = moment_of(at, engine)
    console = wide_console()
    try:
        stored = jurisdiction.rulebook.rulebook.id
        if stored != rulebook:
            raise fail(f"the database runs rulebook {stored}, not {rulebook}", 2)
        if not allocation.is_allocated(engine, jurisdiction, year):
            table = allocation.allocate_year(engine, jurisdiction, year, now)
            total = sum(line.allocated_t for line in table.lines)
            console.print(f"{year}: allocated {total:,} t to {len(table.lines)} companies")
        else:
            console.print(f"{year}: already allocated")
        _true_up(engine, jurisdiction, year, now, console)
        deadline = compliance.deadline_of(jurisdiction, year)
        if local_date(jurisdiction, now) <= deadline:
            console.print(f"{year}: compliance runs after the surrender deadline {deadline}")
            return
        lines = compliance.run_compliance(engine, jurisdiction, year, now, choices)
        console.print(compliance_table(f"compliance {year}", lines))
    except TanshiError as error:
        raise failed(error, 1, f"the {year} cycle stopped there") from error
    finally:
        engine.dispose()


def _true_up(
    engine: Engine, jurisdiction: Jurisdiction, year: int, now: datetime, console: Console
) -> None:
    """Book the true-up of a ``benchmark_output`` year once every unit's output is in."""
    if rules_in_force(jurisdiction.rulebook, year).allocation.method != "benchmark_output":
        return
    if allocation.true_up_done(engine, jurisdiction, year):
        console.print(f"{year}: true-up already booked")
        return
    plan = allocation.plan_true_up(engine, jurisdiction, year)
    if not plan.ok:  # why, in the shared problem shape on stderr (cli/docs.md "Problems")
        say_problems(plan.issues)
        typer.echo(f"{counted(plan.issues)}; the {year} true-up was not booked", err=True)
        console.print(f"{year}: the true-up waits for verified output (see stderr)")
        return
    result = allocation.true_up_year(engine, jurisdiction, year, now)
    given = sum(net for net in result.net_t.values() if net > 0)
    taken = -sum(net for net in result.net_t.values() if net < 0)
    console.print(f"{year}: true-up booked: {given:,} t more allocated, {taken:,} t taken back")
