"""The ``tanshi`` command: entry point and the top-level commands."""

from __future__ import annotations

from typing import Annotated

import typer

from tanshi import __version__
from tanshi.cli.allocation import allocation_app
from tanshi.cli.auction import auction_app
from tanshi.cli.common import open_or_exit
from tanshi.cli.compliance import compliance_app
from tanshi.cli.cycle import cycle_app
from tanshi.cli.demo import demo_command
from tanshi.cli.exchange import register as register_exchange
from tanshi.cli.jurisdiction import company_app, jurisdiction_app
from tanshi.cli.market import market_app
from tanshi.cli.mrv import mrv_app
from tanshi.cli.registry import registry_app
from tanshi.cli.registry_ops import ENV_JURISDICTION, choose_jurisdiction
from tanshi.cli.rulebook import rulebook_app
from tanshi.cli.scenario import scenario_app
from tanshi.cli.serve import serve_command, totp_command
from tanshi.cli.settlement import register as register_settlement
from tanshi.cli.users import user_app
from tanshi.cli.verification import verification_app
from tanshi.store.engine import DEFAULT_DATABASE_TEXT, database_url, printable_url

app = typer.Typer(
    name="tanshi",
    help=(
        "tanshi (碳市): run a carbon emissions trading system end to end — rulebooks, "
        "MRV, allocation, registry, trading and compliance.\n\n"
        "Start with `tanshi demo`, which runs one compliance year of a fictional province "
        "and writes its compliance table to ./tanshi-demo/."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.command("totp")(totp_command)
app.add_typer(rulebook_app, name="rulebook")
app.add_typer(jurisdiction_app, name="jurisdiction")
app.add_typer(company_app, name="company")
app.add_typer(registry_app, name="registry")
register_settlement(market_app)  # deposit, trade, settle … beside simulate, chart, bars
register_exchange(market_app)  # replay, surveillance
app.add_typer(market_app, name="market")
app.add_typer(scenario_app, name="scenario")
app.add_typer(cycle_app, name="cycle")
app.add_typer(compliance_app, name="compliance")
app.add_typer(mrv_app, name="mrv")
app.add_typer(verification_app, name="verification")
app.add_typer(auction_app, name="auction")
app.add_typer(allocation_app, name="allocation")
app.add_typer(user_app, name="user")

db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=f"SQLite file path or database URL; default: {DEFAULT_DATABASE_TEXT}",
    ),
]


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the tanshi schema to the latest version (run on every start anyway)."""
    url = database_url(db)
    open_or_exit(url, create=True).dispose()
    typer.echo(f"schema is current in {printable_url(url)}")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tanshi {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    jurisdiction: Annotated[
        str | None,
        typer.Option(
            "--jurisdiction",
            envvar=ENV_JURISDICTION,
            help="The jurisdiction to act on when the database holds several (its code, "
            "e.g. SZ); default: the database's only one.",
        ),
    ] = None,
) -> None:
    """tanshi: a carbon emissions trading system."""
    choose_jurisdiction(jurisdiction)
