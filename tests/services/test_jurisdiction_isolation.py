"""One database, two jurisdictions: each one's allocation, true-up, compliance, auctions and
exchange positions read its own companies only, and its totals do not move with the other's.

CN (cn-national-power, benchmark_output) has A and B; DP (demo-province, grandfathering)
has P and Q; both allocate 2019. SZ and GD (grandfathering pilots) have S1 and G1; both
close compliance for 2014. Each jurisdiction's data is also written for the other's
companies ("noise": A verified in DP's base years, P generating in CN's), as a
jurisdiction's figures must ignore it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from tanshi.allocation.production import UnitOutput
from tanshi.resources import load_rulebook
from tanshi.services import (
    allocation,
    allocation_desk,
    compliance,
    compliance_report,
    exchange_runs,
    flexibility,
    production,
)
from tanshi.services.jurisdiction import Jurisdiction, open_jurisdiction, register_company
from tanshi.services.verified_entry import enter_verified_emissions
from tanshi.store.schema import (
    allocation_deductions,
    allocation_lines,
    auctions,
    companies,
    unit_outputs,
)

OPENED = datetime(2013, 1, 1, tzinfo=UTC)
NOW = datetime(2020, 12, 30, 4, tzinfo=UTC)
AFTER_2014 = datetime(2016, 12, 1, 4, tzinfo=UTC)  # past both pilots' 2014 deadlines
D = Decimal


def _open(engine: Engine, preset: str, sectors: dict[str, str]) -> Jurisdiction:
    rulebook, text = load_rulebook(preset)
    place = open_jurisdiction(engine, rulebook, text, OPENED, is_demo=False)
    for code, sector in sectors.items():
        register_company(engine, place, code, f"Company {code}", sector)
    return place


def _verified(engine: Engine, figures: dict[str, dict[int, str]]) -> None:
    for company, years in figures.items():
        for year, tco2 in years.items():
            assert enter_verified_emissions(engine, company, year, D(tco2), "test") == []


def _output(company: str, year: int, mwh: str) -> UnitOutput:
    return UnitOutput(company, f"{company}1", year, "coal_above_300mw", "water", D("0.9"), D(0),
                      D(mwh), D(0))  # fmt: skip


def _id(engine: Engine, company: str) -> int:
    with engine.connect() as connection:
        found = select(companies.c.id).where(companies.c.code == company)
        return int(connection.execute(found).scalar_one())


def _output_outside(engine: Engine, company: str, year: int, mwh: int) -> None:
    """A generating unit's output for a company of a jurisdiction that records none (as
    another tool, or a rulebook with benchmarks, would write it)."""
    company_id = _id(engine, company)
    with engine.begin() as connection:
        connection.execute(unit_outputs.insert().values(
            company_id=company_id, unit_code=f"{company}1", year=year,
            unit_class="coal_above_300mw", cooling="water", load_factor_ppm=900_000,
            heat_ratio_ppm=0, electricity_mwh_milli=mwh * 1000, heat_gj_milli=0, source="test",
            recorded_at=NOW,
        ))  # fmt: skip


@pytest.fixture
def both(engine: Engine) -> tuple[Jurisdiction, Jurisdiction]:
    """CN and DP, each with its own data only."""
    cn = _open(engine, "cn-national-power", {"A": "power", "B": "power"})
    dp = _open(engine, "demo-province", {"P": "power", "Q": "cement"})
    outputs = [_output(code, year, mwh) for code, mwh in (("A", "1000000"), ("B", "500000"))
               for year in (2018, 2019)]  # fmt: skip
    assert production.record_unit_outputs(engine, cn, outputs, NOW) == []
    _verified(engine, {"P": {2013: "1000", 2014: "1100", 2015: "1200"},
                       "Q": {2013: "500", 2014: "500", 2015: "500"}})  # fmt: skip
    return cn, dp


def _noise(engine: Engine) -> None:
    """A verified in DP's base years; P generating in CN's."""
    _verified(engine, {"A": {2013: "90000", 2014: "90000", 2015: "90000"}})
    for year in (2018, 2019):
        _output_outside(engine, "P", year, 700_000)


def _lines(table) -> dict[str, int]:
    return {line.company: line.allocated_t for line in table.lines}


def test_each_plan_holds_its_own_companies_and_ignores_the_others_data(
    engine: Engine, both: tuple[Jurisdiction, Jurisdiction]
) -> None:
    cn, dp = both
    cn_plan = allocation.plan_year(engine, cn, 2019)
    dp_plan = allocation.plan_year(engine, dp, 2019)
    assert set(_lines(cn_plan.table)) == {"A", "B"}
    assert set(_lines(dp_plan.table)) == {"P", "Q"}
    _noise(engine)
    assert allocation.plan_year(engine, cn, 2019) == cn_plan
    assert allocation.plan_year(engine, dp, 2019) == dp_plan
    assert production.unit_outputs_of(engine, cn, 2019) == [
        _output("A", 2019, "1000000"), _output("B", 2019, "500000")]  # fmt: skip


def test_a_shortfall_carried_in_one_jurisdiction_is_not_deducted_in_the_other(
    engine: Engine, both: tuple[Jurisdiction, Jurisdiction]
) -> None:
    """P's carried deduction is DP's: CN's plan neither carries it nor deducts it."""
    cn, dp = both
    before = allocation.plan_year(engine, cn, 2019).table
    p = _id(engine, "P")
    with engine.begin() as connection:
        connection.execute(allocation_deductions.insert().values(
            company_id=p, year=2019, from_compliance_year=2018, quantity_units=100,
            reason="test",
        ))  # fmt: skip
    after = allocation.plan_year(engine, cn, 2019).table
    assert after.carried_deductions_t == before.carried_deductions_t == {}
    assert _lines(after) == _lines(before)
    assert allocation.deductions(engine, cn, 2019) == {}
    assert allocation.deductions(engine, dp, 2019) == {"P": 100}
    dp_lines = allocation.plan_year(engine, dp, 2019).table.lines
    assert {line.company: line.deduction_t for line in dp_lines} == {"P": 100, "Q": 0}


def test_both_allocate_the_same_year_and_each_reads_its_own_allocation(
    engine: Engine, both: tuple[Jurisdiction, Jurisdiction]
) -> None:
    cn, dp = both
    _noise(engine)
    dp_table = allocation.allocate_year(engine, dp, 2019, NOW)
    assert not allocation.is_allocated(engine, cn, 2019)
    cn_table = allocation.allocate_year(engine, cn, 2019, NOW)
    assert allocation.allocated_units(engine, dp, 2019) == _lines(dp_table)
    assert allocation.allocated_units(engine, cn, 2019) == _lines(cn_table)
    assert set(_lines(cn_table)) == {"A", "B"} and set(_lines(dp_table)) == {"P", "Q"}
    stage, rows = allocation_desk.by_company(engine, dp, 2019)
    assert stage == allocation_desk.ALLOCATED and [row["company"] for row in rows] == ["P", "Q"]


def test_the_true_up_reads_only_its_own_units_and_pre_allocation(
    engine: Engine, both: tuple[Jurisdiction, Jurisdiction]
) -> None:
    cn, dp = both
    allocation.allocate_year(engine, cn, 2019, NOW)
    clean = allocation.plan_true_up(engine, cn, 2019)
    _noise(engine)
    p = _id(engine, "P")
    with engine.begin() as connection:  # P's own pre-allocation line, as if DP had one
        connection.execute(allocation_lines.insert().values(
            company_id=p, item="P1", year=2019, stage="preallocation",
            allocated_units=1, adjustment_units=0, detail={}, recorded_at=NOW,
        ))  # fmt: skip
    plan = allocation.plan_true_up(engine, cn, 2019)
    assert plan == clean and set(plan.net_t) == {"A", "B"}
    assert {line.company for line in plan.lines} == {"A", "B"}
    booked = allocation.true_up_year(engine, cn, 2019, NOW)
    assert booked.booked, booked.issues
    assert allocation.true_up_done(engine, cn, 2019)
    assert not allocation.true_up_done(engine, dp, 2019)


def test_production_of_another_jurisdictions_company_is_refused(
    engine: Engine, both: tuple[Jurisdiction, Jurisdiction]
) -> None:
    cn, _dp = both
    issues = production.record_unit_outputs(engine, cn, [_output("P", 2019, "1")], NOW)
    assert [issue.code for issue in issues] == ["unknown_company"]


def test_auction_totals_count_only_the_jurisdictions_auctions(
    engine: Engine, both: tuple[Jurisdiction, Jurisdiction]
) -> None:
    cn, dp = both
    with engine.begin() as connection:
        connection.execute(auctions.insert().values(
            jurisdiction_id=cn.id, code="CN-2019-1", year=2019, held_at=NOW, offered_units=100,
            carried_in_units=0, reserve_price_hundredths=100, clearing_price_hundredths=100,
            sold_units=100, unsold_units=0, rolled_over_units=0, seed=0, bids_sha256="0" * 64,
        ))  # fmt: skip
    dp_summary = allocation_desk.summary(engine, dp, 2019)
    assert (dp_summary["auctions"], dp_summary["offered_t"], dp_summary["sold_t"]) == (0, 0, 0)
    cn_summary = allocation_desk.summary(engine, cn, 2019)
    assert (cn_summary["auctions"], cn_summary["sold_t"]) == (1, 100)


@pytest.fixture
def pilots(engine: Engine) -> tuple[Jurisdiction, Jurisdiction]:
    """SZ (S1) and GD (G1), both verified for 2014, nothing surrendered."""
    sz = _open(engine, "cn-pilot-shenzhen", {"S1": "power"})
    gd = _open(engine, "cn-pilot-guangdong", {"G1": "power"})
    _verified(engine, {"S1": {2014: "700"}, "G1": {2014: "300"}})
    return sz, gd


def test_compliance_of_one_jurisdiction_ignores_the_others_companies(
    engine: Engine, pilots: tuple[Jurisdiction, Jurisdiction]
) -> None:
    sz, gd = pilots
    assert [p.company for p in compliance.positions(engine, sz, 2014)] == ["S1"]
    sz_lines = compliance.run_compliance(engine, sz, 2014, AFTER_2014)
    assert [line.position.company for line in sz_lines] == ["S1"]
    assert sz_lines[0].position.verified_tco2 == 700
    published = compliance_report.published_lines(engine, gd, 2014)
    assert published is None  # SZ's table is not GD's
    gd_lines = compliance.run_compliance(engine, gd, 2014, AFTER_2014)
    assert [line.position.company for line in gd_lines] == ["G1"]
    published = compliance_report.published_lines(engine, gd, 2014)
    assert published is not None
    assert [line.position.company for line in published[0]] == ["G1"]


def test_another_jurisdictions_closed_year_leaves_this_ones_open(
    engine: Engine, pilots: tuple[Jurisdiction, Jurisdiction]
) -> None:
    """SZ's stored 2014 table neither zeroes GD's exchange needs nor closes GD's year."""
    sz, gd = pilots
    compliance.run_compliance(engine, sz, 2014, AFTER_2014)
    needs = exchange_runs.positions(engine, gd, "GDEA-2014", 2014)
    assert [(need.company, need.obligation_t) for need in needs] == [("G1", 300)]
    _outcome, issues = flexibility.force_compliance(engine, gd, "G1", 2014, AFTER_2014)
    assert "compliance_already_computed" not in {issue.code for issue in issues}
