"""``tanshi scenario``: run a scenario file on a fresh store and print every difference."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from tanshi.cli.common import fail, failed, open_or_exit, problems_of, refused, wide_console
from tanshi.cli.tables import compliance_table
from tanshi.core.errors import TanshiError
from tanshi.resources import scenario_ids, scenario_text
from tanshi.services.scenario_outcomes import ScenarioResult
from tanshi.services.scenario_run import run_scenario, validate_scenario
from tanshi.store.engine import database_url, printable_url
from tanshi.store.schema import jurisdictions

scenario_app = typer.Typer(
    help="Scenario files: a preset, companies, dated steps and the outcome expected.",
    no_args_is_help=True,
)


@scenario_app.command("list")
def list_scenarios() -> None:
    """List the scenario files shipped with tanshi."""
    for name in scenario_ids():
        typer.echo(name)


@scenario_app.command("run")
def run(
    file: Annotated[
        str, typer.Argument(help="A scenario .yaml file, or a shipped scenario's name.")
    ],
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="An EMPTY database (SQLite path or URL); default: a temporary SQLite file."
        ),
    ] = None,
) -> None:
    """Run a scenario on a fresh store; print each year's table and every difference.

    Exits with status 1 when anything differs from the expected outcome, 2 when the file is
    invalid or the database cannot be used.
    """
    try:
        text, origin = scenario_text(file)
    except TanshiError as error:
        raise fail(str(error), 2) from error
    scenario, issues = validate_scenario(text, origin)
    if scenario is None:
        raise refused(issues, f"{origin} cannot run; fix them and run again", 2)
    with tempfile.TemporaryDirectory(prefix="tanshi-scenario-") as folder:
        url = database_url(db, Path(folder) / "scenario.sqlite")
        engine = open_or_exit(url, create=True)
        try:
            with engine.connect() as connection:
                if connection.execute(select(jurisdictions.c.id)).first() is not None:
                    raise fail(
                        f"{printable_url(url)} already holds a jurisdiction; a scenario runs on "
                        "an empty database (leave out --db to use a temporary one)",
                        2,
                    )
            result = run_scenario(engine, scenario)
        except TanshiError as error:
            if problems_of(error):
                raise failed(error, 2, f"{origin} did not run to the end") from error
            raise fail(f"{origin}: {error}", 2) from error
        finally:
            engine.dispose()
    _print(result, origin)
    if not result.passed:
        raise typer.Exit(1)


def _print(result: ScenarioResult, origin: str) -> None:
    typer.echo(f"scenario {result.scenario.scenario} ({origin}), preset {result.scenario.preset}")
    console = wide_console()
    for year, lines in sorted(result.lines.items()):
        console.print(compliance_table(f"compliance {year}", lines))
    typer.echo("")
    for difference in result.differences:
        typer.echo(f"DIFFERS {difference}")
    steps = len(result.scenario.steps)
    if result.passed:
        typer.echo(f"ok: {steps} steps, every expected outcome met")
    else:
        typer.echo(f"{len(result.differences)} difference(s) in {steps} steps")
