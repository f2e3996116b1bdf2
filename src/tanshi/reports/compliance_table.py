"""The compliance table: rows shared by the console, CSV and HTML renderings."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tanshi.compliance import ComplianceLine, PriceBasis, Status
from tanshi.core.csv_cells import safe_cell
from tanshi.reports.templating import environment as report_environment
from tanshi.rulebook import Rulebook, rules_in_force
from tanshi.rulebook.describe import penalty_text

COLUMNS = (
    ("company", "Company"),
    ("name", "Name"),
    ("sector", "Sector"),
    ("verified_tco2", "Verified emissions (tCO2)"),
    ("allocated_t", "Allocated (t)"),
    ("bought_t", "Bought (t)"),
    ("sold_t", "Sold (t)"),
    ("surrendered_allowances_t", "Surrendered allowances (t)"),
    ("surrendered_offsets_t", "Surrendered offsets (t)"),
    ("shortfall_t", "Shortfall (t)"),
    ("penalty_cny", "Penalty (currency of the rulebook)"),
    ("status", "Status"),
)
# Columns of free text (the others are codes, numbers and statuses tanshi writes itself).
TEXT_COLUMNS = frozenset({"company", "name", "sector"})


def table_rows(lines: Sequence[ComplianceLine]) -> list[dict[str, str]]:
    """One dict per company with plain, exact strings ("" where a value does not apply)."""
    rows = []
    for line in lines:
        position = line.position
        verified = position.verified_tco2
        rows.append(
            {
                "company": position.company,
                "name": position.name,
                "sector": position.sector,
                "verified_tco2": "" if verified is None else f"{verified:.3f}",
                "allocated_t": str(position.allocated_t),
                "bought_t": str(position.bought_t),
                "sold_t": str(position.sold_t),
                "surrendered_allowances_t": str(position.surrendered_allowances_t),
                "surrendered_offsets_t": str(position.surrendered_offsets_t),
                "shortfall_t": "" if line.shortfall_t is None else str(line.shortfall_t),
                "penalty_cny": "" if line.penalty_cny is None else f"{line.penalty_cny:.2f}",
                "status": line.status.value,
            }
        )
    return rows


def to_csv(lines: Sequence[ComplianceLine]) -> str:
    """The table as CSV text with a header row of column keys."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, [key for key, _ in COLUMNS], lineterminator="\n")
    writer.writeheader()
    # Names are typed by people: a name starting like a formula must not run in a spreadsheet.
    writer.writerows(
        {key: safe_cell(value) if key in TEXT_COLUMNS else value for key, value in row.items()}
        for row in table_rows(lines)
    )
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals shown above the table."""

    companies: int
    by_status: dict[str, int]
    verified_tco2: Decimal
    allocated_t: int
    traded_t: int
    shortfall_t: int
    penalty_cny: Decimal


def summarise(lines: Sequence[ComplianceLine]) -> Summary:
    statuses = Counter(line.status.value for line in lines)
    return Summary(
        companies=len(lines),
        by_status={status.value: statuses.get(status.value, 0) for status in Status},
        verified_tco2=sum(
            (line.position.verified_tco2 or Decimal(0) for line in lines), Decimal(0)
        ),
        allocated_t=sum(line.position.allocated_t for line in lines),
        traded_t=sum(line.position.bought_t for line in lines),
        shortfall_t=sum(line.shortfall_t or 0 for line in lines),
        penalty_cny=sum((line.penalty_cny or Decimal(0) for line in lines), Decimal(0)),
    )


def to_html(
    rulebook: Rulebook,
    year: int,
    lines: Sequence[ComplianceLine],
    price: PriceBasis,
    *,
    seed: int | None = None,
) -> str:
    """A self-contained HTML page (no external files): summary, rules with sources, table."""
    environment = report_environment()
    rules = rules_in_force(rulebook, year)
    return environment.get_template("compliance.html").render(
        rulebook=rulebook,
        year=year,
        rules=rules,
        deadline=rules.compliance.surrender_deadline(year),
        columns=COLUMNS,
        rows=table_rows(lines),
        summary=summarise(lines),
        price=price,
        seed=seed,
        penalty_text=penalty_text(rules.penalty, rulebook.rulebook.currency),
    )


def write_reports(
    folder: Path,
    rulebook: Rulebook,
    year: int,
    lines: Sequence[ComplianceLine],
    price: PriceBasis,
    *,
    seed: int | None = None,
) -> tuple[Path, Path]:
    """Write ``compliance-YEAR.csv`` and ``compliance-YEAR.html`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"compliance-{year}.csv"
    html_path = folder / f"compliance-{year}.html"
    csv_path.write_text(to_csv(lines), encoding="utf-8")
    html_path.write_text(to_html(rulebook, year, lines, price, seed=seed), encoding="utf-8")
    return csv_path, html_path
