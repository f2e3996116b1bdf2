"""Recording activity data, calculating emissions and recording verified emissions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

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
from tanshi.mrv.methods import compute_all
from tanshi.mrv.plugins import CalculationMethod, ComputeContext
from tanshi.mrv.report_calculation import activity_inputs
from tanshi.mrv.rule_methods import method_for_year
from tanshi.mrv.snapshot import reproduce, snapshot
from tanshi.rulebook.in_force import rule_for
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.unique_keys import again_if_taken, unique_key
from tanshi.store.engine import reader
from tanshi.store.schema import activity_data, companies, emission_reports


def company_ids(connection: Connection, jurisdiction: Jurisdiction | None) -> dict[str, int]:
    """Company code → id for the companies of ``jurisdiction``; None: of every jurisdiction
    (company codes are unique across jurisdictions)."""
    query = select(companies.c.code, companies.c.id)
    if jurisdiction is not None:
        query = query.where(companies.c.jurisdiction_id == jurisdiction.id)
    return {row.code: row.id for row in connection.execute(query)}


def lock_company(connection: Connection, company_id: int) -> None:
    """Lock the company's row until the transaction ends, so that two reports of one
    company-year cannot both find "no report yet" (PostgreSQL; on SQLite, BEGIN IMMEDIATE
    already serialises writers)."""
    connection.execute(select(companies.c.id).where(companies.c.id == company_id).with_for_update())


def report_id(connection: Connection, company_id: int, year: int) -> int | None:
    """The id of the company-year's stored emissions report, or None."""
    return connection.execute(
        select(emission_reports.c.id).where(
            emission_reports.c.company_id == company_id, emission_reports.c.year == year
        )
    ).scalar()


def company_sectors(engine: Engine, jurisdiction: Jurisdiction) -> dict[str, str]:
    """Company code → sector, for ``jurisdiction``'s companies (who is covered, who may bid)."""
    query = select(companies.c.code, companies.c.sector).where(
        companies.c.jurisdiction_id == jurisdiction.id
    )
    with reader(engine).connect() as connection:
        return {row.code: row.sector for row in connection.execute(query)}


@again_if_taken(unique_key(activity_data, "company_id", "year", "kind", "subject"))
def record_activity(engine: Engine, records: Sequence[ActivityRecord]) -> list[Issue]:
    """Store activity data; with any error nothing is stored and every problem is returned."""
    issues = check_activity(records)
    with engine.begin() as connection:
        ids = company_ids(connection, None)
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
    return _calculated(engine, jurisdiction, table, company, year)[0]


def _calculated(
    engine: Engine, jurisdiction: Jurisdiction, table: ParameterTable, company: str, year: int
) -> tuple[Calculation, dict[str, object]]:
    """The calculation from stored activity data, and its snapshot (``mrv.snapshot``).

    A rule naming a calculation method (``CN-ETS:power``) gets the annual records as its
    inputs (fuel burnt, electricity bought); measured parameters come only with the
    verification workflow's monthly reports.
    """
    rule = rule_for(jurisdiction.rulebook.mrv, year, "mrv")
    found = method_for_year(rule.methodology, year)
    if isinstance(found, Issue):
        raise TanshiError(f"methodology {rule.methodology}: {found.message}")
    with engine.connect() as connection:
        records = load_activity(connection, company, year)
    regimes, grid = tuple(rule.parameter_regimes), rule.grid_region
    if rule.methodology in METHODOLOGIES:
        context = MethodologyContext(table, regimes, grid)
        calculation = METHODOLOGIES[rule.methodology].calculate(company, year, records, context)
        return calculation, snapshot(calculation, regimes=regimes, grid_region=grid,
                                     activity=records)  # fmt: skip
    method = cast(CalculationMethod, found)
    inputs = activity_inputs(records)
    if not records:
        return Calculation(company, year, method.spec.id, Decimal(0), (), (), ()), {}
    (calculation,) = compute_all(method, [inputs], ComputeContext(table))
    return calculation, snapshot(calculation, regimes=regimes, grid_region=grid,
                                 inputs=inputs.values)  # fmt: skip


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
    calculation, shot = _calculated(engine, jurisdiction, table, company, year)
    if not calculation.lines and not calculation.issues:
        raise InputRejected(
            f"the emissions report of {company} for {year}",
            [Issue("no_activity_data", "record activity data before reporting", company)],
        )
    verified = accept_as_reported(calculation)
    with engine.begin() as connection:
        ids = company_ids(connection, jurisdiction)
        if company not in ids:
            raise InputRejected(
                f"the emissions report of {company} for {year}",
                [Issue("unknown_company", f"{company} is not a company of {jurisdiction.code}",
                       company)],
            )  # fmt: skip
        lock_company(connection, ids[company])
        if report_id(connection, ids[company], year) is not None:
            raise InputRejected(
                f"the emissions report of {company} for {year}",
                [Issue("report_exists", "the year is already reported and verified", company)],
            )
        connection.execute(
            emission_reports.insert().values(
                company_id=ids[company],
                year=year,
                methodology=calculation.methodology,
                reported_kg=t_to_kg(verified.emissions_tco2),
                verified_kg=t_to_kg(verified.emissions_tco2),
                verification_method=verified.method,
                calculation=shot,
            )
        )
    return calculation


@dataclass(frozen=True, slots=True)
class FigureSources:
    """A stored emissions figure with what produced it (the snapshot stored with it) and the
    figure re-derived from that snapshot alone (None for rows stored before snapshots had
    their inputs), in whole kg like the stored figure."""

    company: str
    year: int
    methodology: str
    reported_tco2: Decimal
    verified_tco2: Decimal | None
    verification_method: str | None
    snapshot: dict[str, Any]
    reproduced_tco2: Decimal | None


def figure_sources(engine: Engine, company: str, year: int) -> FigureSources | None:
    """The company-year's figure in ``emission_reports`` and its sources, or None."""
    query = (
        select(emission_reports)
        .join(companies)
        .where(companies.c.code == company, emission_reports.c.year == year)
    )
    with reader(engine).connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    shot = dict(row.calculation or {})
    return FigureSources(
        company, year, row.methodology, kg_to_t(row.reported_kg),
        None if row.verified_kg is None else kg_to_t(row.verified_kg),
        row.verification_method, shot, reproduced_t(shot),
    )  # fmt: skip


def reproduced_t(shot: dict[str, Any]) -> Decimal | None:
    """The reported figure re-derived from a stored snapshot alone, in whole kg as stored;
    None for snapshots stored before they kept their inputs and company-year."""
    if not shot.get("methodology") or "company" not in shot:
        return None
    again = reproduce(shot)
    figure = again.emissions_tco2 if again.reported_tco2 is None else again.reported_tco2
    return kg_to_t(t_to_kg(figure))


def verified_emissions_t(
    connection: Connection, jurisdiction: Jurisdiction, year: int
) -> dict[str, Decimal]:
    """Company code → verified emissions (t) for every company of ``jurisdiction`` verified
    in ``year``."""
    query = (
        select(companies.c.code, emission_reports.c.verified_kg)
        .join(companies)
        .where(
            companies.c.jurisdiction_id == jurisdiction.id,
            emission_reports.c.year == year,
            emission_reports.c.verified_kg.is_not(None),
        )
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
    with reader(engine).connect() as connection:
        return list(connection.execute(query).scalars())
