"""Recording activity data, calculating emissions and recording verified emissions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal

from sqlalchemy import Connection, Engine, select

from tanshi.core.errors import InputRejected, TanshiError
from tanshi.core.issues import Issue, has_errors
from tanshi.core.quantities import from_milli, kg_to_t, t_to_kg, to_milli
from tanshi.mrv import (
    METHODOLOGIES,
    ActivityRecord,
    Calculation,
    MethodologyContext,
    ParameterTable,
    SourceKind,
    accept_as_reported,
    check_activity,
)
from tanshi.rulebook.in_force import rule_for
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.store.schema import activity_data, companies, emission_reports


def company_ids(connection: Connection) -> dict[str, int]:
    """Company code → id for every company."""
    return {
        row.code: row.id for row in connection.execute(select(companies.c.code, companies.c.id))
    }


def record_activity(engine: Engine, records: Sequence[ActivityRecord]) -> list[Issue]:
    """Store activity data; with any error nothing is stored and every problem is returned."""
    issues = check_activity(records)
    with engine.begin() as connection:
        ids = company_ids(connection)
        for record in records:
            if record.company in ids and _recorded(connection, ids[record.company], record):
                issues.append(
                    Issue(
                        "activity_already_recorded",
                        "this source is already recorded for the year; corrections come with "
                        "the verification workflow",
                        record.where,
                    )
                )
            if record.company not in ids:
                issues.append(Issue("unknown_company", "register the company first", record.where))
            elif record.quantity != record.quantity.quantize(Decimal("0.001")):
                issues.append(
                    Issue("too_precise", "report quantities to at most 3 decimals", record.where)
                )
        if has_errors(issues):
            return issues
        connection.execute(
            activity_data.insert(),
            [
                {
                    "company_id": ids[record.company],
                    "year": record.year,
                    "kind": record.kind.value,
                    "subject": record.subject,
                    "quantity_milli": to_milli(record.quantity),
                    "unit": record.unit,
                }
                for record in records
            ],
        )
    return issues


def _recorded(connection: Connection, company_id: int, record: ActivityRecord) -> bool:
    found = connection.execute(
        select(activity_data.c.id).where(
            activity_data.c.company_id == company_id,
            activity_data.c.year == record.year,
            activity_data.c.kind == record.kind.value,
            activity_data.c.subject == record.subject,
        )
    ).first()
    return found is not None


def load_activity(connection: Connection, company: str, year: int) -> list[ActivityRecord]:
    """A company's stored activity data for a year."""
    query = (
        select(activity_data, companies.c.code)
        .join(companies)
        .where(companies.c.code == company, activity_data.c.year == year)
        .order_by(activity_data.c.kind, activity_data.c.subject)
    )
    return [
        ActivityRecord(
            row.code,
            row.year,
            SourceKind(row.kind),
            row.subject,
            from_milli(row.quantity_milli),
            row.unit,
        )
        for row in connection.execute(query)
    ]


def calculate(
    engine: Engine, jurisdiction: Jurisdiction, table: ParameterTable, company: str, year: int
) -> Calculation:
    """The emissions of a company-year by the methodology the rulebook sets for that year."""
    rule = rule_for(jurisdiction.rulebook.mrv, year, "mrv")
    methodology = METHODOLOGIES.get(rule.methodology)
    if methodology is None:
        raise TanshiError(f"methodology {rule.methodology} is not installed")
    with engine.connect() as connection:
        records = load_activity(connection, company, year)
    context = MethodologyContext(table, rule.parameter_regimes, rule.grid_region)
    return methodology.calculate(company, year, records, context)


def report_and_verify(
    engine: Engine, jurisdiction: Jurisdiction, table: ParameterTable, company: str, year: int
) -> Calculation:
    """Calculate, verify by the rulebook's rule and store the report; raises InputRejected."""
    rule = rule_for(jurisdiction.rulebook.mrv, year, "mrv")
    if rule.verification != "accept_reported":
        raise InputRejected(
            f"the emissions report of {company} for {year}",
            [
                Issue(
                    "verification_required",
                    f"{year} reports are verified by a verification body: submit them with "
                    "services.verification (tanshi verification submit)",
                    company,
                )
            ],
        )
    calculation = calculate(engine, jurisdiction, table, company, year)
    if not calculation.lines and not calculation.issues:
        raise InputRejected(
            f"the emissions report of {company} for {year}",
            [Issue("no_activity_data", "record activity data before reporting", company)],
        )
    verified = accept_as_reported(calculation)
    with engine.begin() as connection:
        ids = company_ids(connection)
        reported = connection.execute(
            select(emission_reports.c.id).where(
                emission_reports.c.company_id == ids[company], emission_reports.c.year == year
            )
        ).first()
        if reported is not None:
            raise InputRejected(
                f"the emissions report of {company} for {year}",
                [Issue("report_exists", "the year is already reported and verified", company)],
            )
        connection.execute(
            emission_reports.insert().values(
                company_id=ids[company],
                year=year,
                methodology=calculation.methodology,
                reported_kg=t_to_kg(calculation.emissions_tco2),
                verified_kg=t_to_kg(verified.emissions_tco2),
                verification_method=verified.method,
                calculation=_snapshot(calculation),
            )
        )
    return calculation


def _snapshot(calculation: Calculation) -> dict[str, object]:
    """The calculation as JSON, Decimals as strings, so it reproduces exactly later."""

    def plain(value: object) -> object:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return value

    return {
        "emissions_tco2": str(calculation.emissions_tco2),
        "lines": [plain(asdict(line)) for line in calculation.lines],
        "parameters": [plain(asdict(parameter)) for parameter in calculation.parameters],
        "issues": [str(issue) for issue in calculation.issues],
    }


def verified_emissions_t(connection: Connection, year: int) -> dict[str, Decimal]:
    """Company code → verified emissions (t) for every company verified in ``year``."""
    query = (
        select(companies.c.code, emission_reports.c.verified_kg)
        .join(companies)
        .where(emission_reports.c.year == year, emission_reports.c.verified_kg.is_not(None))
    )
    return {row.code: kg_to_t(row.verified_kg) for row in connection.execute(query)}


def companies_with_activity(engine: Engine, year: int) -> list[str]:
    """Codes of the companies that recorded activity data for ``year``."""
    query = (
        select(companies.c.code)
        .join(activity_data)
        .where(activity_data.c.year == year)
        .distinct()
        .order_by(companies.c.code)
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())
