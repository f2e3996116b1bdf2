"""``tanshi verification``: plans, reports, assignments, findings, verification and re-checks.

Regulator commands (body, assign, reassign, sample, recheck-assign) act as the regulator; a verifier
acts with ``--as BODY``; a company's commands act as that company. Every step is checked
against the state table (docs/verification.md) and recorded, refused or not. Exit status:
0 done, 1 refused (the result code, then every problem on stderr as cli/docs.md says),
2 bad input.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from tanshi.cli.common import counted, fail, refused, say_problems
from tanshi.cli.registry_ops import At, Db, moment_of, open_registry
from tanshi.core.issues import has_errors
from tanshi.mrv.annual_report import AnnualReport, parse_report_csv
from tanshi.mrv.monitoring_plan import parse_plan
from tanshi.mrv.verification_workflow import Actor
from tanshi.reports.verification_table import (
    COLUMNS,
    DISCREPANCY_COLUMNS,
    discrepancy_rows,
    verification_rows,
)
from tanshi.resources import parameter_table, verification_rules
from tanshi.services import verification as vf
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.mrv import company_ids, figure_sources
from tanshi.services.verification_findings import withdraw_finding

verification_app = typer.Typer(
    help="The verification workflow: monitoring plans, annual reports, verification bodies, "
    "findings, materiality and the regulator's re-checks.",
    no_args_is_help=True,
)
Body = Annotated[str, typer.Option("--as", help="The verification body acting, e.g. VB01.")]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {path}: {error}; give a UTF-8 text file", 2) from error


def _done(outcome: vf.StepOutcome, what: str) -> None:
    state = outcome.state.value if outcome.state else "-"
    typer.echo(f"{what}: {outcome.result.value}; state {state}")
    for key, value in outcome.detail.items():
        if key != "issues" and value not in (None, ""):
            typer.echo(f"  {key}: {value}")
    if not outcome.ok and outcome.issues:
        raise refused(outcome.issues, f"{what} was refused")
    if not outcome.ok:  # the result code above says why
        raise typer.Exit(1)
    say_problems(outcome.issues)


def _rules(jurisdiction):
    try:
        return verification_rules(jurisdiction.rulebook.rulebook.id)
    except Exception as error:  # TanshiError with the fix
        raise fail(str(error), 2) from error


@verification_app.command("body")
def body_command(
    code: str, name: str, db: Db = None, at: At = None,
    unaccredited: Annotated[bool, typer.Option(help="Registered but not accredited.")] = False,
) -> None:  # fmt: skip
    """Register a verification body (the regulator)."""
    engine, _ = open_registry(db)
    problems = vf.register_body(
        engine, code, name, moment_of(at, engine), accredited=not unaccredited
    )
    if problems:
        raise refused(problems)
    typer.echo(f"verification body {code} registered")


@verification_app.command("conflict")
def conflict_command(
    body: str, company: str,
    reason: Annotated[str, typer.Option(help="What the conflict of interest is.")],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Record a body's conflict-of-interest declaration; it can no longer be assigned there."""
    engine, _ = open_registry(db)
    problems = vf.declare_conflict(engine, body, company, reason, moment_of(at, engine))
    if problems:
        raise refused(problems)
    typer.echo(f"{body} declared a conflict with {company}")


@verification_app.command("plan")
def plan_command(file: Path, db: Db = None, at: At = None) -> None:
    """File a company's monitoring plan (TOML; format in docs/verification.md)."""
    plan, problems = parse_plan(_read(file), str(file))
    if plan is None or has_errors(problems):
        raise refused(problems, "nothing was filed", 2)
    say_problems(problems)
    engine, _ = open_registry(db)
    problems = vf.file_plan(engine, plan, moment_of(at, engine))
    if problems:
        raise refused(problems, "nothing was filed")
    typer.echo(
        f"monitoring plan v{plan.version} of {plan.company} filed ({len(plan.streams)} streams)"
    )


def _report(engine: Engine, jurisdiction: Jurisdiction, company: str, year: int, file: Path,
            stated_t: str) -> AnnualReport:  # fmt: skip
    """The report in ``file``; exit 2 with every problem (the unreadable lines, and the
    plan's checks of the lines read, as the web and the API list them) if a line is bad."""
    try:
        stated = Decimal(stated_t)
    except InvalidOperation as error:
        raise fail(f"--stated-t {stated_t!r} is not a number of tonnes", 2) from error
    report, problems = parse_report_csv(_read(file), company, year, stated, str(file))
    if report is not None and problems:
        problems = vf.check_only(engine, jurisdiction, parameter_table(), _rules(jurisdiction),
                                 report, problems)  # fmt: skip
    if report is None or problems:
        raise refused(problems, "the report was not read", 2)
    return report


StatedT = Annotated[str, typer.Option(help="The company's own total emissions in tCO2.")]


@verification_app.command("check")
def check_command(company: str, year: int, file: Path, stated_t: StatedT, db: Db = None) -> None:
    """Run the data checks on a monthly report without submitting it."""
    engine, jurisdiction = open_registry(db)
    problems = vf.check_only(engine, jurisdiction, parameter_table(), _rules(jurisdiction),
                             _report(engine, jurisdiction, company, year, file, stated_t))  # fmt: skip
    say_problems(problems)
    typer.echo(f"{counted(problems)}; checked only, nothing was submitted", err=True)
    if has_errors(problems):
        raise typer.Exit(1)


@verification_app.command("submit")
def submit_command(
    company: str, year: int, file: Path, stated_t: StatedT, db: Db = None, at: At = None
) -> None:
    """Submit (or, after a correction request, resubmit) a company's monthly report (CSV)."""
    engine, jurisdiction = open_registry(db)
    report = _report(engine, jurisdiction, company, year, file, stated_t)
    outcome = vf.submit_report(engine, jurisdiction, parameter_table(), _rules(jurisdiction),
                               report, Actor("company", company), moment_of(at, engine))  # fmt: skip
    _done(outcome, f"report of {company} for {year}")


@verification_app.command("assign")
def assign_command(company: str, year: int, body: str, db: Db = None, at: At = None) -> None:
    """Assign a verification body to a submitted report (rotation and conflicts checked)."""
    engine, jurisdiction = open_registry(db)
    outcome = vf.assign(engine, _rules(jurisdiction), company, year, body, vf.REGULATOR,
                        moment_of(at, engine))  # fmt: skip
    _done(outcome, f"assignment of {body} to {company} {year}")


@verification_app.command("reassign")
def reassign_command(company: str, year: int, body: str, db: Db = None, at: At = None) -> None:
    """Give an assigned report to another body, before the first recorded anything."""
    engine, jurisdiction = open_registry(db)
    outcome = vf.reassign(engine, _rules(jurisdiction), company, year, body, vf.REGULATOR,
                          moment_of(at, engine))  # fmt: skip
    _done(outcome, f"reassignment of {company} {year} to {body}")


@verification_app.command("finding")
def finding_command(
    company: str, year: int, by: Body,
    kind: Annotated[str, typer.Option(help="misstatement or non_conformity")],
    description: Annotated[str, typer.Option(help="What was found.")],
    amount_t: Annotated[str | None, typer.Option(
        help="For a misstatement: correct minus reported, in tCO2 (negative if overstated).")] = None,
    stream: Annotated[str | None, typer.Option(help="unit/stream concerned")] = None,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Record a verifier's finding on the current report."""
    try:
        amount = None if amount_t is None else Decimal(amount_t)
    except InvalidOperation as error:
        raise fail(f"--amount-t {amount_t!r} is not a number of tonnes", 2) from error
    engine, _ = open_registry(db)
    outcome = vf.record_finding(engine, company, year, Actor("body", by), kind, description,
                                moment_of(at, engine), misstatement_tco2=amount, stream=stream)  # fmt: skip
    _done(outcome, f"finding on {company} {year}")


@verification_app.command("withdraw")
def withdraw_command(
    company: str, year: int, finding: int, by: Body,
    reason: Annotated[str, typer.Option(help="Why the finding is withdrawn.")],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Withdraw one of the body's findings before it concludes (recorded; the finding stays)."""
    engine, _ = open_registry(db)
    outcome = withdraw_finding(engine, company, year, Actor("body", by), finding, reason,
                               moment_of(at, engine))  # fmt: skip
    _done(outcome, f"withdrawal of finding {finding} on {company} {year}")


@verification_app.command("verify")
def verify_command(company: str, year: int, by: Body, db: Db = None, at: At = None) -> None:
    """Conclude: verified (the figure goes to compliance) or correction requested (material)."""
    engine, jurisdiction = open_registry(db)
    outcome = vf.verify(engine, jurisdiction, _rules(jurisdiction), company, year,
                        Actor("body", by), moment_of(at, engine))  # fmt: skip
    _done(outcome, f"verification of {company} {year}")


@verification_app.command("sample")
def sample_command(
    year: int, seed: Annotated[int, typer.Option(help="Seed of the draw (publish it).")],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Draw the seeded random sample of verified reports the regulator re-checks."""
    engine, jurisdiction = open_registry(db)
    drawn = vf.recheck_sample(
        engine, jurisdiction, _rules(jurisdiction), year, seed, moment_of(at, engine)
    )
    typer.echo(" ".join(drawn) if drawn else "no verified reports to sample")


@verification_app.command("recheck-assign")
def recheck_assign_command(
    company: str, year: int, body: str, db: Db = None, at: At = None
) -> None:
    """Send a verified report to another body for the regulator's re-check."""
    engine, jurisdiction = open_registry(db)
    outcome = vf.assign_recheck(engine, _rules(jurisdiction), company, year, body,
                                vf.REGULATOR, moment_of(at, engine))  # fmt: skip
    _done(outcome, f"re-check of {company} {year} by {body}")


@verification_app.command("recheck")
def recheck_command(
    company: str, year: int, by: Body,
    figure_t: Annotated[str, typer.Option(help="The re-checking body's emissions figure, tCO2.")],
    note: Annotated[str, typer.Option(help="What the re-check found.")] = "",
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Record the re-check and print the discrepancy against the verified figure."""
    try:
        figure = Decimal(figure_t)
    except InvalidOperation as error:
        raise fail(f"--figure-t {figure_t!r} is not a number of tonnes", 2) from error
    engine, jurisdiction = open_registry(db)
    outcome = vf.record_recheck(engine, _rules(jurisdiction), company, year, Actor("body", by),
                                figure, note, moment_of(at, engine))  # fmt: skip
    _done(outcome, f"re-check of {company} {year}")


@verification_app.command("status")
def status_command(year: int, db: Db = None) -> None:
    """Every verification case of a year: state, verifier, figures, what happened."""
    engine, _ = open_registry(db)
    table = Table(title=f"Verification of {year} emissions")
    for key, label in COLUMNS:
        table.add_column(label, justify="right" if key.endswith("tco2") else "left")
    for row in verification_rows(vf.cases(engine, year)):
        table.add_row(*(row[key] for key, _ in COLUMNS))
    Console(width=None if Console().is_terminal else 200).print(table)


@verification_app.command("events")
def events_command(company: str, year: int, db: Db = None) -> None:
    """The audit trail of one company-year: every step tried, by whom, and its result."""
    engine, _ = open_registry(db)
    found = vf.events(engine, company, year)
    if not found:
        with engine.connect() as connection:
            known = company in company_ids(connection, None)
        raise fail(
            f"no verification case for {company} in {year}"
            if known
            else f"no company {company} in this database; `tanshi verification status "
            f"{year}` lists the companies with cases",
            1,
        )
    for event in found:
        detail = {k: v for k, v in event.detail.items() if v not in (None, "", [])}
        typer.echo(f"{event.at.isoformat()}  {event.action:<15} {event.actor:<12} "
                   f"{event.result:<22} {event.state_after or '-':<20} {detail}")  # fmt: skip


@verification_app.command("discrepancies")
def discrepancies_command(year: int, db: Db = None) -> None:
    """The regulator's discrepancy report: each re-checked report against its verified figure."""
    engine, jurisdiction = open_registry(db)
    table = Table(title=f"Re-checks of {year} emissions")
    for key, label in DISCREPANCY_COLUMNS:
        table.add_column(label, justify="right" if key.endswith("tco2") else "left")
    for row in discrepancy_rows(vf.cases(engine, year), _rules(jurisdiction).materiality):
        table.add_row(*(row[key] for key, _ in DISCREPANCY_COLUMNS))
    Console(width=None if Console().is_terminal else 200).print(table)


@verification_app.command("sources")
def sources_command(company: str, year: int, db: Db = None) -> None:
    """What a stored figure was calculated by: method version, lines, every parameter record
    with its source, and the figure re-derived from the stored snapshot alone."""
    engine, _ = open_registry(db)
    found = figure_sources(engine, company, year)
    if found is None:
        raise fail(f"no emissions figure of {company} for {year} is stored", 1)
    shot = found.snapshot
    typer.echo(f"{company} {year}: reported {found.reported_tco2} t, verified "
               f"{found.verified_tco2} t ({found.verification_method}) by {found.methodology}")  # fmt: skip
    if found.reproduced_tco2 is not None:
        same = "matches" if found.reproduced_tco2 == found.reported_tco2 else "DIFFERS FROM"
        typer.echo(f"re-derived from the stored snapshot: {found.reproduced_tco2} t ({same} "
                   "the reported figure)")  # fmt: skip
    bases: dict[str, int] = {}
    for line in shot.get("lines", []):
        bases[line.get("basis") or "-"] = bases.get(line.get("basis") or "-", 0) + 1
    typer.echo("lines by basis: " + ", ".join(f"{k} {v}" for k, v in sorted(bases.items())))
    table = Table(title="Parameters used")
    for label in ("parameter", "value", "document, clause", "confidence", "source"):
        table.add_column(label)
    for row in shot.get("parameters", []):
        table.add_row(
            f"{row['regime']}/{row['parameter']}/{row['subject']} {row['year_from']}-"
            f"{row['year_to']}",
            f"{row['value']} {row['unit']}",
            f"{row['document']}, {row['clause']}",
            row["confidence"],
            row["source"],
        )
    Console(width=None if Console().is_terminal else 200).print(table)
