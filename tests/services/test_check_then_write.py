"""A write that depends on what it read sees a competing write committed after the plan.

Each test commits the competing write (a deduction, a true-up) through another connection
at the moment the service used to read its precondition outside its write transaction.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from lock_waits import lock_waits
from tanshi.allocation.production import UnitOutput
from tanshi.core.errors import TanshiError
from tanshi.resources import load_rulebook
from tanshi.services import (
    allocation,
    allocation_desk,
    allocation_true_up,
    compliance,
    flexibility,
    operations,
    production,
)
from tanshi.services.jurisdiction import Jurisdiction, open_jurisdiction, register_company
from tanshi.services.verified_entry import enter_verified_emissions
from tanshi.store.schema import (
    allocation_deductions,
    allocation_lines,
    allocations,
    companies,
    compliance_results,
)

OPENED = datetime(2013, 1, 1, tzinfo=UTC)
NOW = datetime(2020, 12, 30, 4, tzinfo=UTC)


def _open(engine: Engine, preset: str, sectors: dict[str, str]) -> Jurisdiction:
    rulebook, text = load_rulebook(preset)
    place = open_jurisdiction(engine, rulebook, text, OPENED, is_demo=False)
    for code, sector in sectors.items():
        register_company(engine, place, code, f"Company {code}", sector)
    return place


def _company_id(engine: Engine, code: str) -> int:
    with engine.connect() as connection:
        found = select(companies.c.id).where(companies.c.code == code)
        return int(connection.execute(found).scalar_one())


def _count(engine: Engine, query) -> int:
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def test_a_deduction_committed_after_the_plan_is_deducted_by_the_allocation(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    dp = _open(engine, "demo-province", {"P": "power", "Q": "cement"})
    for company, tco2 in (("P", "1000"), ("Q", "500")):
        for year in (2013, 2014, 2015):
            assert enter_verified_emissions(engine, company, year, Decimal(tco2), "test") == []
    p = _company_id(engine, "P")
    real_plan = allocation.plan_year
    calls = []

    def plan_then_compliance_deducts(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        if not calls:  # compliance of 2018 records P's shortfall against 2019, and commits
            with engine.begin() as connection:
                connection.execute(allocation_deductions.insert().values(
                    company_id=p, year=2019, from_compliance_year=2018, quantity_units=100,
                    reason="shortfall of 100 t in 2018",
                ))  # fmt: skip
        calls.append(args)
        return plan

    monkeypatch.setattr(allocation, "plan_year", plan_then_compliance_deducts)
    undeducted = real_plan(engine, dp, 2019).table
    table = allocation.allocate_year(engine, dp, 2019, NOW)
    deducted = {line.company: line.deduction_t for line in table.lines}
    assert deducted == {"P": 100, "Q": 0}
    before = {line.company: line.allocated_t for line in undeducted.lines}
    assert {line.company: line.allocated_t for line in table.lines} == {
        "P": before["P"] - 100, "Q": before["Q"]}  # fmt: skip
    stored = select(allocations.c.deduction_units).where(
        allocations.c.company_id == p, allocations.c.year == 2019
    )
    assert _count(engine, stored) == 100
    assert allocation.allocated_units(engine, dp, 2019)["P"] == before["P"] - 100


def _output(company: str, year: int, mwh: str) -> UnitOutput:
    return UnitOutput(company, f"{company}1", year, "coal_above_300mw", "water", Decimal("0.9"),
                      Decimal(0), Decimal(mwh), Decimal(0))  # fmt: skip


def test_a_true_up_booked_after_the_check_is_refused_as_already_booked(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    cn = _open(engine, "cn-national-power", {"A": "power", "B": "power"})
    outputs = [_output(code, year, mwh) for code, mwh in (("A", "1000000"), ("B", "500000"))
               for year in (2018, 2019)]  # fmt: skip
    assert production.record_unit_outputs(engine, cn, outputs, NOW) == []
    allocation.allocate_year(engine, cn, 2019, NOW)
    real_done = allocation_true_up.true_up_done
    calls, competing = [], []

    def done_then_another_true_up(*args, **kwargs):
        done = real_done(*args, **kwargs)
        if not calls:  # another request books the same true-up and commits
            calls.append(args)
            competing.append(allocation_true_up.true_up_year(engine, cn, 2019, NOW))
        return done

    monkeypatch.setattr(allocation_true_up, "true_up_done", done_then_another_true_up)
    result = allocation.true_up_year(engine, cn, 2019, NOW)
    assert competing[0].booked, competing[0].issues
    assert not result.booked
    assert [issue.code for issue in result.issues] == ["already_trued_up"]
    lines = (
        select(func.count())
        .select_from(allocation_lines)
        .where(allocation_lines.c.stage == "true_up")
    )
    assert _count(engine, lines) == 2
    assert _count(engine, select(func.count()).select_from(allocation_deductions)) == 0


def test_the_year_run_reports_a_true_up_booked_meanwhile_as_already_booked(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    cn = _open(engine, "cn-national-power", {"A": "power", "B": "power"})
    outputs = [_output(code, year, mwh) for code, mwh in (("A", "1000000"), ("B", "500000"))
               for year in (2018, 2019)]  # fmt: skip
    assert production.record_unit_outputs(engine, cn, outputs, NOW) == []
    real_done, calls, competing = allocation_true_up.true_up_done, [], []

    def done_then_another_true_up(*args, **kwargs):
        done = real_done(*args, **kwargs)
        if not calls:  # the desk's check passed; another request books the true-up now
            calls.append(args)
            competing.append(allocation_true_up.true_up_year(engine, cn, 2019, NOW))
        return done

    monkeypatch.setattr(allocation_true_up, "true_up_done", done_then_another_true_up)
    run = allocation_desk.run_year(engine, cn, 2019, NOW)
    assert competing[0].booked, competing[0].issues
    assert (run.allocation, run.true_up) == ("allocated", "already_booked")


def test_a_forced_surrender_committed_after_the_positions_counts_in_compliance(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sz = _open(engine, "cn-pilot-shenzhen", {"S1": "power"})
    for year, tco2 in ((2009, "1000"), (2010, "1000"), (2011, "1000"), (2014, "700")):
        assert enter_verified_emissions(engine, "S1", year, Decimal(tco2), "test") == []
    allocation.allocate_year(engine, sz, 2014, NOW)
    after_deadline = datetime(2016, 12, 1, 4, tzinfo=UTC)
    real_positions = compliance.positions
    forced = []

    def positions_then_forced_surrender(*args, **kwargs):
        found = real_positions(*args, **kwargs)
        if not forced:  # the regulator forces S1's surrender meanwhile, and it commits
            forced.append(flexibility.force_compliance(engine, sz, "S1", 2014, after_deadline))
        return found

    monkeypatch.setattr(compliance, "positions", positions_then_forced_surrender)
    lines = compliance.run_compliance(engine, sz, 2014, after_deadline)
    outcome, issues = forced[0]
    assert issues == [] and outcome is not None and outcome.ok
    assert [(line.status.value, line.shortfall_t) for line in lines] == [("compliant", 0)]
    stored = select(compliance_results.c.status, compliance_results.c.shortfall_units)
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(stored)] == [("compliant", 0)]
    assert _count(engine, select(func.count()).select_from(allocation_deductions)) == 0


def test_a_loan_waiting_for_the_allocations_lock_is_refused_once_the_year_is_allocated(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a loan from 2019 asked for while 2019 is being allocated waits for the
    registry lock, then sees the allocation (it used to check first and record a deduction
    the allocation had already missed). SQLite's BEGIN IMMEDIATE makes the loan wait before
    it reads anything."""
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the loan waits at BEGIN IMMEDIATE, before its check")
    dp = _open(engine, "demo-province", {"P": "power", "Q": "cement"})
    for company, tco2 in (("P", "1000"), ("Q", "500")):
        for year in (2013, 2014, 2015):
            assert enter_verified_emissions(engine, company, year, Decimal(tco2), "test") == []
    real_read, loan = allocation.deductions_in, []

    def borrow() -> None:
        try:
            operations.borrow(engine, dp, "P", 2018, 50, "DP/borrow/race", NOW)
            loan.append("lent")
        except TanshiError as error:
            loan.append(str(error))

    def read_while_a_loan_is_asked_for(connection, *args):
        thread = threading.Thread(target=borrow)
        thread.start()
        loan.append(lock_waits(engine, thread))  # until the loan waits for a lock, or is done
        found = real_read(connection, *args)
        read_while_a_loan_is_asked_for.thread = thread  # type: ignore[attr-defined]
        return found

    monkeypatch.setattr(allocation, "deductions_in", read_while_a_loan_is_asked_for)
    allocation.allocate_year(engine, dp, 2019, NOW)
    read_while_a_loan_is_asked_for.thread.join()  # type: ignore[attr-defined]
    assert loan[0] == 1  # the loan was waiting for the allocation's lock
    assert "2019 is already allocated" in loan[1]
    unbooked = (
        select(func.count())
        .select_from(allocation_deductions)
        .where(
            allocation_deductions.c.year == 2019, allocation_deductions.c.transaction_id.is_(None)
        )
    )
    assert _count(engine, unbooked) == 0


def _short_in_2018(engine: Engine) -> Jurisdiction:
    """DP with P and Q's base years verified, and P's 2018 emissions with nothing
    surrendered: compliance of 2018 deducts P's shortfall from 2019's allocation."""
    dp = _open(engine, "demo-province", {"P": "power", "Q": "cement"})
    for company, tco2 in (("P", "1000"), ("Q", "500")):
        for year in (2013, 2014, 2015):
            assert enter_verified_emissions(engine, company, year, Decimal(tco2), "test") == []
    assert enter_verified_emissions(engine, "P", 2018, Decimal(300), "test") == []
    return dp


def _deductions_of_p(engine: Engine) -> list[tuple[int, int, bool]]:
    """P's deductions: (year, units, booked in the registry)."""
    query = (
        select(allocation_deductions)
        .join(companies)
        .where(companies.c.code == "P")
        .order_by(allocation_deductions.c.year, allocation_deductions.c.id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [(row.year, row.quantity_units, row.transaction_id is not None) for row in rows]


def test_compliance_deducting_from_a_year_being_allocated_waits_and_books_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: compliance of 2018 run while 2019 is being allocated (after the allocation
    read the deductions) waits for the registry lock, then sees 2019 allocated and books
    the shortfall from P's 2019 allowances; it used to record a deduction from 2019 that the
    allocation had already missed. On SQLite compliance waits at BEGIN IMMEDIATE."""
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite compliance waits at BEGIN IMMEDIATE, before its reads")
    dp = _short_in_2018(engine)
    real_read, run, waiting = allocation.deductions_in, [], []

    def comply() -> None:
        run.append(compliance.run_compliance(engine, dp, 2018, NOW))

    def read_then_compliance_runs(connection, *args):
        found = real_read(connection, *args)
        if not waiting:
            thread = threading.Thread(target=comply)
            thread.start()
            waiting.append(lock_waits(engine, thread))
            read_then_compliance_runs.thread = thread  # type: ignore[attr-defined]
        return found

    monkeypatch.setattr(allocation, "deductions_in", read_then_compliance_runs)
    table = allocation.allocate_year(engine, dp, 2019, NOW)
    read_then_compliance_runs.thread.join()  # type: ignore[attr-defined]
    (short,) = [line for line in run[0] if line.position.company == "P"]
    assert short.deduction_next_year_t == 300
    assert {line.company: line.deduction_t for line in table.lines} == {"P": 0, "Q": 0}
    assert _deductions_of_p(engine) == [(2019, 300, True)]  # none left unbooked for 2019
    assert waiting == [1]  # compliance waited for the allocation's lock


def test_an_allocation_asked_for_during_compliance_waits_and_deducts_the_shortfall(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: 2019 allocated while compliance of 2018 holds the registry lock waits for
    it, then reads the deduction compliance recorded and deducts it (without the lock it
    read the deductions before compliance committed and allocated P in full)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the allocation waits at BEGIN IMMEDIATE, before its reads")
    dp = _short_in_2018(engine)
    real_check, allocated, waiting = compliance.compliance_computed, [], []

    def allocate() -> None:
        allocated.append(allocation.allocate_year(engine, dp, 2019, NOW))

    def under_the_lock_an_allocation_is_asked_for(connection, *args):
        if not waiting:
            thread = threading.Thread(target=allocate)
            thread.start()
            waiting.append(lock_waits(engine, thread))
            under_the_lock_an_allocation_is_asked_for.thread = thread  # type: ignore[attr-defined]
        return real_check(connection, *args)

    monkeypatch.setattr(
        compliance, "compliance_computed", under_the_lock_an_allocation_is_asked_for
    )
    compliance.run_compliance(engine, dp, 2018, NOW)
    under_the_lock_an_allocation_is_asked_for.thread.join()  # type: ignore[attr-defined]
    assert {line.company: line.deduction_t for line in allocated[0].lines} == {"P": 300, "Q": 0}
    stored = select(allocations.c.deduction_units).where(
        allocations.c.company_id == _company_id(engine, "P"), allocations.c.year == 2019
    )
    assert _count(engine, stored) == 300
    assert waiting == [1]  # the allocation waited for compliance's lock
