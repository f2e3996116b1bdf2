"""Requests of many movements: booked like any other, with the cycle collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.resources import load_rulebook
from tanshi.services import registry
from tanshi.services.audit import verify_registry
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    open_jurisdiction,
    operator_account_code,
    register_companies,
    unit_class_id,
)
from tanshi.services.registry import derived_holdings, execute, stored_holdings
from tanshi.services.registry_postgres import _array, _columns

RECEIVERS = 5
NOW = datetime(2016, 6, 30, tzinfo=UTC)


def setup(engine: Engine) -> Jurisdiction:
    """The demo province with 1,000 allowances in its holding account."""
    rulebook, text = load_rulebook("demo-province")
    jurisdiction = open_jurisdiction(engine, rulebook, text, NOW, is_demo=True)
    allowances = unit_class_id(engine, jurisdiction, "DPEA", 2016)
    issue = Movement(jurisdiction.issuance_account, jurisdiction.holding_account, allowances, 1000)
    assert execute(engine, TransactionRequest("issuance", "issue", (issue,), NOW)).ok
    return jurisdiction


@pytest.fixture
def collector_seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """MANY_MOVEMENTS lowered to RECEIVERS; lists whether the cycle collector was on while
    each request was decided."""
    monkeypatch.setattr(registry, "MANY_MOVEMENTS", RECEIVERS)
    seen: list[bool] = []
    decide = registry._decide_and_write

    def spy(access, request):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return decide(access, request)

    monkeypatch.setattr(registry, "_decide_and_write", spy)
    yield seen
    gc.enable()


def allocation(
    engine: Engine, jurisdiction: Jurisdiction, units: int, key: str
) -> TransactionRequest:
    """An allocation of ``units`` to each of RECEIVERS new companies."""
    rows = [("test", f"R{i}", f"Receiver {i}", "power") for i in range(RECEIVERS)]
    assert register_companies(engine, jurisdiction, rows) == []
    allowances = unit_class_id(engine, jurisdiction, "DPEA", 2016)
    with engine.connect() as connection:
        targets = [
            account_id(connection, operator_account_code("DP", f"R{i}")) for i in range(RECEIVERS)
        ]
    movements = tuple(Movement(jurisdiction.holding_account, t, allowances, units) for t in targets)
    return TransactionRequest("allocation", key, movements, NOW)


def test_a_bulk_allocation_is_booked_with_the_collector_paused(
    engine: Engine, collector_seen: list[bool]
) -> None:
    jurisdiction = setup(engine)
    collector_seen.clear()
    request = allocation(engine, jurisdiction, 100, "bulk")
    outcome = execute(engine, request)
    assert outcome.ok
    assert collector_seen == [False]
    assert gc.isenabled()
    with engine.connect() as connection:
        stored = stored_holdings(connection)
        assert stored == derived_holdings(connection)
    assert [stored[(m.to_account, m.unit_class)] for m in request.movements] == [100] * RECEIVERS
    assert verify_registry(engine).ok
    again = execute(engine, request)
    assert again.replayed and again.transaction_id == outcome.transaction_id


def test_a_refused_or_failing_bulk_request_turns_the_collector_back_on(
    engine: Engine, collector_seen: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    jurisdiction = setup(engine)
    collector_seen.clear()
    too_much = allocation(engine, jurisdiction, 10**6, "too-much")
    assert execute(engine, too_much).result is ResultCode.INSUFFICIENT_UNITS
    assert collector_seen == [False] and gc.isenabled()

    def fail(access, request):  # type: ignore[no-untyped-def]
        raise RuntimeError("the write failed")

    monkeypatch.setattr(registry, "_decide_and_write", fail)
    with pytest.raises(RuntimeError):
        execute(engine, TransactionRequest("allocation", "fails", too_much.movements, NOW))
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(
    engine: Engine, collector_seen: list[bool]
) -> None:
    jurisdiction = setup(engine)
    request = allocation(engine, jurisdiction, 1, "bulk")
    gc.disable()
    assert execute(engine, request).ok
    assert not gc.isenabled()


def test_small_requests_leave_the_collector_alone(
    engine: Engine, collector_seen: list[bool]
) -> None:
    jurisdiction = setup(engine)
    collector_seen.clear()
    request = allocation(engine, jurisdiction, 1, "small")
    small = TransactionRequest("allocation", "small", request.movements[:-1], NOW)
    assert execute(engine, small).ok
    assert collector_seen == [True]


def test_lists_travel_to_postgresql_as_array_text() -> None:
    assert _array([3, 1, 2]) == "{3,1,2}"
    assert _array([5, None]) == "{5,NULL}"
    assert _array([True, False]) == "{True,False}"  # PostgreSQL reads booleans so spelt
    assert _columns([(1, 2, None), (3, 4, 5)], 3) == ["{1,3}", "{2,4}", "{NULL,5}"]
    assert _columns([], 2) == ["{}", "{}"]
