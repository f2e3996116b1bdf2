"""``tanshi mrv``: list the calculation methods, compute emissions from a CSV or Excel file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from tanshi.cli.common import fail, refused, say_problems
from tanshi.core.issues import Issue, has_errors
from tanshi.mrv.gwp import GWP_SETS
from tanshi.mrv.methods import PLUGINS
from tanshi.mrv.rule_methods import plan_cannot_feed
from tanshi.resources import parameter_table
from tanshi.services.mrv_bulk import OUTPUT_SUFFIXES, compute_file, tonnes_out, write_results

mrv_app = typer.Typer(
    help="MRV: emissions by official methodology, with the parameters each result used.",
    no_args_is_help=True,
)


@mrv_app.command("methods")
def methods() -> None:
    """List the calculation methods: id, years, boundary, inputs with units, parameters."""
    for method in PLUGINS.values():
        spec = method.spec
        counted = ", ".join(sorted(boundary.value for boundary in spec.counted))
        typer.echo(f"{spec.id}  (reporting years {spec.years[0]}–{spec.years[1]})")
        typer.echo(f"  {spec.title}")
        typer.echo(f"  document: {spec.document}")
        unfed = plan_cannot_feed(method)
        typer.echo(
            f'  rulebook [[mrv]]: methodology = "{spec.regime}:{spec.methodology}"'
            if not unfed
            else f"  rulebook [[mrv]]: not nameable (monitoring plans cannot give {sorted(unfed)})"
        )
        typer.echo(f"  boundary counted: {counted}; rounding: {spec.rounding.note}")
        if spec.gwp_default:
            typer.echo(f"  GWP set: --gwp {'|'.join(GWP_SETS)} (default {spec.gwp_default})")
        typer.echo("  inputs:")
        for item in spec.inputs:
            need = "required" if item.required else "optional"
            units = " | ".join(item.units)
            typer.echo(f"    {item.name} [{units}] per {item.per}, {need}: {item.description}")
        typer.echo("  parameters:")
        for slot in spec.parameters:
            typer.echo(f"    {slot.parameter} of {slot.subjects} [{slot.unit}]")
        for note in spec.notes:
            typer.echo(f"  note: {note}")
        typer.echo("")


@mrv_app.command("compute")
def compute(
    input_file: Annotated[
        Path, typer.Argument(help="Input rows as CSV (UTF-8) or Excel (.xlsx); see docs/mrv.md.")
    ],
    methodology: Annotated[
        str,
        typer.Option(
            "--methodology",
            help="A method id (regime:methodology:version) or regime:methodology to pick "
            "the version that governs --year.",
        ),
    ],
    year: Annotated[int, typer.Option("--year", help="The reporting year.")],
    out: Annotated[
        Path,
        typer.Option("--out", help="Results: .json (lines, parameters) or .csv (one row each)."),
    ],
    gwp: Annotated[
        str | None, typer.Option("--gwp", help="GWP set for CH4 and N2O: SAR, AR4, AR5, AR6.")
    ] = None,
) -> None:
    """Compute every facility in INPUT_FILE and write each result with the parameters it used.

    Exits with status 1 when the input has errors (each named by file, row and column) or a
    result has errors; nothing is written then.
    """
    if not input_file.is_file():
        raise fail(f"no input file at {input_file}", 2)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise fail(
            f"--out {out}: results are written as .json (every line and parameter) or .csv "
            "(one row per facility-year); end the file name in .json or .csv",
            2,
        )
    if gwp is not None and gwp not in GWP_SETS:
        raise fail(f"unknown GWP set '{gwp}'; choose one of {', '.join(GWP_SETS)}", 2)
    result = compute_file(input_file, methodology, year, parameter_table(), gwp)
    problems = [*result.issues]
    for calculation in result.calculations:
        problems.extend(calculation.issues)
    if has_errors(problems):
        raise refused(problems, "nothing written — fix them and run again")
    if not result.calculations:
        empty = Issue("input_no_rows", "no data rows, nothing to compute — add one row per value "
                      "under the header (docs/mrv.md, Input format)", input_file.name)  # fmt: skip
        raise refused([*problems, empty], "nothing written")
    say_problems(problems)
    try:
        write_results(out, result.calculations)
    except OSError as error:
        raise fail(
            f"cannot write {out}: {error.strerror}; give --out a writable path", 2
        ) from error
    total = sum((calculation.emissions_tco2 for calculation in result.calculations), Decimal(0))
    typer.echo(
        f"{len(result.calculations)} facility-year(s), {tonnes_out(total)} tCO2e "
        f"in total, written to {out}"
    )
