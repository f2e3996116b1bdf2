"""China 2024: steel, cement and aluminium companies are allocated their verified emissions.

cn-national-power 2024 (国环规气候〔2024〕1号 for power; the 2024-2025 industry plan for the
rest): the power company's units are pre-allocated and trued up as before, while a company of
a ``verified_emissions_sectors`` sector gets nothing at the pre-allocation and its verified
2024 emissions (whole tonnes, as its obligation) at the true-up. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, select

from tanshi.allocation import VerifiedLine, at_verified_emissions
from tanshi.allocation.production import UnitOutput
from tanshi.resources import load_rulebook
from tanshi.rulebook import rules_in_force
from tanshi.services import allocation, allocation_desk, jurisdiction, production
from tanshi.services.audit import verify_registry
from tanshi.services.compliance_reads import obligation_of
from tanshi.services.verified_entry import enter_verified_emissions
from tanshi.store.schema import allocation_lines, companies

OPENED = datetime(2023, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 4, 20, 4, tzinfo=UTC)
TRUE_UP = datetime(2025, 10, 20, 4, tzinfo=UTC)
D = Decimal


def _open(engine: Engine):
    rulebook, text = load_rulebook("cn-national-power")
    j = jurisdiction.open_jurisdiction(engine, rulebook, text, OPENED, is_demo=False)
    for code, sector in (("P", "power"), ("S", "steel"), ("C", "cement"), ("L", "aluminium")):
        jurisdiction.register_company(engine, j, code, f"Company {code}", sector)
    return j


def _unit(company: str, year: int, mwh: str) -> UnitOutput:
    return UnitOutput(company, f"{company}1", year, electricity_mwh=D(mwh),
                      unit_class="coal_above_300mw", cooling="water", load_factor=D("0.9"),
                      heat_ratio=D(0), heat_gj=D(0))  # fmt: skip


def test_the_verified_line_is_the_verified_tonnes_less_the_preallocation() -> None:
    lines = at_verified_emissions({"S": 1000, "C": 50}, {"C": 80})
    assert lines == [VerifiedLine("C", 50, 80, -30), VerifiedLine("S", 1000, 0, 1000)]
    assert [line.allocated_t for line in lines] == [50, 1000]


def test_industry_companies_are_allocated_their_verified_2024_emissions(engine: Engine) -> None:
    """P: coal > 300 MW, 2024 benchmark 0.7910 t/MWh, load 90% (no correction).

    Pre-allocation on 2023 output: P 1 000 000 MWh → 791 000 → 70% = 553 700; S, C, L none
    (S's captive unit is not allocated: S gets its verified emissions, which include it).
    True-up on 2024: P 1 200 000 MWh → 949 200, +395 500; S 1 234 567.4 t → 1 234 567;
    C 500 000.5 t → 500 001 (half up, as the obligation); L waits for its figure, then
    68 999.
    """
    j = _open(engine)
    outputs = [
        _unit("P", 2023, "1000000"),
        _unit("P", 2024, "1200000"),
        _unit("S", 2023, "100000"),
        _unit("S", 2024, "100000"),
    ]  # S: a captive plant
    assert production.record_unit_outputs(engine, j, outputs, NOW) == []
    for company, tonnes in (("S", "1234567.4"), ("C", "500000.5")):
        assert enter_verified_emissions(engine, company, 2024, D(tonnes), "test") == []
    table = allocation.allocate_year(engine, j, 2024, NOW)
    assert {line.company: line.allocated_t for line in table.lines} == {"P": 553700}

    waiting = allocation.true_up_year(engine, j, 2024, TRUE_UP)
    assert not waiting.booked
    assert [(i.code, i.where) for i in waiting.issues] == [
        ("no_verified_emissions", "company L, true-up 2024")
    ]
    assert allocation.allocated_units(engine, j, 2024) == {"P": 553700}  # nothing written

    assert enter_verified_emissions(engine, "L", 2024, D("68999.49"), "test") == []
    result = allocation.true_up_year(engine, j, 2024, TRUE_UP)
    assert result.booked, result.issues
    assert result.net_t == {"P": 395500, "S": 1234567, "C": 500001, "L": 68999}
    assert result.issued_t == 395500 + 1234567 + 500001 + 68999
    assert allocation.allocation_of_year(engine, j, 2024) == {
        "P": 949200, "S": 1234567, "C": 500001, "L": 68999,
    }  # fmt: skip
    rules = rules_in_force(j.rulebook, 2024)
    with engine.connect() as connection:
        # surrendering the allocation covers the obligation exactly: the gap cap has no effect
        assert obligation_of(connection, rules, "S") == (1234567, D("1234567.4"))
        rows = connection.execute(
            select(companies.c.code, allocation_lines.c.item, allocation_lines.c.stage,
                   allocation_lines.c.adjustment_units)
            .join(companies).order_by(companies.c.code, allocation_lines.c.stage)
        ).all()  # fmt: skip
    assert [tuple(row) for row in rows] == [
        ("C", "verified_emissions", "true_up", 500001),
        ("L", "verified_emissions", "true_up", 68999),
        ("P", "P1", "preallocation", 0),
        ("P", "P1", "true_up", 395500),
        ("S", "verified_emissions", "true_up", 1234567),
    ]
    stage, desk = allocation_desk.by_company(engine, j, 2024)  # the allocation page's table
    assert stage == "trued_up"
    assert [(r["company"], r["preallocated_t"], r["true_up_t"], r["free_t"]) for r in desk] == [
        ("C", 0, 500001, 500001), ("L", 0, 68999, 68999),
        ("P", 553700, 395500, 949200), ("S", 0, 1234567, 1234567),
    ]  # fmt: skip
    assert verify_registry(engine).ok


def test_before_2024_an_industry_company_is_not_covered(engine: Engine) -> None:
    j = _open(engine)
    assert production.record_unit_outputs(engine, j, [_unit("P", 2022, "1000000")], NOW) == []
    plan = allocation.plan_allocation(engine, j, 2023)
    assert {line.company for line in plan.lines} == {"P"}
    assert sorted(i.where for i in plan.issues if i.code == "sector_not_covered") == [
        "company C, allocation 2023", "company L, allocation 2023", "company S, allocation 2023",
    ]  # fmt: skip
