"""``tanshi allocation``: import production data, book the true-up, show a year's allocation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tanshi.allocation.production import parse_activity_levels, parse_unit_outputs
from tanshi.cli.common import fail, failed, refused, say_problems
from tanshi.cli.registry_ops import At, Db, moment_of, open_registry
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue, has_errors
from tanshi.services import allocation, production

allocation_app = typer.Typer(
    help="Allocation: production data for benchmark methods, the true-up, the year's table.",
    no_args_is_help=True,
)

Source = Annotated[
    str, typer.Option("--source", help="Where the figures come from, kept with each row.")
]


def _read(path: Path) -> str:
    if not path.is_file():
        raise fail(f"no file at {path}", 2)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise fail(f"{path} is not UTF-8 text: save the CSV as UTF-8", 2) from error


def _stop_on(issues: list[Issue], outcome: str = "nothing was recorded") -> None:
    """Exit 1 with every problem when one is an error; else print the warnings, if any."""
    if has_errors(issues):
        raise refused(issues, outcome)
    say_problems(issues)


@allocation_app.command("output")
def output(file: Annotated[Path, typer.Argument(help="Generating units CSV (docs/allocation.md).")],
           db: Db = None, at: At = None, source: Source = "") -> None:  # fmt: skip
    """Record generating units' verified output: electricity, heat, class, cooling, load.

    Columns: company, unit, year, unit_class, cooling, load_factor, heat_ratio,
    electricity_mwh, heat_gj. Nothing is recorded if any row has a problem (exit 1); every
    problem is printed with its row.
    """
    records, issues = parse_unit_outputs(_read(file), str(file))
    _stop_on(issues)
    engine, jurisdiction = open_registry(db)
    try:
        issues = production.record_unit_outputs(
            engine, jurisdiction, records, moment_of(at, engine), source or str(file.name)
        )
    finally:
        engine.dispose()
    _stop_on(issues)
    years = sorted({record.year for record in records})
    typer.echo(f"recorded {len(records)} unit-years ({', '.join(map(str, years))})")


@allocation_app.command("activity")
def activity(file: Annotated[Path, typer.Argument(help="Installations CSV (docs/allocation.md).")],
             db: Db = None, at: At = None, source: Source = "") -> None:  # fmt: skip
    """Record installations' historical activity levels for EU-style benchmark allocation.

    Columns: company, installation, benchmark, year, activity, leakage_exposed, cbam_good.
    Nothing is recorded if any row has a problem (exit 1).
    """
    records, issues = parse_activity_levels(_read(file), str(file))
    _stop_on(issues)
    engine, jurisdiction = open_registry(db)
    try:
        issues = production.record_activity_levels(
            engine, jurisdiction, records, moment_of(at, engine), source or str(file.name)
        )
    finally:
        engine.dispose()
    _stop_on(issues)
    typer.echo(f"recorded {len(records)} installation-years")


@allocation_app.command("true-up")
def true_up(year: Annotated[int, typer.Option("--year", help="The allocation year.")],
            db: Db = None, at: At = None) -> None:  # fmt: skip
    """Book YEAR's true-up on its verified output: more allocation, or units taken back."""
    engine, jurisdiction = open_registry(db)
    try:
        result = allocation.true_up_year(engine, jurisdiction, year, moment_of(at, engine))
    except TanshiError as error:
        raise failed(error, outcome="nothing was booked") from error
    finally:
        engine.dispose()
    if not result.booked:
        raise refused(result.issues, "nothing was booked")
    say_problems(result.issues)
    for company, net in sorted(result.net_t.items()):
        typer.echo(f"{company}: {net:+,} t")
    typer.echo(
        f"{year}: true-up booked for {len(result.net_t)} companies, issued {result.issued_t:,} t"
    )


@allocation_app.command("show")
def show(year: Annotated[int, typer.Option("--year", help="The allocation year.")],
         db: Db = None) -> None:  # fmt: skip
    """Each company's allocation for YEAR as it stands (planned if not yet allocated)."""
    engine, jurisdiction = open_registry(db)
    try:
        figures = allocation.allocation_of_year(engine, jurisdiction, year)
    except TanshiError as error:
        raise failed(error, outcome="nothing to show") from error
    finally:
        engine.dispose()
    for company, units in sorted(figures.items()):
        typer.echo(f"{company}\t{units}")
    typer.echo(f"total\t{sum(figures.values())}")
