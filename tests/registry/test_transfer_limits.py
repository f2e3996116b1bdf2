"""Transfer limits (EU Reg. 2019/1122 Art. 23(3a)-(3b)): an account's own limit per transfer,
changed by two representatives, and the registry-wide threshold above which a transfer goes
only to a trusted account."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from registry_controls import (
    CONTROLS,
    EU_CONTROLS,
    EU_LIMITS,
    EU_LIMITS_BY_REGULATOR,
    EU_LIMITS_CAPPED,
    EU_LIMITS_EITHER,
    at,
    transfer,
    world,
)
from service_world import NOW, World, build_world
from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.registry.limits import transfer_limit_problems
from tanshi.resources import preset_text
from tanshi.rulebook import parse_rulebook
from tanshi.services import account_limits, identity
from tanshi.services.jurisdiction import Jurisdiction, account_id, load_jurisdiction, unit_class_id
from tanshi.services.lifecycle import approve, propose, trust_account
from tanshi.services.principals import Principal

A, B = "DP-OH-A1", "DP-OH-B1"
OVER_OWN = ResultCode.ACCOUNT_TRANSACTION_LIMIT_EXCEEDED
OVER_THRESHOLD = ResultCode.UNTRUSTED_TRANSFER_ABOVE_THRESHOLD


def _check(quantity: int, *, trusted: bool = False, own: int | None = None,
           threshold: int | None = None, limited: bool = True) -> set[ResultCode]:  # fmt: skip
    return transfer_limit_problems(quantity, limited_type=limited, destinations_trusted=trusted,
                                   account_max_units=own, untrusted_max_units=threshold)  # fmt: skip


def test_the_pure_check_refuses_above_each_limit_and_at_it_lets_pass() -> None:
    assert _check(100, own=100, threshold=100) == set()
    assert _check(101, own=100) == {OVER_OWN}
    assert _check(101, threshold=100) == {OVER_THRESHOLD}
    assert _check(101, threshold=100, trusted=True) == set()
    assert _check(101, own=100, threshold=100, trusted=True) == {OVER_OWN}  # trusted or not
    assert _check(101, own=100, threshold=100) == {OVER_OWN, OVER_THRESHOLD}
    assert _check(10**9, own=1, threshold=1, limited=False) == set()  # surrender, retirement
    precedence = list(ResultCode)
    assert precedence.index(ResultCode.DAILY_LIMIT_EXCEEDED) < precedence.index(OVER_OWN)
    assert precedence.index(OVER_OWN) < precedence.index(OVER_THRESHOLD)


@given(st.integers(1, 10**7), st.one_of(st.none(), st.integers(1, 10**7)),
       st.one_of(st.none(), st.integers(1, 10**7)), st.booleans())  # fmt: skip
def test_a_transfer_within_both_limits_is_never_refused(
    quantity: int, own: int | None, threshold: int | None, trusted: bool
) -> None:
    found = _check(quantity, own=own, threshold=threshold, trusted=trusted)
    within_own = own is None or quantity <= own
    within_threshold = threshold is None or quantity <= threshold or trusted
    assert (found == set()) == (within_own and within_threshold)


def _person(world: World, username: str) -> Principal:
    found = identity.principal_named(world.engine, username)
    assert found is not None
    return found


def _service_world(engine: Engine, rules: str) -> tuple[World, Jurisdiction]:
    world = build_world(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r"),
                           {"r": rules})  # fmt: skip
    return world, load_jurisdiction(engine, "DP")


def _set(world: World, j: Jurisdiction, units: int | None) -> None:
    made, issues = account_limits.propose(world.engine, j, A, units, _person(world, "officer-a"),
                                          NOW)  # fmt: skip
    assert made is not None, issues
    done, issues = account_limits.confirm(world.engine, j, A, made.id,
                                          _person(world, "approver-a"), NOW)  # fmt: skip
    assert done is not None, issues


def _transfer(world: World, j: Jurisdiction, key: str, quantity: int):
    with world.engine.connect() as connection:
        a, b = account_id(connection, A), account_id(connection, B)
    unit = unit_class_id(world.engine, j, "DPEA", 2016)
    request = TransactionRequest("transfer", key, (Movement(a, b, unit, quantity),), NOW)
    return propose(world.engine, j, request, "officer-a", NOW)


def test_a_limit_is_proposed_by_one_representative_and_counts_once_another_confirms(
    engine: Engine,
) -> None:
    world, j = _service_world(engine, EU_LIMITS)
    officer, approver = _person(world, "officer-a"), _person(world, "approver-a")
    made, issues = account_limits.propose(engine, j, A, 100, officer, NOW)
    assert made is not None and not issues
    assert (made.max_units_per_transaction, made.requested_by) == (100, "officer-a")
    assert account_limits.current(engine, A) is None  # not before the confirmation
    assert _transfer(world, j, "t0", 150).result is ResultCode.OK
    _, twice = account_limits.propose(engine, j, A, 90, officer, NOW)
    assert [i.code for i in twice] == ["account_limit_request_pending"]
    _, own = account_limits.confirm(engine, j, A, made.id, officer, NOW)
    assert [i.code for i in own] == ["approver_must_differ_from_initiator"]
    done, issues = account_limits.confirm(engine, j, A, made.id, approver, NOW)
    assert done is not None and not issues
    assert (done.max_units_per_transaction, done.requested_by, done.approved_by, done.set_at) == (
        100, "officer-a", "approver-a", NOW)  # fmt: skip
    assert account_limits.current(engine, A) == done and account_limits.pending(engine, A) == []
    refused = _transfer(world, j, "t1", 101)
    assert (refused.status, refused.result) == (ProposalStatus.FAILED, OVER_OWN)
    assert _transfer(world, j, "t2", 100).status is ProposalStatus.AWAITING_APPROVAL
    _, again = account_limits.confirm(engine, j, A, made.id, approver, NOW)
    assert [i.code for i in again] == ["request_not_pending"]


def test_a_proposal_waiting_for_approval_fails_if_the_limit_was_lowered_meanwhile(
    engine: Engine,
) -> None:
    world, j = _service_world(engine, EU_LIMITS)
    _set(world, j, 100)
    waiting = _transfer(world, j, "t1", 80)
    assert waiting.status is ProposalStatus.AWAITING_APPROVAL and waiting.proposal_id
    _set(world, j, 50)
    approved = approve(engine, j, waiting.proposal_id, "approver-a", NOW)
    assert (approved.status, approved.result) == (ProposalStatus.FAILED, OVER_OWN)
    _set(world, j, None)  # removed: no limit of its own any more
    assert account_limits.current(engine, A).max_units_per_transaction is None  # type: ignore[union-attr]
    assert _transfer(world, j, "t2", 400).result is ResultCode.OK


def test_every_reason_a_change_is_refused_and_a_change_withdrawn_or_turned_down(
    engine: Engine,
) -> None:
    world, j = _service_world(engine, EU_LIMITS)
    officer, approver = _person(world, "officer-a"), _person(world, "approver-a")
    _, issues = account_limits.propose(engine, j, A, 0, approver, NOW)
    assert [i.code for i in issues] == [
        "initiator_lacks_right_on_source_account", "limit_must_be_positive"]  # fmt: skip
    _, unchanged = account_limits.propose(engine, j, A, None, officer, NOW)
    assert [i.code for i in unchanged] == ["limit_unchanged"]  # none to remove
    _, unknown = account_limits.propose(engine, j, "DP-OH-ZZ", 5, officer, NOW)
    assert [i.code for i in unknown] == ["unknown_account"]
    first, _ = account_limits.propose(engine, j, A, 10, officer, NOW)
    assert first is not None
    outsider = _person(world, "officer-b")
    assert [i.code for i in account_limits.withdraw(engine, A, first.id, outsider, NOW)] == [
        "account_limit_change_refused"]  # fmt: skip
    _, stranger = account_limits.confirm(engine, j, A, first.id, outsider, NOW)
    assert [i.code for i in stranger] == ["approver_lacks_right_on_source_account"]
    assert account_limits.withdraw(engine, A, first.id, officer, NOW) == []
    second, _ = account_limits.propose(engine, j, A, 10, officer, NOW)
    assert second is not None
    assert account_limits.withdraw(engine, A, second.id, approver, NOW) == []  # turned down
    assert account_limits.current(engine, A) is None
    with engine.connect() as connection:
        states = connection.execute(text("SELECT state FROM admin_requests WHERE action = "
                                         "'account_limit_change' ORDER BY id")).scalars().all()  # fmt: skip
    assert states == ["rejected", "rejected"]


@pytest.mark.parametrize("rules", ["", EU_CONTROLS])
def test_without_the_rule_no_limit_is_offered(engine: Engine, rules: str) -> None:
    world, j = _service_world(engine, rules)
    _, issues = account_limits.propose(engine, j, A, 10, _person(world, "officer-a"), NOW)
    assert [i.code for i in issues] == ["account_limits_not_offered"]


def test_above_the_threshold_a_transfer_goes_only_to_a_trusted_account(engine: Engine) -> None:
    j, a, b, unit = world(engine, EU_LIMITS)
    monday = "2017-04-03T11:00"
    refused = propose(engine, j, transfer("big", a, b, unit, 501, monday), "alice", at(monday))
    assert (refused.status, refused.result) == (ProposalStatus.FAILED, OVER_THRESHOLD)
    at_it = propose(engine, j, transfer("edge", a, b, unit, 500, monday), "alice", at(monday))
    assert at_it.result is ResultCode.OK
    trust_account(engine, j, "DP-OH-A", "DP-OH-B", "alice", "bob", at(monday))
    early = propose(engine, j, transfer("early", a, b, unit, 501, "2017-04-07T11:00"), "alice",
                    at("2017-04-07T11:00"))  # fmt: skip
    assert early.result is OVER_THRESHOLD  # the entry counts from Friday 12:00
    trusted = propose(engine, j, transfer("ok", a, b, unit, 501, "2017-04-07T13:00"), "alice",
                      at("2017-04-07T13:00"))  # fmt: skip
    assert (trusted.status, trusted.result) == (ProposalStatus.AWAITING_APPROVAL, ResultCode.OK)


def test_the_rulebook_check_refuses_bad_limits_and_the_eu_preset_sets_them() -> None:
    for bad, field in (('account_transaction_limits = "one"\n', "account_transaction_limits"),
                       ("untrusted_transfer_max_units = 0\n", "untrusted_transfer_max_units")):  # fmt: skip
        wrong = CONTROLS.replace('out_of_hours = "refuse"\n', f'out_of_hours = "refuse"\n{bad}')
        _, issues = parse_rulebook(preset_text("demo-province") + wrong)
        errors = [i for i in issues if i.severity.value == "error"]
        assert len(errors) == 1 and errors[0].where.endswith(f" registry[0].{field}"), errors
    plain, _ = parse_rulebook(preset_text("demo-province") + CONTROLS)
    assert plain is not None
    assert (plain.registry[0].account_transaction_limits,
            plain.registry[0].untrusted_transfer_max_units) == ("not_offered", None)  # fmt: skip
    eu, _ = parse_rulebook(preset_text("eu-ets"))
    assert eu is not None
    [rule] = eu.registry
    assert (rule.account_transaction_limits, rule.untrusted_transfer_max_units) == (
        "representative_or_regulator", 2_000_000)  # fmt: skip
    assert "Art. 23(3a)" in rule.source and "Art. 23(3b)" in rule.source
    assert "nationalen Verwalter" in rule.source  # the administrator's approval, cited
    assert rule.account_limit_at_most_threshold and "higher than those set by" in rule.source
    for rules in (CONTROLS, EU_CONTROLS):  # no threshold, or no account limits, to cap by
        capped = rules.replace('out_of_hours = "', 'account_limit_at_most_threshold = true\n'
                               'out_of_hours = "')  # fmt: skip
        _, issues = parse_rulebook(preset_text("demo-province") + capped)
        assert [i.code for i in issues if i.severity.value == "error"] == [
            "account_limit_cap_without_limits"]  # fmt: skip
    for mode in ("regulator", "representative_or_regulator"):
        fine = CONTROLS.replace('out_of_hours = "refuse"\n', 'out_of_hours = "refuse"\n'
                                f'account_transaction_limits = "{mode}"\n')  # fmt: skip
        parsed, _ = parse_rulebook(preset_text("demo-province") + fine)
        assert parsed is not None and parsed.registry[0].account_transaction_limits == mode


# Who confirms under each rule: (the account's approver, the jurisdiction's regulator).
CONFIRMS = {
    EU_LIMITS: (None, "approver_lacks_right_on_source_account"),
    EU_LIMITS_BY_REGULATOR: ("account_limit_needs_regulator", None),
    EU_LIMITS_EITHER: (None, None),
}


@pytest.mark.parametrize("rules", list(CONFIRMS), ids=["representatives", "regulator", "either"])
@pytest.mark.parametrize("confirmer", ["approver-a", "regulator"])
def test_a_second_representative_or_the_regulator_confirms_as_the_rule_says(
    engine: Engine, rules: str, confirmer: str
) -> None:
    world, j = _service_world(engine, rules)
    made, _ = account_limits.propose(engine, j, A, 100, _person(world, "officer-a"), NOW)
    assert made is not None
    refused = CONFIRMS[rules][confirmer == "regulator"]
    done, issues = account_limits.confirm(engine, j, A, made.id, _person(world, confirmer), NOW)
    if refused is not None:
        assert done is None and [i.code for i in issues] == [refused]
        assert [r.id for r in account_limits.pending(engine, A)] == [made.id]  # still waits
        assert _transfer(world, j, "t1", 101).result is ResultCode.OK
        return
    assert done is not None and not issues and done.approved_by == confirmer
    assert account_limits.current(engine, A) == done
    assert _transfer(world, j, "t1", 101).result is OVER_OWN


def test_the_regulator_who_may_confirm_also_turns_a_change_down_and_no_other_may(
    engine: Engine,
) -> None:
    world, j = _service_world(engine, EU_LIMITS_BY_REGULATOR)
    officer, regulator = _person(world, "officer-a"), _person(world, "regulator")
    made, _ = account_limits.propose(engine, j, A, 100, officer, NOW)
    assert made is not None
    _, stranger = account_limits.confirm(engine, j, A, made.id, _person(world, "officer-b"), NOW)
    assert [i.code for i in stranger] == ["account_limit_needs_regulator"]
    elsewhere = dataclasses.replace(regulator, jurisdiction="XX")  # another jurisdiction's
    _, foreign = account_limits.confirm(engine, j, A, made.id, elsewhere, NOW)
    assert [i.code for i in foreign] == ["account_limit_needs_regulator"]
    # Turning down asks for the jurisdiction: without it the regulator is an outsider.
    assert [i.code for i in account_limits.withdraw(engine, A, made.id, regulator, NOW)] == [
        "account_limit_change_refused"]  # fmt: skip
    assert account_limits.withdraw(engine, A, made.id, regulator, NOW, j) == []
    assert account_limits.pending(engine, A) == [] and account_limits.current(engine, A) is None
    # The regulator proposes nothing: a change is the holder's (Art. 23(3b)).
    _, issues = account_limits.propose(engine, j, A, 100, regulator, NOW)
    assert [i.code for i in issues] == ["initiator_lacks_right_on_source_account"]
    swap = {"old": 'account_transaction_limits = "regulator"',
            "new": 'account_transaction_limits = "two_representatives"'}  # fmt: skip
    with engine.begin() as connection:  # the rule becomes two representatives'
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = replace("
                                "rulebook_text, :old, :new)"), swap)  # fmt: skip
    plain = load_jurisdiction(engine, "DP")
    again, _ = account_limits.propose(engine, plain, A, 50, officer, NOW)
    assert again is not None
    assert [i.code for i in account_limits.withdraw(engine, A, again.id, regulator, NOW,
                                                    plain)] == ["account_limit_change_refused"]  # fmt: skip


def test_where_the_rule_caps_them_an_account_limit_is_at_most_the_registry_threshold(
    engine: Engine,
) -> None:
    world, j = _service_world(engine, EU_LIMITS_CAPPED)
    officer, approver = _person(world, "officer-a"), _person(world, "approver-a")
    assert account_limits.cap(j, NOW) == 500
    _, above = account_limits.propose(engine, j, A, 501, officer, NOW)
    assert [(i.code, i.where) for i in above] == [
        ("limit_above_registry_threshold", "max_units_per_transaction")]  # fmt: skip
    _set(world, j, 500)  # at the threshold: allowed
    assert account_limits.current(engine, A).max_units_per_transaction == 500  # type: ignore[union-attr]
    removal, issues = account_limits.propose(engine, j, A, None, officer, NOW)
    assert removal is not None and not issues  # removing is never above it
    assert account_limits.withdraw(engine, A, removal.id, officer, NOW) == []
    # Proposed where uncapped, confirmed once the rule caps: the rule at the confirmation counts.
    plain = _service_world_again(engine, EU_LIMITS)
    big, _ = account_limits.propose(engine, plain, A, 900, officer, NOW)
    assert big is not None
    _, late = account_limits.confirm(engine, j, A, big.id, approver, NOW)
    assert [i.code for i in late] == ["limit_above_registry_threshold"]
    assert account_limits.confirm(engine, plain, A, big.id, approver, NOW)[0] is not None


def _service_world_again(engine: Engine, rules: str) -> Jurisdiction:
    """The jurisdiction of ``_service_world`` as another rulebook text would load it."""
    source = preset_text("demo-province") + rules
    with engine.begin() as connection:
        saved = connection.execute(text("SELECT rulebook_text FROM jurisdictions")).scalar_one()
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = :r"), {"r": source})
    other = load_jurisdiction(engine, "DP")
    with engine.begin() as connection:
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = :r"), {"r": saved})
    return other
