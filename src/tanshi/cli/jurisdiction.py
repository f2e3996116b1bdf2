"""``tanshi jurisdiction open`` and ``tanshi company``: a regulator stands up a jurisdiction."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from tanshi.cli.common import fail, failed, open_or_exit, refused
from tanshi.cli.registry_ops import ENV_JURISDICTION, At, Db, moment_of, open_registry
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.resources import load_rulebook
from tanshi.services.jurisdiction import (
    company_problems,
    open_jurisdiction,
    register_companies,
    register_company,
)
from tanshi.store.engine import database_url, printable_url
from tanshi.store.schema import companies, jurisdictions

jurisdiction_app = typer.Typer(
    help="The jurisdiction a database runs: open it from a rulebook.", no_args_is_help=True
)
company_app = typer.Typer(
    help="Covered companies: register them (one by one or from a CSV), list them.",
    no_args_is_help=True,
)

COMPANY_COLUMNS = ("code", "name", "sector")


@jurisdiction_app.command("open")
def open_command(
    rulebook: Annotated[
        str, typer.Option("--rulebook", help="A preset id (tanshi rulebook list) or a .toml file.")
    ],
    db: Db = None,
    at: At = None,
) -> None:
    """Record the jurisdiction of RULEBOOK and open its system accounts.

    A database may hold several jurisdictions (a national market and a pilot, say); opening
    one it already holds is refused (exit 2). Once it holds several, the other commands act
    on the one named by `tanshi --jurisdiction CODE` (or TANSHI_JURISDICTION).
    """
    now = moment_of(at, None)  # a new jurisdiction: never on a demo database
    try:
        parsed, text = load_rulebook(rulebook)
    except TanshiError as error:  # a rulebook's errors each at its line; no file: one line
        raise failed(error, 2, "no jurisdiction was opened") from error
    url = database_url(db)
    code = parsed.rulebook.jurisdiction
    engine = open_or_exit(url, create=True)
    try:
        with engine.connect() as connection:
            held = list(connection.execute(select(jurisdictions.c.code)).scalars())
        if code in held:
            raise fail(
                f"{printable_url(url)} already runs jurisdiction {code}; a jurisdiction is "
                "opened once: give --db another database to open it again",
                2,
            )
        opened = open_jurisdiction(engine, parsed, text, now, is_demo=False)
    except TanshiError as error:
        raise failed(error, 1, "no jurisdiction was opened") from error
    finally:
        engine.dispose()
    sectors = ", ".join(
        sector.code if sector.every_year else f"{sector.code} ({sector.years()})"
        for sector in parsed.sectors
    )
    typer.echo(
        f"opened {opened.code} ({parsed.rulebook.name}, rulebook {parsed.rulebook.id} "
        f"version {parsed.rulebook.version}) in {printable_url(url)}; sectors: {sectors}"
    )
    if held:
        typer.echo(
            f"the database now holds {', '.join(sorted([*held, opened.code]))}: name the one "
            f"to act on with `tanshi --jurisdiction {opened.code} …` (or {ENV_JURISDICTION})"
        )


@company_app.command("register")
def register(
    code: Annotated[str, typer.Argument(help="The company's code, e.g. C001.")],
    name: Annotated[str, typer.Argument(help="The company's name.")],
    sector: Annotated[str, typer.Argument(help="A sector code of the rulebook.")],
    db: Db = None,
) -> None:
    """Register a covered company and open its operator holding account (again: no change)."""
    engine, jurisdiction = open_registry(db)
    try:
        problems = company_problems(jurisdiction, code, name, sector)
        if not problems:
            register_company(engine, jurisdiction, code, name, sector)
    except TanshiError as error:
        raise failed(error, 1, "no company was registered") from error
    finally:
        engine.dispose()
    if problems:
        raise refused(problems, "nothing was registered")
    typer.echo(f"registered {code} ({name}, {sector}) with account {jurisdiction.code}-OH-{code}")


@company_app.command("import")
def import_companies(
    file: Annotated[Path, typer.Argument(help="A CSV with the columns code,name,sector.")],
    db: Db = None,
) -> None:
    """Register every company of a CSV file (code,name,sector); rows already registered stay.

    Every row is checked first: if any is wrong, nothing is registered and every problem is
    printed with its row (exit 1).
    """
    rows = _company_rows(file)
    engine, jurisdiction = open_registry(db)
    try:
        problems = register_companies(
            engine,
            jurisdiction,
            [(f"{file}:{number}", code, name, sector) for number, (code, name, sector) in rows],
        )
    finally:
        engine.dispose()
    if problems:
        raise refused(problems, "nothing was registered")
    typer.echo(f"registered {len(rows)} companies from {file}")


def _company_rows(file: Path) -> list[tuple[int, tuple[str, str, str]]]:
    """The rows of a companies CSV with their file line numbers; exits on a malformed file."""
    if not file.is_file():
        raise fail(f"no file at {file}", 2)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise fail(f"{file} is not UTF-8 text: save the CSV as UTF-8", 2) from error
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(name.strip() for name in reader.fieldnames or ())
    if header != COMPANY_COLUMNS:
        # A header of other columns is an input problem (exit 1), as in `allocation output`.
        found = ",".join(header) if any(header) else "empty"
        bad = Issue("bad_header", f"the first line must name the columns "
                    f"{','.join(COMPANY_COLUMNS)}; it is {found}", f"{file}:1")  # fmt: skip
        raise refused([bad], "nothing was registered")
    rows: list[tuple[int, tuple[str, str, str]]] = []
    problems = []
    for record in reader:
        number = reader.line_num
        cells = [record.get(column) for column in reader.fieldnames or ()]
        if None in cells or None in record or any(not (c or "").strip() for c in cells):
            problems.append(
                Issue("company_row", "give exactly code, name and sector", f"{file}:{number}")
            )
            continue
        code, name, sector = (cell.strip() for cell in cells if cell is not None)
        rows.append((number, (code, name, sector)))
    if problems:
        raise refused(problems, "nothing was registered")
    return rows


@company_app.command("list")
def list_companies(db: Db = None) -> None:
    """The jurisdiction's registered companies: code, sector and name, tab-separated."""
    engine, jurisdiction = open_registry(db)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(companies.c.code, companies.c.sector, companies.c.name)
                .where(companies.c.jurisdiction_id == jurisdiction.id)
                .order_by(companies.c.code)
            ).all()
    finally:
        engine.dispose()
    for row in found:
        typer.echo(f"{row.code}\t{row.sector}\t{row.name}")
