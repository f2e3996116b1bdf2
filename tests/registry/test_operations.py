"""Retirement with certificate, surrender reversal within a window, carry-over, borrowing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from test_store_registry import blocks_of, setup

from tanshi.core.errors import TanshiError
from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.rulebook import UnitKind
from tanshi.services import lifecycle, operations
from tanshi.services.audit import verify_registry
from tanshi.services.compliance import net_surrendered
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
    lifecycle.add_representative(engine, "DP-OH-A", "alice", initiate=True, approve=False)
    certificate, issues = operations.retire(
        engine, j, "DP-OH-A", "DPEA-2016", 25, "Demo Marathon 2017", "carbon-neutral event",
        "r1", "alice", NOW,
    )  # fmt: skip
    assert issues == [] and certificate is not None
    assert certificate.blocks == ("DPEA-2016-000000000001..000000000025",)
    assert "Beneficiary: Demo Marathon 2017" in certificate.text()
    assert certificate.number.startswith("RET-")
    assert blocks_of(engine, a) == [(26, 300)]
    _, missing = operations.retire(
        engine, j, "DP-OH-A", "DPEA-2016", 1, " ", "x", "r2", "alice", NOW
    )
    assert [issue.code for issue in missing] == ["retirement_details_missing"]
    _, stranger = operations.retire(
        engine, j, "DP-OH-A", "DPEA-2016", 1, "B", "x", "r3", "eve", NOW
    )
    assert [issue.code for issue in stranger] == ["initiator_lacks_right_on_source_account"]
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


def test_a_reversal_returns_the_very_serials_and_compliance_nets_it(engine: Engine) -> None:
    j, a, b, unit = setup(engine)
    assert execute(
        engine, TransactionRequest("transfer", "t", (Movement(a, b, unit, 100),), NOW)
    ).ok
    lenient = with_reversal_window(j, 5)
    first = execute(
        engine,
        TransactionRequest(
            "surrender",
            "s-a",
            (Movement(a, j.surrender_account, unit, 50),),
            NOW,
            compliance_year=2016,
        ),
    )
    second = execute(
        engine,
        TransactionRequest(
            "surrender",
            "s-b",
            (Movement(b, j.surrender_account, unit, 40),),
            NOW,
            compliance_year=2016,
        ),
    )
    assert first.ok and second.ok and second.transaction_id is not None
    assert blocks_of(engine, b) == [(41, 100)]  # B surrendered its serials 1..40
    outcome, issues = operations.reverse_surrender(
        engine, lenient, second.transaction_id, "error", NOW
    )
    assert issues == [] and outcome is not None
    assert blocks_of(engine, b) == [(1, 100)]  # its own serials, not A's 101..150
    with engine.connect() as connection:
        assert net_surrendered(connection, b, UnitKind.ALLOWANCE, 2016) == 0
        assert net_surrendered(connection, a, UnitKind.ALLOWANCE, 2016) == 50
    assert verify_registry(engine).ok


def test_no_borrowing_from_a_year_already_allocated(engine: Engine) -> None:
    j, *_ = setup(engine)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO allocations (company_id, year, base_average_kg, correction_factor, "
            "deduction_units, allocated_units) SELECT id, 2017, 0, '1', 0, 0 FROM companies LIMIT 1"
        ))  # fmt: skip
    with pytest.raises(TanshiError, match="already allocated"):
        operations.borrow(engine, j, "A", 2016, 10, "b", NOW)
