"""What the commands share: opening a database with errors a person can act on."""

from __future__ import annotations

import os

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from tanshi.core.errors import TanshiError
from tanshi.store.engine import open_database, printable_url


def first_line(error: Exception) -> str:
    """The first line of an exception's message (drivers add pages of detail)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: message`` to stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def open_or_exit(url: str) -> Engine:
    """A migrated engine on ``url``, or exit with status 2 and a clear message."""
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
