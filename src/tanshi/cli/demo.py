"""``tanshi demo``: one compliance year of demo-province on a fresh database, with a report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from tanshi.cli.common import fail, failed, first_line, open_or_exit, say_problems
from tanshi.cli.tables import compliance_table
from tanshi.core.errors import TanshiError
from tanshi.reports.compliance_table import summarise, write_reports
from tanshi.reports.verification_table import verification_rows, write_verification_reports
from tanshi.resources import load_rulebook, parameter_table, verification_rules
from tanshi.services.demo import DemoResult, run_demo
from tanshi.services.demo_clock import demo_moment
from tanshi.services.demo_users import DemoUser, create_demo_users
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.store.engine import DEMO_SQLITE_FILE, database_url, printable_url
from tanshi.store.reset import reset_demo_database


def demo_command(
    seed: Annotated[
        int, typer.Option(help="Seed of the synthetic market; same seed, same output.")
    ] = 42,
    companies: Annotated[
        int, typer.Option(min=2, max=2000, help="How many covered companies to simulate.")
    ] = 60,
    db: Annotated[
        str | None,
        typer.Option(
            help="SQLite file or database URL for the demo; default: $TANSHI_DATABASE_URL, "
            "else ./tanshi-demo/demo.sqlite. A previous demo there is replaced; other data "
            "is never touched."
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Folder for the CSV and HTML compliance reports.")
    ] = Path("tanshi-demo"),
    rulebook: Annotated[
        str, typer.Option(help="Rulebook preset id or .toml file to run.")
    ] = "demo-province",
) -> None:
    """Run one compliance year of a fictional province end to end and print its compliance table.

    Creates a fresh database, loads the rulebook, registers seeded synthetic companies,
    calculates and verifies their emissions, allocates allowances, lets seeded agents trade
    on the jurisdiction's exchange (matching engine, block trades, settlement against
    payment) and surrenders; the database stops there, before the deadline, and the report
    shows the shortfalls and penalties the deadline would compute from those positions.
    Writes compliance-YEAR.csv and compliance-YEAR.html into --out.
    """
    console = Console(width=None if Console().is_terminal else 180)
    url = database_url(db, out / "demo.sqlite")
    shown = printable_url(url)
    try:
        _check_writable(out)
        rules, text = load_rulebook(rulebook)
        reset_demo_database(url)
    except TanshiError as error:  # a rulebook with errors lists them; a missing one is a line
        raise failed(error, 2, "the demo did not run") from error
    except (SQLAlchemyError, OSError) as error:
        raise fail(f"cannot use the database {shown}: {first_line(error)}", 2) from error
    engine = open_or_exit(url, create=True)
    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done)

        try:
            result = run_demo(
                engine,
                rules,
                text,
                parameter_table(),
                seed=seed,
                company_count=companies,
                progress=progress,
            )
            # The users exist from the demo's own moment, not the real date: nothing in the
            # demo is dated after the moment the served demo starts from.
            users = create_demo_users(
                engine,
                load_jurisdiction(engine, result.rulebook.rulebook.jurisdiction),
                seed,
                moment := demo_moment(engine) or datetime.now(UTC),
            )
        except TanshiError as error:
            raise failed(error, 1, "the demo stopped there") from error
        except SQLAlchemyError as error:
            raise fail(f"the database {shown} failed: {first_line(error)}", 1) from error
        finally:
            engine.dispose()
    _print(console, result, moment)
    csv_path, html_path = write_reports(
        out, result.rulebook, result.year, result.lines, result.price, seed=seed
    )
    ver_csv, ver_html = write_verification_reports(
        out,
        result.rulebook.rulebook.name,
        result.year,
        result.verification,
        verification_rules(result.rulebook.rulebook.id).materiality,
    )
    console.print(f"\nWrote {csv_path}, {html_path}, {ver_csv} and {ver_html}; database: {shown}")
    default = database_url(None, DEMO_SQLITE_FILE)
    _print_users(console, users, None if url == default else shown)
    # Every command defaults to the demo's database (store/engine.py: database_url).
    db_ = "" if url == default else f" --db {shown}"
    chart = DEMO_SQLITE_FILE if url == default else shown  # without --db, chart reads the tape
    console.print(
        f"Next: open the HTML report, or try `tanshi registry verify{db_}` and "
        f"`tanshi registry report{db_}` on this database; `tanshi verification status "
        f"{result.year}{db_}` and `tanshi verification events COMPANY {result.year}{db_}` "
        f"show the verification season; `tanshi market chart --db {chart}`, `tanshi market "
        f"surveillance{db_}` and `tanshi market replay --day D{db_}` the exchange."
    )


def _print_users(console: Console, users: list[DemoUser], db: str | None) -> None:
    table = Table(title="Demo users (for this demo database only; secrets are printed on purpose)")
    for heading in ("username", "role", "organisation", "password", "TOTP secret"):
        table.add_column(heading)
    for user in users:
        table.add_row(user.username, user.role, user.organisation, user.password,
                      user.totp_secret or "(none needed)")  # fmt: skip
    console.print(table)
    where = f" --db {db}" if db else ""
    console.print(
        f"Start the web UI and API: `tanshi serve --demo-clock{where}`, then open "
        "http://127.0.0.1:8000/ (OpenAPI document at /openapi.json). The demo's year is past: "
        "--demo-clock runs the service's clock from the demo's own moment, when deadlines are "
        "ahead and the exchange trades (shown in the page header). One-time code for a "
        "secret: `tanshi totp SECRET` (codes follow the real time)."
    )


def _check_writable(folder: Path) -> None:
    """Fail before the year runs if the reports could not be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".tanshi-write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as error:
        raise TanshiError(
            f"cannot write the reports into {folder}: {error.strerror}; choose another --out"
        ) from error


def _print(console: Console, result: DemoResult, moment: datetime) -> None:
    table = compliance_table(
        f"{result.rulebook.rulebook.name} — compliance {result.year} at the deadline "
        f"{result.deadline}, as the positions stand",
        result.lines,
    )
    console.print(table)
    _print_verification(console, result)
    auction = result.auction
    if auction is not None:
        console.print(
            f"Auction {auction.code} on {auction.held_on} through the bid book: "
            f"{auction.bidders} companies bid {auction.bid_t:,} t; {auction.sold_t:,} t sold "
            f"at CNY {auction.clearing_price_per_t}/t (see /public/auctions)."
        )
    summary = summarise(result.lines)
    source = "average of the year's allowance trades" if result.price.from_trades else "fallback"
    console.print(
        f"{summary.companies} companies: {summary.by_status['compliant']} compliant, "
        f"{summary.by_status['non_compliant']} non-compliant, "
        f"{summary.by_status['no_verified_emissions']} without verified emissions. "
        f"Penalty price CNY {result.price.price_cny_per_t}/t ({source}); "
        f"penalties CNY {summary.penalty_cny:,.2f}; shortfalls {summary.shortfall_t:,} t are "
        f"deducted from the {result.year + 1} allocation — if nobody trades or surrenders "
        f"more by the deadline. The database stops before it (the demo's moment "
        f"{moment:%Y-%m-%d %H:%M}): compliance is not computed yet, and the "
        "companies' officers can still surrender on the web."
    )
    notes = list(result.issues)
    if notes:  # on stderr, as every command says problems (cli/docs.md, "Problems")
        say_problems(notes[:10], note=True)
        more = f", {len(notes) - 10} more not shown" if len(notes) > 10 else ""
        typer.echo(f"{len(notes)} notes from the run{more}", err=True)


def _print_verification(console: Console, result: DemoResult) -> None:
    """The reports whose verification changed something, and the counts."""
    rows = [row for row in verification_rows(result.verification) if row["note"]]
    table = Table(
        title=f"Verification of {result.year} emissions — reports with findings or re-checks"
    )
    for key, label in (("company", "Company"), ("body", "Verifier"), ("reported_tco2",
                       "Reported tCO2"), ("verified_tco2", "Verified tCO2"), ("recheck_body",
                       "Re-check"), ("compliance_tco2", "Used tCO2"), ("note", "What happened")):  # fmt: skip
        table.add_column(label, justify="right" if key.endswith("tco2") else "left")
    for row in rows:
        style = "red" if row["state"] == "recheck_flagged" else None
        table.add_row(row["company"], row["body"], row["reported_tco2"], row["verified_tco2"],
                      row["recheck_body"], row["compliance_tco2"], row["note"], style=style)  # fmt: skip
    console.print(table)
    season = result.season
    console.print(
        f"{len(result.verification)} reports verified by {len({c.body for c in result.verification})} "
        f"bodies; {len(season.sample)} re-checked (seeded sample: {', '.join(season.sample)})."
    )
