"""Allocation from the store by each method, on SQLite and PostgreSQL, with the arithmetic.

The benchmark_output year is pre-allocated, trued up (more allocation for one company,
units taken back from another, a deduction carried when the units are gone) and the
registry's journal then verifies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from tanshi.allocation.production import ActivityLevel, UnitOutput
from tanshi.core.errors import TanshiError
from tanshi.market import Trade
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.resources import load_rulebook, parameter_table
from tanshi.rulebook.parse import parse_rulebook
from tanshi.services import allocation, jurisdiction, market, mrv, production
from tanshi.services.audit import verify_registry
from tanshi.store.schema import allocation_deductions, allocation_lines, transactions

OPENED = datetime(2020, 1, 1, tzinfo=UTC)
NOW = datetime(2020, 12, 30, 4, tzinfo=UTC)
D = Decimal


def _open(engine: Engine, preset: str, text: str | None = None, companies=("A", "B")):
    rulebook, preset_text = load_rulebook(preset)
    if text is not None:
        rulebook, issues = parse_rulebook(text)
        assert rulebook is not None, issues
    j = jurisdiction.open_jurisdiction(engine, rulebook, text or preset_text, OPENED, is_demo=False)
    sector = {"cn-national-power": "power", "eu-ets": "cement", "demo-province": "power"}[preset]
    for code in companies:
        jurisdiction.register_company(engine, j, code, f"Company {code}", sector)
    return j


def _unit(company: str, unit: str, year: int, mwh: str, **facts) -> UnitOutput:
    values = {"unit_class": "coal_above_300mw", "cooling": "water", "load_factor": D("0.9"),
              "heat_ratio": D(0), "heat_gj": D(0)} | facts  # fmt: skip
    return UnitOutput(company, unit, year, electricity_mwh=D(mwh), **values)


def test_grandfathering_from_verified_emissions(engine: Engine) -> None:
    """demo-province 2016: floor(mean(2013-2015) × 0.97); A 10 000 MWh × 0.6101 = 6 101 t a
    year → floor(5 917.97) = 5 917."""
    j = _open(engine, "demo-province", companies=("A",))
    for year in (2013, 2014, 2015):
        grid = ActivityRecord("A", year, SourceKind.ELECTRICITY, "grid", D(10000), "MWh")
        assert not mrv.record_activity(engine, [grid])
        mrv.report_and_verify(engine, j, parameter_table(), "A", year)
    table = allocation.allocate_year(engine, j, 2016, datetime(2016, 6, 30, tzinfo=UTC))
    assert [(line.company, line.allocated_t) for line in table.lines] == [("A", 5917)]
    assert allocation.allocated_units(engine, j, 2016) == {"A": 5917}


def test_eu_benchmark_from_activity_levels_fits_the_budget(engine: Engine) -> None:
    """A cap of 1 000 000 with 570 000 auctioned leaves 430 000 for free allocation.

    A: clinker, HAL (400 000 + 600 000) / 2 = 500 000 t × 0.693 = 346 500
    B: heat, not exposed, HAL 10 000 TJ × 47.3 × 0.30 = 141 900
    Σ 488 400 > 430 000: correction 430 000 / 488 400 = 0.880425880…, rounded to the nearest
    integer per installation (Regulation 2019/331 Art. 16(9)): A 305 067.56… → 305 068,
    B 124 932.43… → 124 932; Σ 430 000, within the budget.
    """
    text = load_rulebook("eu-ets")[1].replace(
        "cap_t = 1571583007\nauction_t = 895802313", "cap_t = 1000000\nauction_t = 570000"
    )
    j = _open(engine, "eu-ets", text)
    levels = [
        ActivityLevel("A", "K1", "grey_clinker", 2017, D(400000)),
        ActivityLevel("A", "K1", "grey_clinker", 2018, D(600000)),
        ActivityLevel("B", "H1", "heat", 2018, D(10000), leakage_exposed=False),
    ]
    assert production.record_activity_levels(engine, j, levels, NOW) == []
    table = allocation.allocate_year(engine, j, 2021, NOW)
    assert {line.company: line.allocated_t for line in table.lines} == {"A": 305068, "B": 124932}
    assert table.correction_factor == D(430000) / D(488400)
    assert "correction_applied" in {issue.code for issue in table.issues}
    assert table.total_t <= 430000
    with engine.connect() as connection:
        items = connection.execute(select(allocation_lines.c.item, allocation_lines.c.stage))
        assert sorted(items) == [("H1", "allocation"), ("K1", "allocation")]
    assert verify_registry(engine).ok


def test_benchmark_output_preallocation_true_up_and_carried_deduction(engine: Engine) -> None:
    """cn-national-power 2019, coal > 300 MW at 0.877 t/MWh, load 90% (no correction).

    Pre-allocation on 2018 output, 70%:  A 1 000 000 MWh → 877 000 → 613 900
                                         B   500 000 MWh → 438 500 → 306 950
    B sells 300 000 of its 306 950 to A, keeping 6 950.
    Verified 2019: A 1 200 000 MWh → 1 052 400, true-up +438 500
                   B   100 000 MWh →    87 700, true-up −219 250: 6 950 taken back,
                   212 300 deducted from B's 2020 allocation.
    Issued at the true-up: 438 500 − 6 950 = 431 550.
    """
    j = _open(engine, "cn-national-power")
    outputs = [
        _unit("A", "A1", 2018, "1000000"), _unit("B", "B1", 2018, "500000"),
        _unit("A", "A1", 2019, "1200000"), _unit("B", "B1", 2019, "100000"),
    ]  # fmt: skip
    assert production.record_unit_outputs(engine, j, outputs, NOW) == []
    table = allocation.allocate_year(engine, j, 2019, NOW)
    assert {line.company: line.allocated_t for line in table.lines} == {"A": 613900, "B": 306950}
    assert table.available_t is None  # no cap: issued = allocated
    trade = Trade("B", "A", "CEA-2019", 300000, D("40.00"), NOW.date())
    assert market.bilateral_trade(engine, j, trade, "test/trade/1", NOW)[1] == []
    result = allocation.true_up_year(engine, j, 2019, datetime(2021, 7, 1, 4, tzinfo=UTC))
    assert result.booked, result.issues
    assert result.net_t == {"A": 438500, "B": -219250}
    assert result.reversed_t == {"B": 6950}
    assert result.carried_t == {"B": 212300}
    assert result.issued_t == 431550
    assert allocation.allocated_units(engine, j, 2019) == {"A": 1052400, "B": 87700}
    with engine.connect() as connection:
        kinds = [row.type_code for row in connection.execute(select(transactions))]
        carried = connection.execute(select(allocation_deductions)).one()
    assert kinds.count("allocation_reversal") == 1 and kinds.count("issuance") == 2
    assert (carried.year, carried.quantity_units) == (2020, 212300)
    assert verify_registry(engine).ok
    again = allocation.true_up_year(engine, j, 2019, datetime(2021, 7, 2, tzinfo=UTC))
    assert not again.booked and [i.code for i in again.issues] == ["already_trued_up"]
    # 2020 pre-allocates on the same 2018 output, less the carried deduction.
    plan = allocation.plan_allocation(engine, j, 2020)
    assert {line.company: line.allocated_t for line in plan.lines} == {
        "A": 613900, "B": 306950 - 212300,
    }  # fmt: skip


def test_true_up_waits_for_every_pre_allocated_unit(engine: Engine) -> None:
    j = _open(engine, "cn-national-power")
    outputs = [_unit("A", "A1", 2018, "1000"), _unit("B", "B1", 2018, "1000"),
               _unit("A", "A1", 2019, "1000")]  # fmt: skip
    assert production.record_unit_outputs(engine, j, outputs, NOW) == []
    early = allocation.true_up_year(engine, j, 2019, NOW)
    assert [issue.code for issue in early.issues] == ["not_preallocated"]
    allocation.allocate_year(engine, j, 2019, NOW)
    waiting = allocation.true_up_year(engine, j, 2019, NOW)
    assert not waiting.booked
    assert [(i.code, i.where) for i in waiting.issues] == [
        ("no_verified_output", "company B, unit B1")
    ]
    assert not allocation.true_up_done(engine, j, 2019)


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (_unit("A", "A1", 2019, "-1"), "negative_output"),
        (_unit("A", "A1", 2019, "1", unit_class="coal_supercritical"), "unknown_unit_class"),
        (_unit("A", "A1", 2019, "1", cooling="steam"), "unknown_cooling"),
        (_unit("A", "A1", 2019, "1", load_factor=D("78")), "load_factor_out_of_range"),
        (_unit("A", "A1", 2019, "1", heat_gj=D(5)), "heat_ratio_missing"),
        (_unit("A", "A1", 2019, "1.0001"), "too_precise"),
        (_unit("Z", "Z1", 2019, "1"), "unknown_company"),
    ],
)
def test_bad_output_is_refused_and_nothing_is_written(
    engine: Engine, record: UnitOutput, code: str
) -> None:
    j = _open(engine, "cn-national-power")
    good = _unit("B", "B1", 2019, "1000")
    issues = production.record_unit_outputs(engine, j, [good, record], NOW)
    assert code in {issue.code for issue in issues}
    assert production.unit_outputs_of(engine, j, 2019) == []


def test_reimport_is_harmless_and_a_different_figure_is_refused(engine: Engine) -> None:
    j = _open(engine, "cn-national-power")
    first = _unit("A", "A1", 2019, "1000.5", heat_ratio=D("0.125"), heat_gj=D(10))
    assert production.record_unit_outputs(engine, j, [first], NOW) == []
    assert production.record_unit_outputs(engine, j, [first], NOW) == []
    assert production.unit_outputs_of(engine, j, 2019) == [first]
    changed = _unit("A", "A1", 2019, "1001", heat_ratio=D("0.125"), heat_gj=D(10))
    issues = production.record_unit_outputs(engine, j, [changed], NOW)
    assert [issue.code for issue in issues] == ["output_already_recorded"]
    assert production.unit_outputs_of(engine, j, 2019) == [first]


def test_true_up_after_next_year_is_allocated_deducts_from_its_units(engine: Engine) -> None:
    """2019 and 2020 pre-allocated together on 2018 output (B1 500 000 MWh × 0.877 × 70% =
    306 950 each year). B sells all its 2019 units; its 2019 output is 100 000 MWh → 87 700,
    so the true-up takes back 219 250: nothing of 2019 is left, 219 250 of its 306 950 CEA-2020
    are deducted (the 2020 allocation is already made), nothing is carried further."""
    j = _open(engine, "cn-national-power")
    outputs = [_unit("A", "A1", 2018, "1000"), _unit("B", "B1", 2018, "500000"),
               _unit("A", "A1", 2019, "1000"), _unit("B", "B1", 2019, "100000")]  # fmt: skip
    assert production.record_unit_outputs(engine, j, outputs, NOW) == []
    allocation.allocate_year(engine, j, 2019, NOW)
    allocation.allocate_year(engine, j, 2020, NOW)
    trade = Trade("B", "A", "CEA-2019", 306950, D("40.00"), NOW.date())
    assert market.bilateral_trade(engine, j, trade, "test/trade/all", NOW)[1] == []
    result = allocation.true_up_year(engine, j, 2019, datetime(2021, 7, 1, 4, tzinfo=UTC))
    assert result.booked and result.reversed_t == {} and result.carried_t == {"B": 219250}
    with engine.connect() as connection:
        rows = connection.execute(
            select(allocation_deductions.c.year, allocation_deductions.c.quantity_units,
                   allocation_deductions.c.transaction_id.is_not(None))
        ).all()  # fmt: skip
    assert [tuple(row) for row in rows] == [(2020, 219250, True)]
    assert verify_registry(engine).ok


def test_a_benchmark_year_without_production_data_is_refused(engine: Engine) -> None:
    j = _open(engine, "cn-national-power")
    with pytest.raises(TanshiError, match="no generating unit has output recorded for 2018"):
        allocation.allocate_year(engine, j, 2019, NOW)
    assert not allocation.is_allocated(engine, j, 2019)
    with engine.connect() as connection:
        assert connection.execute(select(transactions)).first() is None
