"""User mistakes and retries at the service layer: clear refusals, nothing half-written."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from tanshi.core.errors import InputRejected, TanshiError
from tanshi.market import Trade
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.registry import AccountStatus, Movement, ResultCode, TransactionRequest
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services import compliance, jurisdiction, market, mrv
from tanshi.services.registry import execute

NOON = datetime(2016, 8, 1, 4, tzinfo=UTC)  # 12:00 in Shanghai


def opened(engine: Engine) -> jurisdiction.Jurisdiction:
    rulebook, source = load_rulebook("demo-province")
    j = jurisdiction.open_jurisdiction(engine, rulebook, source, NOON, is_demo=False)
    jurisdiction.register_company(engine, j, "A", "Alpha", "power")
    jurisdiction.register_company(engine, j, "B", "Beta", "cement")
    return j


def test_registering_twice_is_idempotent_and_conflicts_are_refused(engine: Engine) -> None:
    j = opened(engine)
    first = jurisdiction.register_company(engine, j, "C", "Gamma", "steel")
    assert jurisdiction.register_company(engine, j, "C", "Gamma", "steel") == first
    with pytest.raises(TanshiError, match="already registered"):
        jurisdiction.register_company(engine, j, "C", "Other", "steel")
    with pytest.raises(TanshiError, match="company code"):
        jurisdiction.register_company(engine, j, "X" * 31, "Long", "steel")
    project = jurisdiction.open_project_account(engine, j, "P1", "developer")
    assert jurisdiction.open_project_account(engine, j, "P1", "developer") == project


def test_activity_and_reports_are_not_recorded_twice(engine: Engine) -> None:
    j = opened(engine)
    record = ActivityRecord("A", 2013, SourceKind.ELECTRICITY, "grid", Decimal(100), "MWh")
    assert mrv.record_activity(engine, [record]) == []
    again = mrv.record_activity(engine, [record])
    assert [issue.code for issue in again] == ["activity_already_recorded"]
    mrv.report_and_verify(engine, j, parameter_table(), "A", 2013)
    with pytest.raises(InputRejected, match="report_exists"):
        mrv.report_and_verify(engine, j, parameter_table(), "A", 2013)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM activity_data")).scalar_one() == 1


def test_idempotency_keys_longer_than_the_column_are_refused(engine: Engine) -> None:
    j = opened(engine)
    move = Movement(j.issuance_account, j.holding_account, 1, 1)
    outcome = execute(engine, TransactionRequest("issuance", "k" * 201, (move,), NOON))
    assert outcome.result is ResultCode.IDEMPOTENCY_KEY_INVALID


def test_trades_are_reported_on_the_day_they_are_agreed(engine: Engine) -> None:
    j = opened(engine)
    jurisdiction.unit_class_id(engine, j, "DPEA", 2016)
    backdated = Trade("A", "B", "DPEA-2016", 10, Decimal("30.00"), date(2016, 7, 1))
    outcome, issues = market.bilateral_trade(engine, j, backdated, "t1", NOON)
    assert outcome is None
    assert [issue.code for issue in issues] == ["trade_date_not_booking_date"]


def test_surrender_refusals(engine: Engine) -> None:
    j = opened(engine)
    project = jurisdiction.open_project_account(engine, j, "P1", "developer")
    credits = jurisdiction.unit_class_id(engine, j, "DPCER", 2017, "P1")
    with engine.connect() as connection:
        a = jurisdiction.account_id(connection, jurisdiction.operator_account_code("DP", "A"))
    # Units not held are said before whether they would count (docs/compliance.md).
    not_held = compliance.surrender(engine, j, "A", "DPCER-2017-P1", 1, 2016, "s0", NOON)
    assert [issue.code for issue in not_held[1]] == ["insufficient_units"]
    assert "DP-OH-A holds 0 t of DPCER-2017-P1 free to surrender" in not_held[1][0].message
    for type_code, movement in (("offset_issuance", Movement(j.issuance_account, project,
                                                              credits, 5)),
                                ("transfer", Movement(project, a, credits, 5))):  # fmt: skip
        assert execute(engine, TransactionRequest(type_code, f"c/{type_code}", (movement,),
                                                  NOON)).ok  # fmt: skip
    short = compliance.surrender(engine, j, "A", "DPCER-2017-P1", 6, 2016, "s1", NOON)
    assert [issue.code for issue in short[1]] == ["insufficient_units"]
    assert compliance.surrender_refusals(engine, j, "A", "DPCER-2017-P1", 6, 2016, "r1",
                                         NOON) == short[1]  # fmt: skip
    late_vintage = compliance.surrender(engine, j, "A", "DPCER-2017-P1", 1, 2016, "s2", NOON)
    assert [issue.code for issue in late_vintage[1]] == ["offset_not_eligible"]
    nobody = compliance.surrender(engine, j, "Z", "DPCER-2017-P1", 1, 2016, "s3", NOON)
    assert [issue.code for issue in nobody[1]] == ["unknown_company"]
    # The registry's refusals say what to do, not only that it refused.
    nothing = compliance.surrender(engine, j, "A", "DPCER-2017-P1", 0, 2016, "s5", NOON)
    assert [(i.code, i.message) for i in nothing[1]] == [
        ("quantity_must_be_positive", "surrender at least 1 t; 0 t was asked")]  # fmt: skip
    jurisdiction.change_account_status(engine, "DP-OH-A", AccountStatus.FROZEN, "court", NOON)
    frozen = compliance.surrender_refusals(engine, j, "A", "DPCER-2017-P1", 1, 2016, "r2", NOON)
    assert [(i.code, i.message) for i in frozen] == [
        ("account_frozen", "DP-OH-A is frozen: no units may leave it until the freeze is lifted")]  # fmt: skip
    jurisdiction.change_account_status(engine, "DP-OH-A", AccountStatus.OPEN, "lifted", NOON)
    # After the deadline nothing helps, so lateness is said first, held or not.
    late = datetime(2017, 7, 1, 4, tzinfo=UTC)
    too_late = compliance.surrender(engine, j, "A", "DPCER-2017-P1", 9, 2016, "s4", late)
    assert [issue.code for issue in too_late[1]] == ["surrender_after_deadline"]


def test_frozen_account_cannot_send_and_every_change_is_logged(engine: Engine) -> None:
    j = opened(engine)
    code = jurisdiction.operator_account_code("DP", "A")
    with engine.connect() as connection:
        a = jurisdiction.account_id(connection, code)
        b = jurisdiction.account_id(connection, jurisdiction.operator_account_code("DP", "B"))
    unit = jurisdiction.unit_class_id(engine, j, "DPEA", 2016)
    assert execute(
        engine,
        TransactionRequest(
            "issuance", "i", (Movement(j.issuance_account, j.holding_account, unit, 10),), NOON
        ),
    ).ok
    assert execute(
        engine,
        TransactionRequest("allocation", "a", (Movement(j.holding_account, a, unit, 5),), NOON),
    ).ok
    jurisdiction.change_account_status(
        engine, code, AccountStatus.FROZEN, "court order 2016-17", NOON
    )
    out = execute(engine, TransactionRequest("transfer", "t", (Movement(a, b, unit, 1),), NOON))
    assert out.result is ResultCode.ACCOUNT_FROZEN
    withheld = TransactionRequest(  # the regulator withholds allocation from a frozen account
        "allocation", "a2", (Movement(j.holding_account, a, unit, 5),), NOON
    )
    assert execute(engine, withheld).result is ResultCode.ACCOUNT_FROZEN
    jurisdiction.change_account_status(engine, code, AccountStatus.OPEN, "order lifted", NOON)
    assert execute(engine, TransactionRequest("transfer", "t", (Movement(a, b, unit, 1),), NOON)).ok
    with pytest.raises(TanshiError, match="closure_pending"):
        jurisdiction.change_account_status(engine, code, AccountStatus.CLOSED, "closing", NOON)
    jurisdiction.change_account_status(engine, code, AccountStatus.CLOSURE_PENDING, "closing", NOON)
    with pytest.raises(TanshiError, match="still holds units"):
        jurisdiction.change_account_status(engine, code, AccountStatus.CLOSED, "closing", NOON)
    with pytest.raises(TanshiError, match="reason"):
        jurisdiction.change_account_status(engine, code, AccountStatus.FROZEN, " ", NOON)
    with engine.connect() as connection:
        log = connection.execute(
            text("SELECT from_status, to_status FROM account_status_changes ORDER BY id")
        ).all()
    assert [tuple(row) for row in log] == [
        ("open", "frozen"), ("frozen", "open"), ("open", "closure_pending"),
    ]  # fmt: skip
