"""Compliance tables for the terminal, shared by the commands that print one."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from tanshi.compliance import ComplianceLine
from tanshi.reports.compliance_table import COLUMNS, table_rows

NUMERIC = {key for key, _ in COLUMNS} - {"company", "name", "sector", "status"}
# Shorter headings than the CSV and HTML, so the table fits a terminal.
CONSOLE_COLUMNS = (
    ("company", "Company"),
    ("sector", "Sector"),
    ("verified_tco2", "Verified tCO2"),
    ("allocated_t", "Allocated"),
    ("bought_t", "Bought"),
    ("sold_t", "Sold"),
    ("surrendered_allowances_t", "Surr. allow."),
    ("surrendered_offsets_t", "Surr. offsets"),
    ("shortfall_t", "Shortfall"),
    ("penalty_cny", "Penalty"),
    ("status", "Status"),
)


def compliance_table(title: str, lines: Sequence[ComplianceLine]) -> Table:
    """A rich table of compliance lines, non-compliant rows in red, silent ones in yellow."""
    table = Table(title=title)
    for key, label in CONSOLE_COLUMNS:
        table.add_column(label, justify="right" if key in NUMERIC else "left")
    for row in table_rows(lines):
        style = {"non_compliant": "red", "no_verified_emissions": "yellow"}.get(row["status"])
        table.add_row(*(row[key].replace("_", " ") for key, _ in CONSOLE_COLUMNS), style=style)
    return table
