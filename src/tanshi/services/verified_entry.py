"""Verified emissions entered directly for a company-year, with a note of where they come from.

For history and scenarios: a regulator's published figure, a base year before the MRV rules,
or a figure from another system. The entry is stored like a verified report (methodology
``entered``, verification ``entered``) with the note in its calculation record, so
allocation and compliance read it as they read any verified report.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from tanshi.core.issues import Issue
from tanshi.core.quantities import t_to_kg
from tanshi.services.mrv import company_ids, lock_company, report_id
from tanshi.store.schema import emission_reports

ENTERED = "entered"


def enter_verified_emissions(
    engine: Engine, company: str, year: int, verified_tco2: Decimal, source: str
) -> list[Issue]:
    """Record ``verified_tco2`` as the company's verified emissions of ``year``."""
    where = f"verified emissions of {company} for {year}"
    issues = []
    if verified_tco2 < 0:
        issues.append(Issue("negative_emissions", "emissions are zero or more", where))
    if not source.strip():
        issues.append(Issue("source_missing", "say where the figure comes from", where))
    with engine.begin() as connection:
        ids = company_ids(connection, None)
        if company not in ids:
            issues.append(Issue("unknown_company", f"no covered company {company}", where))
        if issues:
            return issues
        lock_company(connection, ids[company])  # a report of the year meanwhile waits
        if report_id(connection, ids[company], year) is not None:
            return [Issue("report_exists", "the year is already reported and verified", where)]
        kg = t_to_kg(verified_tco2)
        connection.execute(
            emission_reports.insert().values(
                company_id=ids[company], year=year, methodology=ENTERED, reported_kg=kg,
                verified_kg=kg, verification_method=ENTERED,
                calculation={"emissions_tco2": str(verified_tco2), ENTERED: source},
            )
        )  # fmt: skip
    return []
