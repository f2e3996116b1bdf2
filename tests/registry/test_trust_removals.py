"""Trusted-list removals by two representatives where the rulebook says so (EU Reg.
2019/1122 Art. 23(4)), and by one at once where it does not."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from registry_controls import CONTROLS, EU_CONTROLS, EU_TWO_TO_REMOVE
from service_world import NOW, World, build_world
from tanshi.core.errors import TanshiError
from tanshi.resources import preset_text
from tanshi.rulebook import parse_rulebook
from tanshi.services import identity, trust_requests
from tanshi.services.jurisdiction import Jurisdiction, load_jurisdiction
from tanshi.services.principals import Principal
from tanshi.services.trusted_list import removal_needs_two, trusted_list, untrust_account

A, C = "DP-OH-A1", "DP-OH-C1"


def _person(world: World, username: str) -> Principal:
    found = identity.principal_named(world.engine, username)
    assert found is not None
    return found


def _with(engine: Engine, rules: str) -> tuple[World, Jurisdiction]:
    """The service world with ``rules`` appended to its rulebook, and C1 on A1's list."""
    world = build_world(engine)
    if rules:
        with engine.begin() as connection:
            connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text "
                                    "|| :r"), {"r": rules})  # fmt: skip
    j = load_jurisdiction(engine, "DP")
    made, issues = trust_requests.propose(engine, A, C, _person(world, "officer-a"), NOW)
    assert made is not None, issues
    done, issues = trust_requests.confirm(engine, j, A, made.id, _person(world, "approver-a"), NOW)
    assert isinstance(done, trust_requests.Confirmed), issues
    return world, j


def _decisions(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT r.action, r.state, u.username FROM admin_requests r "
            "LEFT JOIN users u ON u.id = r.decided_by ORDER BY r.id")).all()  # fmt: skip
    return [tuple(row) for row in rows]


def test_a_removal_waits_for_a_second_representative_then_counts_at_once(
    engine: Engine,
) -> None:
    world, j = _with(engine, EU_TWO_TO_REMOVE)
    officer, approver = _person(world, "officer-a"), _person(world, "approver-a")
    assert removal_needs_two(j, NOW)
    made, issues = trust_requests.remove(engine, j, A, C, officer, NOW)
    assert isinstance(made, trust_requests.TrustRequest) and not issues
    assert (made.change, made.trusted, made.requested_by) == ("remove", C, "officer-a")
    assert [e.account for e in trusted_list(engine, A)] == [C]  # still trusted meanwhile
    assert [(r.id, r.change) for r in trust_requests.pending(engine, A)] == [(made.id, "remove")]
    with pytest.raises(TanshiError, match="two representatives"):
        untrust_account(engine, j, A, C, "officer-a", NOW)  # one alone may not
    _, own = trust_requests.confirm(engine, j, A, made.id, officer, NOW)
    assert [i.code for i in own] == ["approver_must_differ_from_initiator"]
    done, issues = trust_requests.confirm(engine, j, A, made.id, approver, NOW)
    assert isinstance(done, trust_requests.Removed), issues
    assert (done.requested_by, done.approved_by, done.removed_at) == (
        "officer-a", "approver-a", NOW)  # fmt: skip
    assert trusted_list(engine, A) == [] and trust_requests.pending(engine, A) == []
    with engine.connect() as connection:
        logged = connection.execute(text(
            "SELECT requested_by, approved_by, removed_by FROM trusted_list_removals")).all()  # fmt: skip
    assert [tuple(row) for row in logged] == [("officer-a", "approver-a", "approver-a")]
    assert _decisions(engine) == [
        ("trusted_account_add", "approved", "approver-a"),
        ("trusted_account_remove", "approved", "approver-a"),
    ]  # fmt: skip
    _, twice = trust_requests.confirm(engine, j, A, made.id, approver, NOW)
    assert [i.code for i in twice] == ["request_not_pending"]


def test_a_removal_is_refused_with_every_reason_and_may_be_withdrawn(engine: Engine) -> None:
    world, j = _with(engine, EU_TWO_TO_REMOVE)
    officer, approver = _person(world, "officer-a"), _person(world, "approver-a")
    _, issues = trust_requests.remove(engine, j, A, "DP-OH-B1", approver, NOW)
    assert [i.code for i in issues] == [
        "initiator_lacks_right_on_source_account", "not_on_trusted_list"]  # fmt: skip
    _, unknown = trust_requests.remove(engine, j, A, "DP-OH-ZZ", officer, NOW)
    assert [i.code for i in unknown] == ["unknown_account"]
    made, _ = trust_requests.remove(engine, j, A, C, officer, NOW)
    assert made is not None
    _, again = trust_requests.remove(engine, j, A, C, officer, NOW)
    assert [i.code for i in again] == ["trusted_account_removal_pending"]
    assert f"(request {made.id})" in again[0].message
    assert trust_requests.withdraw(engine, A, made.id, officer, NOW) == []
    _, late = trust_requests.confirm(engine, j, A, made.id, approver, NOW)
    assert [i.code for i in late] == ["request_not_pending"]
    assert [e.account for e in trusted_list(engine, A)] == [C]
    declined, _ = trust_requests.remove(engine, j, A, C, officer, NOW)
    assert declined is not None
    assert trust_requests.withdraw(engine, A, declined.id, approver, NOW) == []  # turned down
    assert [e.account for e in trusted_list(engine, A)] == [C]


@pytest.mark.parametrize("rules", ["", EU_CONTROLS])
def test_without_the_switch_one_representative_removes_at_once(engine: Engine, rules: str) -> None:
    world, j = _with(engine, rules)
    assert not removal_needs_two(j, NOW)
    done, issues = trust_requests.remove(engine, j, A, C, _person(world, "approver-a"), NOW)
    assert isinstance(done, trust_requests.Removed), issues
    assert (done.requested_by, done.approved_by) == ("approver-a", None)
    assert trusted_list(engine, A) == [] and trust_requests.pending(engine, A) == []
    _, gone = trust_requests.remove(engine, j, A, C, _person(world, "approver-a"), NOW)
    assert [i.code for i in gone] == ["trusted_list_change_refused"]


def test_the_switch_is_checked_and_the_eu_preset_has_two_remove() -> None:
    wrong = CONTROLS.replace('out_of_hours = "refuse"\n',
                             'out_of_hours = "refuse"\ntrusted_list_removal = "two"\n')  # fmt: skip
    _, issues = parse_rulebook(preset_text("demo-province") + wrong)
    errors = [i for i in issues if i.severity.value == "error"]
    assert len(errors) == 1 and errors[0].where.endswith(" registry[0].trusted_list_removal")
    assert "two_representatives" in errors[0].message
    plain, _ = parse_rulebook(preset_text("demo-province") + CONTROLS)
    assert plain is not None and plain.registry[0].trusted_list_removal == "one_representative"
    eu, _ = parse_rulebook(preset_text("eu-ets"))
    assert eu is not None
    [rule] = eu.registry
    assert rule.trusted_list_removal == "two_representatives"
    assert "Art. 23(4)" in rule.source and "German text only" in rule.source
