"""Proposals by people: four eyes, business hours, delays, trusted lists, limits, cancelling."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from registry_controls import CONTROLS, at, transfer, world
from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.services import lifecycle
from tanshi.services.lifecycle import (
    approve,
    cancel,
    propose,
    release_due,
    trust_account,
)
from tanshi.services.registry import execute, stored_holdings


def test_four_eyes_then_a_delay_over_the_weekend(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    proposed = propose(
        engine,
        j,
        transfer("t1", a, b, unit, 100, "2017-04-07T14:00"),
        "alice",
        at("2017-04-07T14:00"),
    )
    assert proposed.status is ProposalStatus.AWAITING_APPROVAL
    pid = proposed.proposal_id
    assert pid is not None
    assert (
        approve(engine, j, pid, "alice", at("2017-04-07T14:30")).result
        is ResultCode.APPROVER_MUST_DIFFER_FROM_INITIATOR
    )
    assert (
        approve(engine, j, pid, "mallory", at("2017-04-07T14:30")).result
        is ResultCode.APPROVER_LACKS_RIGHT
    )
    delayed = approve(engine, j, pid, "bob", at("2017-04-07T15:00"))  # Friday
    assert delayed.status is ProposalStatus.DELAYED
    assert delayed.release_at == at("2017-04-10T10:00")  # + 26 h is Saturday 17:00: Monday 10:00
    assert release_due(engine, at("2017-04-10T09:59")) == []
    [released] = release_due(engine, at("2017-04-10T10:00"))
    assert released.status is ProposalStatus.EXECUTED
    with engine.connect() as connection:
        assert stored_holdings(connection)[(b, unit)] == 100
        events = connection.execute(
            text(
                "SELECT event, actor, result FROM proposal_events WHERE proposal_id = :p ORDER BY id"
            ),
            {"p": pid},
        ).all()
    assert [tuple(e) for e in events] == [
        ("proposed", "alice", "ok"),
        ("approval_refused", "alice", "approver_must_differ_from_initiator"),
        ("approval_refused", "mallory", "approver_lacks_right_on_source_account"),
        ("approved", "bob", "ok"),
        ("delayed", "bob", "ok"),
        ("executed", "registry", "ok"),
    ]


def test_business_hours_daily_limit_and_rights(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    night = propose(
        engine, j, transfer("n", a, b, unit, 1, "2017-04-05T20:00"), "alice", at("2017-04-05T20:00")
    )
    assert (night.status, night.result) == (
        ProposalStatus.FAILED,
        ResultCode.OUTSIDE_BUSINESS_HOURS,
    )
    holiday = propose(
        engine, j, transfer("h", a, b, unit, 1, "2017-05-01T11:00"), "alice", at("2017-05-01T11:00")
    )
    assert holiday.result is ResultCode.OUTSIDE_BUSINESS_HOURS
    assert (
        propose(
            engine,
            j,
            transfer("d1", a, b, unit, 800, "2017-04-05T11:00"),
            "alice",
            at("2017-04-05T11:00"),
        ).result
        is ResultCode.OK
    )
    over = propose(
        engine,
        j,
        transfer("d2", a, b, unit, 300, "2017-04-05T12:00"),
        "alice",
        at("2017-04-05T12:00"),
    )
    assert over.result is ResultCode.DAILY_LIMIT_EXCEEDED
    next_day = propose(
        engine,
        j,
        transfer("d3", a, b, unit, 300, "2017-04-06T12:00"),
        "alice",
        at("2017-04-06T12:00"),
    )
    assert next_day.result is ResultCode.OK
    stranger = propose(
        engine, j, transfer("s", a, b, unit, 1, "2017-04-06T12:00"), "bob", at("2017-04-06T12:00")
    )
    assert stranger.result is ResultCode.INITIATOR_LACKS_RIGHT
    again = propose(
        engine,
        j,
        transfer("d1", a, b, unit, 800, "2017-04-05T11:00"),
        "alice",
        at("2017-04-06T13:00"),
    )
    assert again.proposal_id is not None and again.status is ProposalStatus.AWAITING_APPROVAL


def test_trusted_accounts_skip_the_delay_once_active(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    active = trust_account(engine, j, "DP-OH-A", "DP-OH-B", "alice", "bob", at("2017-04-06T11:00"))
    assert active == at("2017-04-12T10:00")  # Thursday + 4 working days (Fri, Mon, Tue, Wed)
    early = propose(
        engine,
        j,
        transfer("e", a, b, unit, 10, "2017-04-10T11:00"),
        "alice",
        at("2017-04-10T11:00"),
    )
    assert early.proposal_id is not None
    assert (
        approve(engine, j, early.proposal_id, "bob", at("2017-04-10T11:05")).status
        is ProposalStatus.DELAYED
    )
    late = propose(
        engine,
        j,
        transfer("l", a, b, unit, 10, "2017-04-12T11:00"),
        "alice",
        at("2017-04-12T11:00"),
    )
    assert late.proposal_id is not None
    done = approve(engine, j, late.proposal_id, "bob", at("2017-04-12T11:05"))
    assert done.status is ProposalStatus.EXECUTED


def test_cancel_while_delayed_and_failure_at_release(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    first = propose(
        engine,
        j,
        transfer("c1", a, b, unit, 900, "2017-04-05T11:00"),
        "alice",
        at("2017-04-05T11:00"),
    )
    second = propose(
        engine,
        j,
        transfer("c2", a, b, unit, 100, "2017-04-05T11:10"),
        "alice",
        at("2017-04-05T11:10"),
    )
    assert first.proposal_id is not None and second.proposal_id is not None
    approve(engine, j, first.proposal_id, "bob", at("2017-04-05T11:20"))
    approve(engine, j, second.proposal_id, "bob", at("2017-04-05T11:30"))
    assert (
        cancel(engine, second.proposal_id, "mallory", at("2017-04-05T12:00")).result
        is ResultCode.INITIATOR_LACKS_RIGHT
    )
    assert (
        cancel(engine, second.proposal_id, "alice", at("2017-04-05T12:00")).status
        is ProposalStatus.CANCELLED
    )
    # Meanwhile the regulator takes units away, so the first fails when released.
    deduct = TransactionRequest(
        "deduction", "x", (Movement(a, j.holding_account, unit, 1500),), at("2017-04-05T13:00")
    )
    assert execute(engine, deduct).ok
    [released] = release_due(engine, at("2017-04-06T13:30"))
    assert (released.status, released.result) == (
        ProposalStatus.FAILED,
        ResultCode.INSUFFICIENT_UNITS,
    )
    assert (
        cancel(engine, second.proposal_id, "alice", at("2017-04-06T14:00")).result
        is ResultCode.PROPOSAL_NOT_CANCELLABLE
    )


def test_people_may_only_propose_their_own_kinds_of_transaction(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    surrender = TransactionRequest("surrender", "s", (Movement(a, j.surrender_account, unit, 1),),
                                   at("2017-04-05T11:00"), compliance_year=2016)  # fmt: skip
    assert (
        propose(engine, j, surrender, "alice", at("2017-04-05T11:00")).result
        is ResultCode.TYPE_NOT_OPEN_TO_PEOPLE
    )
    two_sources = TransactionRequest(
        "transfer", "m", (Movement(a, b, unit, 1), Movement(b, a, unit, 1)), at("2017-04-05T11:00")
    )
    assert (
        propose(engine, j, two_sources, "alice", at("2017-04-05T11:00")).result
        is ResultCode.ONE_SOURCE_PER_PROPOSAL
    )


def test_times_are_absolute_whatever_zone_the_caller_uses(engine: Engine) -> None:
    """Approved at 07:00 UTC on a Friday = 15:00 in Shanghai: released Monday 10:00 Shanghai."""
    j, a, b, unit = world(engine, CONTROLS)
    utc = ZoneInfo("UTC")
    friday = datetime(2017, 4, 7, 6, 0, tzinfo=utc)
    proposed = propose(
        engine, j, transfer("u1", a, b, unit, 5, "2017-04-07T14:00"), "alice", friday
    )
    assert proposed.proposal_id is not None
    delayed = approve(
        engine, j, proposed.proposal_id, "bob", datetime(2017, 4, 7, 7, 0, tzinfo=utc)
    )
    assert delayed.release_at == at("2017-04-10T10:00")
    assert release_due(engine, datetime(2017, 4, 10, 1, 59, tzinfo=utc)) == []
    [done] = release_due(engine, datetime(2017, 4, 10, 2, 0, tzinfo=utc))
    assert done.status is ProposalStatus.EXECUTED


def test_a_cancelled_proposal_is_never_executed(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    proposed = propose(
        engine,
        j,
        transfer("x1", a, b, unit, 5, "2017-04-05T11:00"),
        "alice",
        at("2017-04-05T11:00"),
    )
    assert proposed.proposal_id is not None
    approve(engine, j, proposed.proposal_id, "bob", at("2017-04-05T11:10"))
    assert (
        cancel(engine, proposed.proposal_id, "alice", at("2017-04-05T11:20")).status
        is ProposalStatus.CANCELLED
    )
    with engine.begin() as connection:  # a release that listed it before the cancel
        late = lifecycle._execute(
            connection, proposed.proposal_id, at("2017-04-06T14:00"), "registry"
        )
    assert late.status is ProposalStatus.CANCELLED and late.transaction_id is None


def test_people_cannot_take_the_regulators_keys(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    proposed = propose(engine, j, transfer("DP/allocation/2017/A", a, b, unit, 5, "2017-04-05T11:00"),
                       "alice", at("2017-04-05T11:00"))  # fmt: skip
    assert proposed.proposal_id is not None
    approve(engine, j, proposed.proposal_id, "bob", at("2017-04-05T11:10"))
    [done] = release_due(engine, at("2017-04-06T14:00"))
    assert done.status is ProposalStatus.EXECUTED
    with engine.connect() as connection:
        keys = set(connection.execute(text("SELECT idempotency_key FROM transactions")).scalars())
    assert "DP/allocation/2017/A" not in keys
    assert "person/DP/allocation/2017/A" in keys
