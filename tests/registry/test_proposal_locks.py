"""Proposals under concurrency (PostgreSQL): a per-account lock, not the journal head.

A proposal that waits for approval locks its source account only, so proposals from different
accounts, and registry writes, do not queue behind each other; the daily limit still holds
when one account's proposals race, and a key reused from another account is no error.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, text

from registry_controls import CONTROLS, at, transfer, world
from tanshi.registry import ResultCode
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.services.lifecycle import add_representative, propose, propose_in
from tanshi.services.proposal_store import PROPOSALS_LOCK
from tanshi.services.registry import lock_journal_head

POSTGRES_ONLY = pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
OPEN = "2017-04-05T10:00"  # a Wednesday morning: the registry is open


@POSTGRES_ONLY
def test_a_proposal_awaiting_approval_does_not_wait_for_the_journal_head(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    with engine.begin() as holder:
        lock_journal_head(holder)  # as a registry write in progress does
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '2s'"))
            outcome = propose_in(connection, j, transfer("t1", a, b, unit, 10, OPEN), "alice",
                                 at(OPEN))  # fmt: skip
    assert outcome.status is ProposalStatus.AWAITING_APPROVAL


@POSTGRES_ONLY
def test_the_source_account_is_locked_until_the_proposal_commits(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    with engine.begin() as first:
        propose_in(first, j, transfer("t1", a, b, unit, 10, OPEN), "alice", at(OPEN))
        with engine.connect() as other:
            taken = other.execute(text("SELECT pg_try_advisory_xact_lock(:k, :a)"),
                                  {"k": PROPOSALS_LOCK, "a": a}).scalar()  # fmt: skip
            free = other.execute(text("SELECT pg_try_advisory_xact_lock(:k, :a)"),
                                 {"k": PROPOSALS_LOCK, "a": b}).scalar()  # fmt: skip
    assert (taken, free) == (False, True)


@POSTGRES_ONLY
def test_racing_proposals_from_one_account_respect_the_daily_limit(engine: Engine) -> None:
    """Eight threads each propose 300 of the account's 1000-unit daily limit: three pass."""
    j, a, b, unit = world(engine, CONTROLS)
    results: list[ResultCode] = []
    barrier = threading.Barrier(8)

    def attempt(index: int) -> None:
        barrier.wait()
        request = transfer(f"race-{index}", a, b, unit, 300, OPEN)
        results.append(propose(engine, j, request, "alice", at(OPEN)).result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(ResultCode.OK) == 3
    assert results.count(ResultCode.DAILY_LIMIT_EXCEEDED) == 5


@POSTGRES_ONLY
def test_a_key_taken_meanwhile_from_another_account_returns_the_first_proposal(
    engine: Engine,
) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    add_representative(engine, "DP-OH-B", "alice", initiate=True, approve=False)
    later: list = []
    with engine.begin() as first:
        made = propose_in(first, j, transfer("same", a, b, unit, 10, OPEN), "alice", at(OPEN))

        def second() -> None:  # from B, under B's lock: waits on the key until the first commits
            later.append(propose(engine, j, transfer("same", b, a, unit, 5, OPEN), "alice",
                                 at(OPEN)))  # fmt: skip

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()
    thread.join()
    assert later[0].proposal_id == made.proposal_id
    assert later[0].replayed
