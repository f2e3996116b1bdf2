"""CSV cells a spreadsheet will not run: text starting like a formula gets a leading quote."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# OWASP "CSV Injection": a cell starting with = + - @ (or tab, carriage return) is read as a
# formula by Excel, LibreOffice and Sheets; a leading ' makes it text. Numbers stay numbers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a CSV file: text that starts like a formula is prefixed
    with a single quote; numbers and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (comma, \\n line ends, quoted as needed) with formula-safe cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
