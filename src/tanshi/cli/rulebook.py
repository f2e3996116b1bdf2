"""``tanshi rulebook``: list the presets, check a rulebook file, show the rules of a year."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tanshi.cli.common import fail, no_rules, refused, say_problems, wide_console
from tanshi.core.errors import TanshiError
from tanshi.core.issues import has_errors
from tanshi.resources import parse_installed, preset_ids, rulebook_text
from tanshi.rulebook import NoRuleInForce, rules_in_force
from tanshi.rulebook.describe import describe

rulebook_app = typer.Typer(
    help="Rulebooks: a jurisdiction's rules as a versioned file.", no_args_is_help=True
)


def _read(preset_or_path: str) -> tuple[str, str]:
    """The rulebook's text and name; exits with status 2 when there is no such file or preset."""
    try:
        return rulebook_text(preset_or_path)
    except TanshiError as error:
        raise fail(str(error), 2) from error


@rulebook_app.command("list")
def list_presets() -> None:
    """List the rulebook presets shipped with tanshi."""
    for preset in preset_ids():
        typer.echo(preset)


@rulebook_app.command("check")
def check(
    file: Annotated[str, typer.Argument(help="A rulebook .toml file, or a preset id.")],
) -> None:
    """Validate a rulebook and list every problem with its file line and rule path.

    Exits with status 1 when there is at least one error.
    """
    text, origin = _read(file)
    rulebook, issues = parse_installed(text, origin)
    if rulebook is None or has_errors(issues):
        raise refused(issues, f"{origin} cannot be used until they are fixed")
    say_problems(issues)
    typer.echo(f"{origin}: ok — {rulebook.rulebook.name}, version {rulebook.rulebook.version}")


@rulebook_app.command("show")
def show(
    preset: Annotated[str, typer.Argument(help="A preset id or a rulebook .toml file.")],
    year: Annotated[int, typer.Option("--year", help="The compliance year.")],
) -> None:
    """Print the rules in force in a year, each with its source and confidence."""
    text, origin = _read(preset)
    rulebook, issues = parse_installed(text, origin)
    if rulebook is None or has_errors(issues):
        raise fail(f"{origin} has errors; run `tanshi rulebook check {preset}`", 1)
    try:
        rules = rules_in_force(rulebook, year)
    except NoRuleInForce as error:
        raise refused([no_rules(error)], "nothing to show") from error
    table = Table(title=f"{rulebook.rulebook.name} — rules in force in {year}", show_lines=True)
    table.add_column("Rule")
    table.add_column("In force")
    table.add_column(escape("Source [confidence]"))
    for name, summary, rule in describe(rules, rulebook.rulebook.currency):
        table.add_row(
            escape(name), escape(summary), escape(f"{rule.source} [{rule.confidence.value}]")
        )
    wide_console().print(table)
