"""What the commands share: opening a database, and saying problems in one shape."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from tanshi.core.errors import InputRejected, StepRefused, TanshiError
from tanshi.core.issues import Issue, Severity
from tanshi.registry import ResultCode
from tanshi.rulebook.in_force import NoRuleInForce
from tanshi.services.refusal_texts import explain, unexplained
from tanshi.store.engine import normalise_url, open_database, printable_url

try:  # recent Typer runs its own copy of Click, whose context holds the running command
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - older Typer runs Click itself
    from click import get_current_context  # type: ignore[no-redef]


def first_line(error: Exception) -> str:
    """The first line of an exception's message (drivers add pages of detail)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: message`` to stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def failed(error: TanshiError, code: int = 1, outcome: str = "nothing was changed") -> typer.Exit:
    """A step's refusal in the problem shape (its issues, at the options typed, then the count
    line) when it carries them (``problems_of``), else ``error: MESSAGE``; return the Exit
    (status ``code``)."""
    problems = problems_of(error)
    if problems:
        return refused(problems, outcome, code)
    return fail(str(error), code)


def problems_of(error: TanshiError) -> list[Issue]:
    """The problems an error carries: a year the rulebook has no rules for (with the years it
    has, ``no_rules``), a refused step's issue, every issue of rejected input; none for an
    error that is only a sentence (a missing file, a broken shipped table)."""
    if isinstance(error, NoRuleInForce):
        return [no_rules(error)]
    if isinstance(error, StepRefused):
        return [error.issue]
    if isinstance(error, InputRejected):
        return list(error.issues)
    return []


def no_rules(error: NoRuleInForce) -> Issue:
    """A year the rulebook does not rule on as a problem at ``year Y``, said as the API and
    the web say it (``NoRuleInForce.advice``: what the year lacks, the years the rulebook has
    rules for, to choose one of them), so the person can choose another year."""
    advice = error.advice()
    if error.year is None:
        return advice
    return replace(advice, where=f"year {error.year}", where_template="", where_params=())


def problem_line(issue: Issue, *, note: bool = False) -> str:
    """One problem as every command prints it: ``WHERE: SEVERITY: MESSAGE [CODE]``, or
    ``SEVERITY: MESSAGE [CODE]`` when it has no location (cli/docs.md, "Problems").

    A file's line (``bids.csv:3``) comes first as compilers write it, so an editor can jump
    to it; ``note`` says a warning as ``note`` (what a command observed, not a fault).
    """
    label = "note" if note and issue.severity is Severity.WARNING else issue.severity.value
    prefix = f"{issue.where}: " if issue.where else ""
    return f"{prefix}{label}: {issue.message} [{issue.code}]"


# The API's name of a request field (the last part of a problem's location, as the services
# write it) → the command's parameter that takes it, where the two differ: a refusal at
# ``reserve_price_per_t`` is said at ``--reserve-price`` by a command with that option.
FIELD_PARAMETERS = {
    "reserve_price_per_t": "reserve_price", "price_per_t": "price", "quantity_t": "quantity",
    "volume_t": "volume", "auction_on": "on", "opens_at": "opens", "closes_at": "closes",
}  # fmt: skip


# A request's field path (``bid.price_per_t``); anything with a colon, a space or a list
# index is a place in a file or a sentence, never an option.
FIELD_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")


def typed(issue: Issue) -> Issue:
    """``issue`` located at the option the person typed: a location naming a request field
    (``bid.price_per_t``, ``reserve_price_per_t``, ``year``) that one of the running
    command's options takes becomes that option (``--price``, ``--reserve-price``,
    ``--year``). Any other location (a file's line, an argument, ``company C001, 2016``),
    and every location outside a running command, stays as it is."""
    where = issue.where
    if not where or not FIELD_PATH.fullmatch(where):
        return issue  # a file's place (``bad.toml:75 cap[0].year``) keeps its line
    context = get_current_context(silent=True)
    if context is None or context.command is None:
        return issue
    field = where.rsplit(".", 1)[-1]
    name = FIELD_PARAMETERS.get(field, field)
    for parameter in context.command.params:
        if parameter.param_type_name == "option" and parameter.name == name:
            long = [opt for opt in parameter.opts if opt.startswith("--")]
            return replace(issue, where=(long or parameter.opts)[0])
    return issue


def say_problems(issues: Iterable[Issue], *, note: bool = False) -> None:
    """Print every problem to stderr, one a line (``problem_line``), each at the option the
    person typed where it is about one (``typed``)."""
    for issue in issues:
        typer.echo(problem_line(typed(issue), note=note), err=True)


def counted(issues: Iterable[Issue]) -> str:
    """``2 errors, 1 warning``: how many problems of each severity (``no problems``)."""
    found = list(issues)
    parts = []
    for severity, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning")):
        n = sum(issue.severity is severity for issue in found)
        if n or (severity is Severity.ERROR and found):
            parts.append(f"{n} {word}{'' if n == 1 else 's'}")
    return ", ".join(parts) or "no problems"


def refused(
    issues: Iterable[Issue], outcome: str = "nothing was changed", code: int = 1,
    *, most: int | None = None,
) -> typer.Exit:  # fmt: skip
    """Print every problem (the first ``most`` of them; at the options typed, ``typed``),
    then the count line ``2 errors, 1 warning; OUTCOME`` to stderr, and return the Exit
    (status ``code``)."""
    found = list(issues)
    say_problems(found[:most])
    hidden = len(found) - len(found[:most])
    shown = f" ({hidden} not shown)" if hidden else ""
    typer.echo(f"{counted(found)}{shown}; {outcome}", err=True)
    return typer.Exit(code)


def registry_refusal(result: ResultCode, where: str = "", figures: str = "") -> Issue:
    """The registry's refusal ``result`` as a problem: what it means and what to do, as the
    web says it (``services.refusal_texts``, the one English text of each code), then
    ``figures``, what the registry knows about it (``services.refusal_figures``: held against
    needed, what a freeze order holds against what was asked); a code without an
    explanation points to docs/registry.md."""
    explained = explain(result.value)
    if explained is None:
        return Issue(result.value, unexplained(result.value, figures), where)
    return Issue(result.value, f"{explained}: {figures}" if figures else explained, where)


def open_or_exit(url: str, *, create: bool = False) -> Engine:
    """A migrated engine on ``url``, or exit with status 2 and a clear message.

    Without ``create``, a SQLite file that does not exist is refused: a mistyped path must
    not silently become a new, empty registry that then "verifies" as intact.
    """
    path = sqlite_path(url)
    if not create and path is not None and not path.exists():
        raise fail(
            f"no database at {path}: give --db the path of an existing tanshi database, or "
            "create one first (`tanshi demo`, `tanshi jurisdiction open`)",
            2,
        )
    try:
        return open_database(url)
    except TanshiError as error:
        raise fail(str(error), 2) from error
    except (SQLAlchemyError, OSError) as error:
        raise fail(
            f"cannot use the database {printable_url(url)}: {first_line(error)}; give --db a "
            "writable SQLite file path or a reachable PostgreSQL URL",
            2,
        ) from error


def wide_console() -> Console:
    """A console for tables: the terminal's width, else $COLUMNS, else 200 columns.

    Rich falls back to 80 columns when stdout is not a terminal, which squeezes wide tables
    into ellipses when they are piped to a file or a pager.
    """
    if Console().is_terminal or os.environ.get("COLUMNS", "").isdigit():
        return Console()
    return Console(width=200)


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL or path; None for PostgreSQL and in-memory databases."""
    url = normalise_url(url)
    if not url.startswith(("sqlite:", "sqlite+pysqlite:")):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return Path(path) if path and path != ":memory:" else None
