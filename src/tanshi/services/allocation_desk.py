"""Allocation for people: each company's allocation of a year, per unit, and the run.

What a company holds for a year is its free allocation (for ``benchmark_output`` the
pre-allocation plus the booked true-up), apart from what it won at the year's auctions. A
year not yet allocated shows the plan (what the rules would allocate now). ``run_year``
is the regulator's step: allocate the year if it is not, then book the true-up once the
output is in; running it again changes nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from tanshi.core.errors import StepRefused, TanshiError
from tanshi.core.issues import Issue, Severity
from tanshi.rulebook import rules_in_force
from tanshi.services import allocation
from tanshi.services.auction_reads import auction_totals, auctioned_by_company
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.views import reading, utc_text
from tanshi.services.year_state import allocated_in
from tanshi.store.schema import allocation_lines, allocations, companies

PLANNED, ALLOCATED, TRUED_UP = "planned", "allocated", "trued_up"
STAGES = (PLANNED, ALLOCATED, TRUED_UP)
# What run_year reports for its two steps.
ALLOCATION_STEPS = ("allocated", "already_allocated")
TRUE_UP_STEPS = ("booked", "already_booked", "waiting", "not_applicable")


def method_of(jurisdiction: Jurisdiction, year: int) -> str:
    """The allocation method of ``year``; raises NoRuleInForce outside the rulebook's years."""
    return rules_in_force(jurisdiction.rulebook, year).allocation.method


def _allocated(engine: Engine, jurisdiction: Jurisdiction, year: int) -> bool:
    with reading(engine) as connection:
        return allocated_in(connection, jurisdiction, year)


def stage_of(engine: Engine, jurisdiction: Jurisdiction, year: int) -> str:
    if not _allocated(engine, jurisdiction, year):
        return PLANNED
    return TRUED_UP if allocation.true_up_done(engine, jurisdiction, year) else ALLOCATED


def _stored(engine: Engine, jurisdiction: Jurisdiction, year: int) -> list[dict[str, Any]]:
    adjustments = (
        select(allocation_lines.c.company_id,
               func.sum(allocation_lines.c.adjustment_units).label("units"))
        .where(allocation_lines.c.year == year, allocation_lines.c.stage == "true_up")
        .group_by(allocation_lines.c.company_id)
        .subquery()
    )  # fmt: skip
    # A company allocated its verified emissions has no first-stage row, only its true-up.
    query = (
        select(companies.c.code, companies.c.name, companies.c.sector,
               allocations.c.allocated_units, allocations.c.deduction_units,
               allocations.c.transaction_id, adjustments.c.units)
        .select_from(companies)
        .outerjoin(allocations, (allocations.c.company_id == companies.c.id)
                   & (allocations.c.year == year))
        .outerjoin(adjustments, adjustments.c.company_id == companies.c.id)
        .where(companies.c.jurisdiction_id == jurisdiction.id,
               allocations.c.id.is_not(None) | adjustments.c.units.is_not(None))
        .order_by(companies.c.code)
    )  # fmt: skip
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return [
        {"company": r.code, "name": r.name, "sector": r.sector,
         "first_t": int(r.allocated_units or 0), "deduction_t": int(r.deduction_units or 0),
         "true_up_t": None if r.units is None else int(r.units),
         "transaction_id": r.transaction_id}
        for r in rows
    ]  # fmt: skip


def _names(engine: Engine, jurisdiction: Jurisdiction) -> dict[str, tuple[str, str]]:
    query = select(companies.c.code, companies.c.name, companies.c.sector).where(
        companies.c.jurisdiction_id == jurisdiction.id
    )
    with reading(engine) as connection:
        return {r.code: (r.name, r.sector) for r in connection.execute(query)}


def by_company(engine: Engine, jurisdiction: Jurisdiction, year: int) -> tuple[str, list[dict]]:
    """The stage of ``year`` and every company's allocation, by company code.

    Each row: ``free_t`` (what the company holds for the year as free allocation),
    ``preallocated_t`` and ``true_up_t`` (``benchmark_output``), ``deduction_t``,
    ``auction_share_t`` (its sector's share sold at auction instead of given, by the plan)
    and ``won_at_auction_t`` (units it won at the recorded auctions of the year). Raises
    TanshiError when a year not yet allocated cannot be planned (no rule, no production data).
    """
    method = method_of(jurisdiction, year)
    stage = stage_of(engine, jurisdiction, year)
    plan = None
    if stage == PLANNED or rules_in_force(jurisdiction.rulebook, year).auction_shares:
        try:
            plan = allocation.plan_allocation(engine, jurisdiction, year)
        except TanshiError:
            if stage == PLANNED:
                raise
    shares = {line.company: line.auctioned_t for line in plan.lines} if plan else {}
    won = auctioned_by_company(engine, jurisdiction.id, year)
    if stage == PLANNED:
        assert plan is not None
        names = _names(engine, jurisdiction)
        rows: list[dict[str, Any]] = [
            {"company": line.company, "name": names.get(line.company, ("", ""))[0],
             "sector": names.get(line.company, ("", ""))[1], "first_t": line.allocated_t,
             "deduction_t": line.deduction_t, "true_up_t": None, "transaction_id": None}
            for line in sorted(plan.lines, key=lambda line: line.company)
        ]  # fmt: skip
    else:
        rows = _stored(engine, jurisdiction, year)
    pre = method == "benchmark_output"
    for row in rows:
        first = row.pop("first_t")
        row["preallocated_t"] = first if pre else None
        row["free_t"] = first + (row["true_up_t"] or 0)
        row["auction_share_t"] = shares.get(row["company"], 0) if plan else None
        row["won_at_auction_t"] = won.get(row["company"], 0)
    return stage, rows


def items_of(engine: Engine, jurisdiction: Jurisdiction, year: int, company: str) -> list[dict]:
    """The company's allocation per generating unit or installation, every stage booked."""
    query = (
        select(allocation_lines)
        .join(companies, companies.c.id == allocation_lines.c.company_id)
        .where(allocation_lines.c.year == year, companies.c.code == company,
               companies.c.jurisdiction_id == jurisdiction.id)
        .order_by(allocation_lines.c.item, allocation_lines.c.id)
    )  # fmt: skip
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return [
        {"item": r.item, "stage": r.stage, "allocated_t": int(r.allocated_units),
         "adjustment_t": int(r.adjustment_units),
         "detail": {str(k): str(v) for k, v in dict(r.detail).items()},
         "transaction_id": r.transaction_id, "recorded_at": utc_text(r.recorded_at)}
        for r in rows
    ]  # fmt: skip


def summary(engine: Engine, jurisdiction: Jurisdiction, year: int) -> dict[str, Any]:
    """The year's totals: method, stage, cap, free allocation, auction share and auctions."""
    rules = rules_in_force(jurisdiction.rulebook, year)
    stage, rows = by_company(engine, jurisdiction, year)
    shares = [row["auction_share_t"] for row in rows if row["auction_share_t"] is not None]
    return {
        "jurisdiction": jurisdiction.code, "year": year, "method": rules.allocation.method,
        "stage": stage, "cap_t": rules.cap.cap_t if rules.cap is not None else None,
        "companies": len(rows), "free_t": sum(row["free_t"] for row in rows),
        "deduction_t": sum(row["deduction_t"] for row in rows),
        "auction_share_t": sum(shares) if shares else None, **auction_totals(engine, jurisdiction.id, year),
    }  # fmt: skip


NO_COMPANY = ("the {year} allocation has no company to allocate to; record the companies' "
              "base-year emissions or production data first")  # fmt: skip
NO_COMPANY_BECAUSE = ("the {year} allocation has no company to allocate to ({reasons}); record "
                      "the companies' base-year emissions or production data first")  # fmt: skip


class AlreadyAllocated(TanshiError):
    """Another run allocated the year between this run's check and its write."""


@dataclass(frozen=True, slots=True)
class YearRun:
    """What ``run_year`` did: the allocation step, the true-up step, and every note."""

    year: int
    allocation: str  # "allocated" or "already_allocated"
    allocated_t: int
    companies: int
    true_up: str  # "booked", "already_booked", "waiting" or "not_applicable"
    true_up_given_t: int = 0
    true_up_taken_t: int = 0
    notes: tuple[Issue, ...] = field(default=())


def run_year(engine: Engine, jurisdiction: Jurisdiction, year: int, now: datetime) -> YearRun:
    """Allocate ``year`` if it is not allocated, then book its true-up when it can be.

    Raises TanshiError when the year cannot be allocated (no rule in force, no production
    data); a true-up that waits for output is not an error (its reasons are the notes).
    """
    method = method_of(jurisdiction, year)
    notes: list[Issue] = []
    if _allocated(engine, jurisdiction, year):
        step = "already_allocated"
    else:
        planned = allocation.plan_allocation(engine, jurisdiction, year)
        if not planned.lines:  # allocating would issue the cap and give it to no one
            reasons = "; ".join(issue.message for issue in planned.issues)
            raise StepRefused(Issue.of(
                "allocation_has_no_company",
                NO_COMPANY_BECAUSE if reasons else NO_COMPANY, "", year=year, reasons=reasons,
            ))  # fmt: skip
        try:
            table = allocation.allocate_year(engine, jurisdiction, year, now)
        except TanshiError as error:
            if _allocated(engine, jurisdiction, year):
                raise AlreadyAllocated(str(error)) from error
            raise
        notes += list(table.issues)
        step = "allocated"
    _stage, rows = by_company(engine, jurisdiction, year)
    first = sum(row["free_t"] - (row["true_up_t"] or 0) for row in rows)
    if method != "benchmark_output":
        return YearRun(year, step, first, len(rows), "not_applicable", notes=tuple(notes))
    if allocation.true_up_done(engine, jurisdiction, year):
        return YearRun(year, step, first, len(rows), "already_booked", notes=tuple(notes))
    plan = allocation.plan_true_up(engine, jurisdiction, year)
    if not plan.ok:
        waiting = [Issue(i.code, i.message, i.where, Severity.WARNING) for i in plan.issues]
        return YearRun(year, step, first, len(rows), "waiting", notes=tuple(notes + waiting))
    booked = allocation.true_up_year(engine, jurisdiction, year, now)
    if any(issue.code == "already_trued_up" for issue in booked.issues):  # booked meanwhile
        return YearRun(year, step, first, len(rows), "already_booked", notes=tuple(notes))
    given = sum(net for net in booked.net_t.values() if net > 0)
    taken = -sum(net for net in booked.net_t.values() if net < 0)
    return YearRun(year, step, first, len(rows), "booked" if booked.booked else "waiting",
                   given, taken, tuple(notes + list(booked.issues)))  # fmt: skip
