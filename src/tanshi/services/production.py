"""Recording and reading production data: generating units' output, installations' activity.

Recording is all or nothing: every row is checked (unknown company, unit class or benchmark,
negative output, a second figure for a unit-year already recorded) and, if any problem is
found, nothing is written and every problem is returned. A row identical to one already
recorded is accepted and not written again, so importing a file twice is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, Row, select

from tanshi.allocation import GeneratingUnit, Installation
from tanshi.allocation.production import (
    ActivityLevel,
    UnitOutput,
    check_activity_level,
    check_unit_output,
    electricity_classes,
)
from tanshi.core.issues import Issue, has_errors
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.mrv import company_ids
from tanshi.services.unique_keys import again_if_taken, unique_key
from tanshi.store.engine import reader
from tanshi.store.schema import activity_levels, companies, unit_outputs

MILLI = Decimal(1000)
PPM = Decimal(1_000_000)


def _milli(value: Decimal) -> int:
    return int(value * MILLI)


def _ppm(value: Decimal) -> int:
    return int(value * PPM)


@again_if_taken(unique_key(unit_outputs, "company_id", "unit_code", "year"))
def record_unit_outputs(
    engine: Engine,
    jurisdiction: Jurisdiction,
    records: Sequence[UnitOutput],
    now: datetime,
    source: str = "",
) -> list[Issue]:
    """Record generating units' verified output; every problem, or nothing written."""
    classes = electricity_classes(jurisdiction.rulebook.benchmark)
    issues: list[Issue] = []
    rows = []
    seen: dict[tuple[str, str, int], UnitOutput] = {}
    with engine.begin() as connection:
        ids = company_ids(connection, jurisdiction)
        stored = _stored_outputs(connection, jurisdiction)
        for number, record in enumerate(records):
            where = f"row {number + 1}: company {record.company}, unit {record.unit}, {record.year}"
            issues.extend(check_unit_output(record, classes, where))
            if record.company not in ids:
                issues.append(_unknown_company(record.company, where))
                continue
            key = (record.company, record.unit, record.year)
            if key in seen and seen[key] != record:
                issues.append(_twice(where))
                continue
            seen[key] = record
            before = stored.get(key)
            if before == record:
                continue
            if before is not None:
                issues.append(_already(where, "output"))
                continue
            rows.append(_output_row(ids[record.company], record, source, now))
        if has_errors(issues):
            return issues
        unique = {(r["company_id"], r["unit_code"], r["year"]): r for r in rows}
        if unique:
            connection.execute(unit_outputs.insert(), list(unique.values()))
    return issues


def _output_row(company_id: int, record: UnitOutput, source: str, now: datetime) -> dict:
    return {
        "company_id": company_id, "unit_code": record.unit, "year": record.year,
        "unit_class": record.unit_class, "cooling": record.cooling,
        "load_factor_ppm": _ppm(record.load_factor), "heat_ratio_ppm": _ppm(record.heat_ratio),
        "electricity_mwh_milli": _milli(record.electricity_mwh),
        "heat_gj_milli": _milli(record.heat_gj), "source": source, "recorded_at": now,
    }  # fmt: skip


def _stored_outputs(
    connection: Connection, jurisdiction: Jurisdiction
) -> dict[tuple[str, str, int], UnitOutput]:
    query = (
        select(unit_outputs, companies.c.code)
        .join(companies)
        .where(companies.c.jurisdiction_id == jurisdiction.id)
    )
    return {
        (row.code, row.unit_code, row.year): _unit_output(row) for row in connection.execute(query)
    }


def _unit_output(row: Row) -> UnitOutput:
    return UnitOutput(
        company=row.code,
        unit=row.unit_code,
        year=row.year,
        unit_class=row.unit_class,
        cooling=row.cooling,
        load_factor=Decimal(row.load_factor_ppm) / PPM,
        heat_ratio=Decimal(row.heat_ratio_ppm) / PPM,
        electricity_mwh=Decimal(row.electricity_mwh_milli) / MILLI,
        heat_gj=Decimal(row.heat_gj_milli) / MILLI,
    )


def unit_outputs_of(engine: Engine, jurisdiction: Jurisdiction, year: int) -> list[UnitOutput]:
    """Every generating unit's recorded output for ``year`` in ``jurisdiction``, by company
    and unit."""
    query = (
        select(unit_outputs, companies.c.code)
        .join(companies)
        .where(companies.c.jurisdiction_id == jurisdiction.id, unit_outputs.c.year == year)
        .order_by(companies.c.code, unit_outputs.c.unit_code)
    )
    with reader(engine).connect() as connection:
        return [_unit_output(row) for row in connection.execute(query)]


def generating_units(engine: Engine, jurisdiction: Jurisdiction, year: int) -> list[GeneratingUnit]:
    """``year``'s output as the allocation formula takes it."""
    return [
        GeneratingUnit(
            o.company, o.unit, o.unit_class, o.electricity_mwh, o.heat_gj, o.cooling,
            o.heat_ratio, o.load_factor,
        )
        for o in unit_outputs_of(engine, jurisdiction, year)
    ]  # fmt: skip


@again_if_taken(unique_key(activity_levels, "company_id", "installation", "year"))
def record_activity_levels(
    engine: Engine,
    jurisdiction: Jurisdiction,
    records: Sequence[ActivityLevel],
    now: datetime,
    source: str = "",
) -> list[Issue]:
    """Record installations' historical activity; every problem, or nothing written."""
    products = sorted({bench.code for bench in jurisdiction.rulebook.benchmark})
    issues: list[Issue] = []
    rows = []
    with engine.begin() as connection:
        ids = company_ids(connection, jurisdiction)
        stored = _stored_levels(connection, jurisdiction)
        facts: dict[tuple[str, str], tuple[str, bool, bool]] = {
            (level.company, level.installation): _facts(level) for level in stored.values()
        }
        seen: dict[tuple[str, str, int], ActivityLevel] = {}
        for number, record in enumerate(records):
            where = (
                f"row {number + 1}: company {record.company}, installation "
                f"{record.installation}, {record.year}"
            )
            issues.extend(check_activity_level(record, products, where))
            if record.company not in ids:
                issues.append(_unknown_company(record.company, where))
                continue
            known = facts.setdefault((record.company, record.installation), _facts(record))
            if known != _facts(record):
                issues.append(
                    Issue("installation_inconsistent",
                          f"benchmark, leakage exposure and CBAM status {_facts(record)} differ "
                          f"from the installation's other years {known}; an installation has "
                          "one of each", where)
                )  # fmt: skip
                continue
            key = (record.company, record.installation, record.year)
            if key in seen and seen[key] != record:
                issues.append(_twice(where))
                continue
            seen[key] = record
            before = stored.get(key)
            if before == record:
                continue
            if before is not None:
                issues.append(_already(where, "activity"))
                continue
            rows.append({
                "company_id": ids[record.company], "installation": record.installation,
                "benchmark": record.benchmark, "year": record.year,
                "activity_milli": _milli(record.activity),
                "leakage_exposed": record.leakage_exposed, "cbam_good": record.cbam_good,
                "source": source, "recorded_at": now,
            })  # fmt: skip
        if has_errors(issues):
            return issues
        unique = {(r["company_id"], r["installation"], r["year"]): r for r in rows}
        if unique:
            connection.execute(activity_levels.insert(), list(unique.values()))
    return issues


def _facts(level: ActivityLevel) -> tuple[str, bool, bool]:
    return (level.benchmark, level.leakage_exposed, level.cbam_good)


def _stored_levels(
    connection: Connection, jurisdiction: Jurisdiction
) -> dict[tuple[str, str, int], ActivityLevel]:
    query = (
        select(activity_levels, companies.c.code)
        .join(companies)
        .where(companies.c.jurisdiction_id == jurisdiction.id)
    )
    return {
        (row.code, row.installation, row.year): ActivityLevel(
            row.code, row.installation, row.benchmark, row.year,
            Decimal(row.activity_milli) / MILLI, row.leakage_exposed, row.cbam_good,
        )
        for row in connection.execute(query)
    }  # fmt: skip


def installations(
    engine: Engine, jurisdiction: Jurisdiction, years: Sequence[int]
) -> list[Installation]:
    """``jurisdiction``'s installations with their activity in ``years`` (the rule's
    historical years)."""
    with reader(engine).connect() as connection:
        levels = [
            level
            for level in _stored_levels(connection, jurisdiction).values()
            if level.year in set(years)
        ]
    grouped: dict[tuple[str, str], list[ActivityLevel]] = {}
    for level in sorted(levels, key=lambda item: (item.company, item.installation, item.year)):
        grouped.setdefault((level.company, level.installation), []).append(level)
    return [
        Installation(
            company, installation, items[0].benchmark,
            {item.year: item.activity for item in items},
            items[0].leakage_exposed, items[0].cbam_good,
        )
        for (company, installation), items in grouped.items()
    ]  # fmt: skip


def _unknown_company(company: str, where: str) -> Issue:
    return Issue(
        "unknown_company",
        f"company {company} is not registered in this jurisdiction; register it before "
        "recording its production",
        where,
    )


def _twice(where: str) -> Issue:
    return Issue("duplicate_row", "the file gives two different figures for this year", where)


def _already(where: str, what: str) -> Issue:
    return Issue(
        f"{what}_already_recorded",
        f"a different {what} is already recorded for this year; recorded figures are not "
        "overwritten (allocation may already rest on them)",
        where,
    )
