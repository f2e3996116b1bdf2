"""Jurisdictions, companies, compliance years and tables, and coverage as read models."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import (
    Engine,
    Select,
    and_,
    func,
    select,
)

from tanshi.services.views.common import Page, page_of, reading, utc_text
from tanshi.store.schema import (
    allocations,
    companies,
    compliance_results,
    emission_reports,
    jurisdictions,
)


def jurisdiction_list(engine: Engine) -> list[dict[str, Any]]:
    with reading(engine) as connection:
        rows = connection.execute(select(jurisdictions).order_by(jurisdictions.c.code)).all()
    return [
        {"code": r.code, "rulebook_id": r.rulebook_id, "rulebook_version": r.rulebook_version,
         "rulebook_sha256": r.rulebook_sha256, "is_demo": r.is_demo,
         "opened_at": utc_text(r.opened_at)}
        for r in rows
    ]  # fmt: skip


def rulebook_of(engine: Engine, code: str) -> dict[str, str] | None:
    """The stored rulebook of jurisdiction ``code``: its id, version and exact TOML text."""
    with reading(engine) as connection:
        row = connection.execute(select(jurisdictions).where(jurisdictions.c.code == code)).first()
    if row is None:
        return None
    return {"id": row.rulebook_id, "jurisdiction": row.code, "version": row.rulebook_version,
            "toml": row.rulebook_text}  # fmt: skip


def company_list(
    engine: Engine, *, sector: str | None = None, limit: int = 50, offset: int = 0,
    jurisdiction: str | None = None,
) -> Page:  # fmt: skip
    query = (
        select(companies.c.code, companies.c.name, companies.c.sector, jurisdictions.c.code)
        .join(jurisdictions)
        .order_by(companies.c.code)
    )
    if sector:
        query = query.where(companies.c.sector == sector)
    if jurisdiction is not None:
        query = query.where(jurisdictions.c.code == jurisdiction)
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, lambda r: {
            "code": r[0], "name": r[1], "sector": r[2], "jurisdiction": r[3]})  # fmt: skip


def company(engine: Engine, code: str, jurisdiction: str | None = None) -> dict[str, Any] | None:
    """Covered company ``code``; None if there is none (in ``jurisdiction``, if named)."""
    with reading(engine) as connection:
        row = connection.execute(
            select(companies.c.code, companies.c.name, companies.c.sector, jurisdictions.c.code)
            .join(jurisdictions)
            .where(companies.c.code == code)
        ).first()
    if row is None or (jurisdiction is not None and row[3] != jurisdiction):
        return None
    return {"code": row[0], "name": row[1], "sector": row[2], "jurisdiction": row[3]}


def company_codes(engine: Engine, jurisdiction: str) -> set[str]:
    """The codes of jurisdiction ``jurisdiction``'s covered companies."""
    with reading(engine) as connection:
        return set(connection.execute(
            select(companies.c.code).join(jurisdictions).where(jurisdictions.c.code == jurisdiction)
        ).scalars())  # fmt: skip


def years(engine: Engine) -> list[int]:
    """Years with an allocation or a compliance table, oldest first."""
    with reading(engine) as connection:
        allocated = connection.execute(select(allocations.c.year).distinct()).scalars().all()
        computed = connection.execute(select(compliance_results.c.year).distinct()).scalars()
        return sorted({int(y) for y in allocated} | {int(y) for y in computed})


def compliance_years(engine: Engine) -> list[int]:
    with reading(engine) as connection:
        years = connection.execute(
            select(compliance_results.c.year).distinct().order_by(compliance_results.c.year)
        ).scalars()
        return [int(y) for y in years]


def compliance_table(
    engine: Engine, year: int, *, status: str | None = None, company_code: str | None = None,
    limit: int = 50, offset: int = 0, jurisdiction: str | None = None,
) -> Page:  # fmt: skip
    """The stored compliance results of ``year``: the registry's public compliance table (of
    ``jurisdiction``'s companies, if named)."""
    verified = (
        select(emission_reports.c.company_id, emission_reports.c.verified_kg)
        .where(emission_reports.c.year == year)
        .subquery()
    )
    query = (
        select(
            companies.c.code, companies.c.name, companies.c.sector, compliance_results.c.status,
            compliance_results.c.obligation_units, compliance_results.c.offsets_counted_units,
            compliance_results.c.shortfall_units, compliance_results.c.penalty_fen,
            verified.c.verified_kg,
        )
        .join(companies, companies.c.id == compliance_results.c.company_id)
        .outerjoin(verified, verified.c.company_id == companies.c.id)
        .where(compliance_results.c.year == year)
        .order_by(companies.c.code)
    )  # fmt: skip
    if status:
        query = query.where(compliance_results.c.status == status)
    if company_code:
        query = query.where(companies.c.code == company_code)
    if jurisdiction is not None:
        query = query.where(companies.c.jurisdiction_id.in_(_jurisdiction_id(jurisdiction)))

    def shape(r: Any) -> dict[str, Any]:
        return {"company": r[0], "name": r[1], "sector": r[2], "status": r[3],
                "obligation_t": r[4], "offsets_counted_t": int(r[5]), "shortfall_t": r[6],
                "penalty_fen": r[7],
                "verified_kg": None if r[8] is None else int(r[8])}  # fmt: skip

    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, shape)


def _jurisdiction_id(code: str) -> Select:
    return select(jurisdictions.c.id).where(jurisdictions.c.code == code)


def coverage(
    engine: Engine,
    year: int,
    jurisdiction: str | None = None,
    uncovered_sectors: Mapping[str, Collection[str]] | None = None,
) -> dict[str, int]:
    """The regulator's headline numbers for ``year`` (of ``jurisdiction``, if named).

    ``uncovered_sectors`` (jurisdiction code → ``rulebook.in_force.sectors_not_in_force`` of
    its rulebook for ``year``) keeps those sectors' companies out of the companies and verified
    reports counted: the filter is ``sector_covered`` in SQL, so that the headline costs a few
    queries (tests/compliance/test_coverage.py checks the two agree). Allocation and statuses
    count every company (those not covered are ``excluded``).
    """
    scoped = select(companies.c.id)
    if jurisdiction is not None:
        scoped = scoped.where(companies.c.jurisdiction_id.in_(_jurisdiction_id(jurisdiction)))
    in_year = scoped  # of those, the companies whose sector is covered in the year
    for code, sectors in sorted((uncovered_sectors or {}).items()):
        if sectors:
            in_year = in_year.where(~and_(
                companies.c.jurisdiction_id.in_(_jurisdiction_id(code)),
                companies.c.sector.in_(sorted(sectors)),
            ))  # fmt: skip
    with reading(engine) as connection:
        covered = connection.execute(
            select(func.count()).select_from(in_year.subquery())
        ).scalar_one()
        reported = connection.execute(
            select(func.count(), func.coalesce(func.sum(emission_reports.c.verified_kg), 0))
            .where(emission_reports.c.year == year, emission_reports.c.verified_kg.is_not(None),
                   emission_reports.c.company_id.in_(in_year))
        ).one()  # fmt: skip
        allocated = connection.execute(
            select(func.coalesce(func.sum(allocations.c.allocated_units), 0)).where(
                allocations.c.year == year, allocations.c.company_id.in_(scoped)
            )
        ).scalar_one()
        statuses: dict[str, int] = dict(
            connection.execute(
                select(compliance_results.c.status, func.count())
                .where(compliance_results.c.year == year,
                       compliance_results.c.company_id.in_(scoped))
                .group_by(compliance_results.c.status)
            ).all()
        )  # fmt: skip
    return {
        "companies": int(covered),
        "verified_reports": int(reported[0]),
        "verified_kg": int(reported[1]),
        "allocated_t": int(allocated),
        **{f"status_{k}": int(v) for k, v in statuses.items()},
    }
