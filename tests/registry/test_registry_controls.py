"""EU-style controls: out-of-hours queueing, trusted-list removal, own accounts, waivers."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from registry_controls import CONTROLS, EU_CONTROLS, at, transfer, world
from tanshi.core.errors import TanshiError
from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.resources import preset_text
from tanshi.rulebook import parse_rulebook
from tanshi.services import jurisdiction, lifecycle
from tanshi.services.lifecycle import (
    add_representative,
    approve,
    cancel,
    propose,
    release_due,
    trust_account,
)
from tanshi.services.registry import stored_holdings
from tanshi.services.trusted_list import set_approval_waiver, trusted_list, untrust_account


def events(engine: Engine, proposal: int) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT event, actor, result FROM proposal_events WHERE proposal_id = :p "
                 "ORDER BY id"), {"p": proposal},
        ).all()  # fmt: skip
    return [tuple(row) for row in rows]


def trusted_b(engine: Engine, j) -> None:
    """B on A's list: Monday 3 April 11:00 + 4 working days = Friday 7 April 12:00."""
    active = trust_account(engine, j, "DP-OH-A", "DP-OH-B", "alice", "bob", at("2017-04-03T11:00"))
    assert active == at("2017-04-07T12:00")


def test_a_transfer_proposed_and_approved_at_the_weekend_is_queued_to_monday(
    engine: Engine,
) -> None:
    j, a, b, unit = world(engine, EU_CONTROLS)
    trusted_b(engine, j)
    proposed = propose(
        engine,
        j,
        transfer("w", a, b, unit, 10, "2017-04-08T11:00"),
        "alice",
        at("2017-04-08T11:00"),
    )
    assert (proposed.status, proposed.result) == (ProposalStatus.AWAITING_APPROVAL, ResultCode.OK)
    assert proposed.proposal_id is not None
    queued = approve(engine, j, proposed.proposal_id, "bob", at("2017-04-08T12:00"))  # Saturday
    assert queued.status is ProposalStatus.QUEUED
    assert queued.release_at == at("2017-04-10T10:00")  # Monday's opening
    assert release_due(engine, at("2017-04-10T09:59")) == []
    [done] = release_due(engine, at("2017-04-10T10:00"))
    assert done.status is ProposalStatus.EXECUTED
    assert events(engine, proposed.proposal_id) == [
        ("proposed", "alice", "ok"),
        ("approved", "bob", "ok"),
        ("queued", "bob", "ok"),
        ("executed", "registry", "ok"),
    ]


def test_the_delay_to_an_untrusted_account_starts_at_the_opening_after_easter(
    engine: Engine,
) -> None:
    """Thursday 13 April 17:00 is after closing; Good Friday and Easter Monday are holidays:
    it starts Tuesday 18 April 10:00, before noon, so it executes Wednesday 19 April 12:00
    (Reg. 2019/1122 Art. 35(2)-(3))."""
    j, a, b, unit = world(engine, EU_CONTROLS)
    proposed = propose(
        engine,
        j,
        transfer("e", a, b, unit, 10, "2017-04-13T17:00"),
        "alice",
        at("2017-04-13T17:00"),
    )
    assert proposed.proposal_id is not None
    delayed = approve(engine, j, proposed.proposal_id, "bob", at("2017-04-13T17:30"))
    assert (delayed.status, delayed.release_at) == (ProposalStatus.DELAYED, at("2017-04-19T12:00"))
    assert release_due(engine, at("2017-04-19T11:59")) == []
    [done] = release_due(engine, at("2017-04-19T12:00"))
    assert done.status is ProposalStatus.EXECUTED


def test_a_retirement_asked_for_on_a_holiday_waits_for_the_next_opening(engine: Engine) -> None:
    j, a, _, unit = world(engine, EU_CONTROLS)
    with engine.connect() as connection:
        cancellation = jurisdiction.account_id(connection, "DP-CANCELLATION")
    request = TransactionRequest(
        "voluntary_retirement", "r", (Movement(a, cancellation, unit, 5),), at("2017-05-01T11:00")
    )
    queued = propose(engine, j, request, "alice", at("2017-05-01T11:00"), retirement=("X", "y"))
    assert (queued.status, queued.release_at) == (ProposalStatus.QUEUED, at("2017-05-02T10:00"))
    assert queued.proposal_id is not None
    assert cancel(engine, queued.proposal_id, "mallory", at("2017-05-01T12:00")).result is (
        ResultCode.INITIATOR_LACKS_RIGHT
    )
    [done] = release_due(engine, at("2017-05-02T10:00"))
    assert done.status is ProposalStatus.EXECUTED
    with engine.connect() as connection:
        assert stored_holdings(connection)[(cancellation, unit)] == 5


def test_a_queued_proposal_can_be_cancelled(engine: Engine) -> None:
    j, a, b, unit = world(engine, EU_CONTROLS)
    trusted_b(engine, j)
    proposed = propose(
        engine,
        j,
        transfer("c", a, b, unit, 10, "2017-04-08T11:00"),
        "alice",
        at("2017-04-08T11:00"),
    )
    assert proposed.proposal_id is not None
    approve(engine, j, proposed.proposal_id, "bob", at("2017-04-08T12:00"))
    assert cancel(engine, proposed.proposal_id, "alice", at("2017-04-09T12:00")).status is (
        ProposalStatus.CANCELLED
    )
    assert release_due(engine, at("2017-04-10T10:00")) == []


def test_the_refusing_rule_still_refuses_out_of_hours(engine: Engine) -> None:
    j, a, b, unit = world(engine, CONTROLS)
    night = propose(
        engine, j, transfer("n", a, b, unit, 1, "2017-04-08T11:00"), "alice", at("2017-04-08T11:00")
    )
    assert (night.status, night.result) == (
        ProposalStatus.FAILED,
        ResultCode.OUTSIDE_BUSINESS_HOURS,
    )


def test_removing_a_trusted_account_takes_effect_at_once_and_is_logged(engine: Engine) -> None:
    j, a, b, unit = world(engine, EU_CONTROLS)
    trusted_b(engine, j)
    add_representative(engine, "DP-OH-A", "viewer", initiate=False, approve=False)
    with pytest.raises(TanshiError, match="authorised representative"):
        untrust_account(engine, j, "DP-OH-A", "DP-OH-B", "viewer", at("2017-04-10T11:00"))
    with pytest.raises(TanshiError, match="not on the trusted list"):
        untrust_account(engine, j, "DP-OH-A", "DP-HOLDING", "alice", at("2017-04-10T11:00"))
    before = propose(
        engine,
        j,
        transfer("q", a, b, unit, 10, "2017-04-08T11:00"),
        "alice",
        at("2017-04-08T11:00"),
    )
    assert before.proposal_id is not None
    assert approve(engine, j, before.proposal_id, "bob", at("2017-04-08T12:00")).status is (
        ProposalStatus.QUEUED
    )
    untrust_account(engine, j, "DP-OH-A", "DP-OH-B", "alice", at("2017-04-09T11:00"))
    assert trusted_list(engine, "DP-OH-A") == []
    # The queued transfer is looked at again at Monday's opening: B is no longer trusted.
    [delayed] = release_due(engine, at("2017-04-10T10:00"))
    assert (delayed.status, delayed.release_at) == (ProposalStatus.DELAYED, at("2017-04-11T12:00"))
    after = propose(
        engine,
        j,
        transfer("t", a, b, unit, 10, "2017-04-10T11:00"),
        "alice",
        at("2017-04-10T11:00"),
    )
    assert after.proposal_id is not None
    assert approve(engine, j, after.proposal_id, "bob", at("2017-04-10T11:05")).status is (
        ProposalStatus.DELAYED
    )
    with engine.connect() as connection:
        logged = connection.execute(
            text("SELECT requested_by, approved_by, removed_by FROM trusted_list_removals")
        ).all()
    assert [tuple(row) for row in logged] == [("alice", "bob", "alice")]
    again = trust_account(engine, j, "DP-OH-A", "DP-OH-B", "alice", "bob", at("2017-04-10T11:00"))
    assert again == at("2017-04-18T12:00")  # 11, 12, 13, (Good Friday, Easter Monday), 18


def test_a_queued_transfer_delayed_by_a_release_run_alongside_waits_for_its_delay(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two release runs list the same queued transfer to an account no longer trusted: the
    first delays it; the second, which listed it as queued and due, leaves it delayed."""
    j, a, b, unit = world(engine, EU_CONTROLS)
    trusted_b(engine, j)
    queued = propose(engine, j, transfer("r", a, b, unit, 10, "2017-04-08T11:00"), "alice",
                     at("2017-04-08T11:00"))  # fmt: skip
    assert queued.proposal_id is not None
    approve(engine, j, queued.proposal_id, "bob", at("2017-04-08T12:00"))
    untrust_account(engine, j, "DP-OH-A", "DP-OH-B", "alice", at("2017-04-09T11:00"))
    real_load, alongside = lifecycle.load_jurisdiction, []

    def load_while_another_run_releases(*args, **kwargs):
        if not alongside:
            alongside.append(None)
            alongside[0] = release_due(engine, at("2017-04-10T10:00"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "load_jurisdiction", load_while_another_run_releases)
    assert release_due(engine, at("2017-04-10T10:00")) == []
    [delayed] = alongside[0]
    assert (delayed.status, delayed.release_at) == (ProposalStatus.DELAYED, at("2017-04-11T12:00"))
    assert events(engine, queued.proposal_id)[-1][0] == "delayed"
    [done] = release_due(engine, at("2017-04-11T12:00"))
    assert done.status is ProposalStatus.EXECUTED


@pytest.mark.parametrize(("controls", "expected"), [
    (EU_CONTROLS, ProposalStatus.EXECUTED),
    (CONTROLS, ProposalStatus.DELAYED),
])  # fmt: skip
def test_the_holders_own_accounts_are_trusted_where_the_rulebook_says_so(
    engine: Engine, controls: str, expected: ProposalStatus
) -> None:
    j, a, _, unit = world(engine, controls)
    own = jurisdiction.open_trading_account(engine, j, "DP-TR-ALPHA", "Alpha")  # A's holder
    proposed = propose(
        engine, j, transfer("o", a, own, unit, 10, "2017-04-05T11:00"), "alice",
        at("2017-04-05T11:00"),
    )  # fmt: skip
    assert proposed.proposal_id is not None
    assert (
        approve(engine, j, proposed.proposal_id, "bob", at("2017-04-05T11:05")).status is expected
    )


def test_a_holder_may_waive_the_second_approval_for_its_trusted_list(engine: Engine) -> None:
    j, a, b, unit = world(engine, EU_CONTROLS)
    trusted_b(engine, j)
    jurisdiction.register_company(engine, j, "C", "Gamma", "power")
    with engine.connect() as connection:
        c = jurisdiction.account_id(connection, "DP-OH-C")
    with pytest.raises(TanshiError, match="may approve"):
        set_approval_waiver(
            engine, j, "DP-OH-A", True, "alice", "registrar", at("2017-04-10T11:00")
        )
    set_approval_waiver(engine, j, "DP-OH-A", True, "bob", "registrar", at("2017-04-10T11:00"))
    waived = propose(
        engine, j, transfer("t", a, b, unit, 10, "2017-04-10T11:10"), "alice",
        at("2017-04-10T11:10"),
    )  # fmt: skip
    assert waived.status is ProposalStatus.EXECUTED and waived.proposal_id is not None
    assert [event for event, *_ in events(engine, waived.proposal_id)] == [
        "proposed", "approval_waived", "executed",
    ]  # fmt: skip
    untrusted = propose(
        engine, j, transfer("u", a, c, unit, 10, "2017-04-10T11:20"), "alice",
        at("2017-04-10T11:20"),
    )  # fmt: skip
    assert untrusted.status is ProposalStatus.AWAITING_APPROVAL
    weekend = propose(
        engine, j, transfer("s", a, b, unit, 10, "2017-04-15T11:00"), "alice",
        at("2017-04-15T11:00"),
    )  # fmt: skip
    assert (weekend.status, weekend.release_at) == (ProposalStatus.QUEUED, at("2017-04-18T10:00"))
    set_approval_waiver(engine, j, "DP-OH-A", False, "alice", "registrar", at("2017-04-10T12:00"))
    withdrawn = propose(
        engine, j, transfer("v", a, b, unit, 10, "2017-04-10T12:10"), "alice",
        at("2017-04-10T12:10"),
    )  # fmt: skip
    assert withdrawn.status is ProposalStatus.AWAITING_APPROVAL
    with engine.connect() as connection:
        history = connection.execute(
            text("SELECT waived, declared_by, set_by FROM approval_waivers ORDER BY id")
        ).all()
    assert [(bool(w), d, s) for w, d, s in history] == [
        (True, "bob", "registrar"), (False, "alice", "registrar"),
    ]  # fmt: skip


def test_the_waiver_needs_a_rulebook_that_allows_it(engine: Engine) -> None:
    j, *_ = world(engine, CONTROLS)
    with pytest.raises(TanshiError, match="does not let account holders waive"):
        set_approval_waiver(engine, j, "DP-OH-A", True, "bob", "registrar", at("2017-04-10T11:00"))


def test_each_rule_states_its_out_of_hours_choice_and_the_eu_preset_queues() -> None:
    unstated = CONTROLS.replace('out_of_hours = "refuse"\n', "")
    _, issues = parse_rulebook(preset_text("demo-province") + unstated)
    errors = [i.where for i in issues if i.severity.value == "error"]
    assert len(errors) == 1 and errors[0].endswith(" registry[0].out_of_hours")
    eu, _ = parse_rulebook(preset_text("eu-ets"))
    assert eu is not None
    [rule] = eu.registry
    assert (rule.out_of_hours, rule.same_holder_trusted, rule.second_approval_waiver) == (
        "queue", True, True,
    )  # fmt: skip
    assert "Art. 35(2)" in rule.source
