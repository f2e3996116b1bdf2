"""Retirement with certificate, surrender reversal within a window, carry-over, borrowing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text
from test_store_registry import blocks_of, setup

from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.services import operations
from tanshi.services.audit import verify_registry
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.registry import execute, stored_holdings

NOW = datetime(2017, 5, 2, 4, tzinfo=UTC)


def with_reversal_window(j: Jurisdiction, days: int) -> Jurisdiction:
    compliance = j.rulebook.compliance[0].model_copy(
        update={"surrender_reversal_window_days": days}
    )
    rulebook = j.rulebook.model_copy(update={"compliance": (compliance,)})
    return Jurisdiction(j.id, j.code, rulebook, j.is_demo, j.issuance_account, j.holding_account,
                        j.surrender_account)  # fmt: skip


def test_retirement_certificate_names_the_serials(engine: Engine) -> None:
    j, a, _, _ = setup(engine)
    certificate, issues = operations.retire(
        engine,
        j,
        "DP-OH-A",
        "DPEA-2016",
        25,
        "Demo Marathon 2017",
        "carbon-neutral event",
        "r1",
        NOW,
    )
    assert issues == [] and certificate is not None
    assert certificate.blocks == ("DPEA-2016-000000000001..000000000025",)
    assert "Beneficiary: Demo Marathon 2017" in certificate.text()
    assert certificate.number.startswith("DP-RET-")
    assert blocks_of(engine, a) == [(26, 300)]
    _, missing = operations.retire(engine, j, "DP-OH-A", "DPEA-2016", 1, " ", "x", "r2", NOW)
    assert [issue.code for issue in missing] == ["retirement_details_missing"]
    assert verify_registry(engine).ok


def test_surrender_reversal_only_within_the_window(engine: Engine) -> None:
    j, a, _, unit = setup(engine)
    surrender = TransactionRequest("surrender", "s1", (Movement(a, j.surrender_account, unit, 100),),
                                   NOW, compliance_year=2016)  # fmt: skip
    done = execute(engine, surrender)
    assert done.ok and done.transaction_id is not None
    _, closed = operations.reverse_surrender(engine, j, done.transaction_id, "mistake", NOW)
    assert [issue.code for issue in closed] == ["reversal_window_closed"]  # demo-province: none
    lenient = with_reversal_window(j, 5)
    late = datetime(2017, 5, 9, 4, tzinfo=UTC)
    _, too_late = operations.reverse_surrender(
        engine, lenient, done.transaction_id, "mistake", late
    )
    assert [issue.code for issue in too_late] == ["reversal_window_closed"]
    outcome, issues = operations.reverse_surrender(
        engine, lenient, done.transaction_id, "mistake", NOW
    )
    assert issues == [] and outcome is not None and outcome.ok
    with engine.connect() as connection:
        assert stored_holdings(connection)[(a, unit)] == 300


def test_carry_over_and_borrowing(engine: Engine) -> None:
    j, a, _, unit = setup(engine)
    moved = operations.carry_over(engine, j, "A", 2016, 50, "c1", NOW)
    assert moved.ok
    borrowed = operations.borrow(engine, j, "A", 2016, 20, "b1", NOW)
    assert borrowed.result is ResultCode.OK
    with engine.connect() as connection:
        held = stored_holdings(connection)
        deduction = connection.execute(
            text("SELECT year, quantity_units FROM allocation_deductions")
        ).all()
        next_class = connection.execute(
            text("SELECT id FROM unit_classes WHERE code = 'DPEA-2017'")
        ).scalar_one()
    assert held[(a, unit)] == 250
    assert held[(a, next_class)] == 70
    assert [tuple(row) for row in deduction] == [(2017, 20)]
    assert verify_registry(engine).ok
