"""The verification state machine, table-driven: every action from every state, by every actor."""

from __future__ import annotations

import pytest

from tanshi.mrv.verification_workflow import (
    TRANSITIONS,
    Action,
    Actor,
    Body,
    Case,
    CaseState,
    ResultCode,
    check,
    consecutive_years,
)

S = CaseState
REGULATOR, COMPANY = Actor("regulator"), Actor("company", "A")
VERIFIER, RECHECKER, OTHER = Actor("body", "VB1"), Actor("body", "VB2"), Actor("body", "VB3")
GOOD = Body("VB3", accredited=True)

# action, the actor allowed, the states it may start from (None: no case yet).
ALLOWED = """
submit          company    none
resubmit        company    correction_requested
assign          regulator  submitted
reassign        regulator  assigned
record_finding  verifier   assigned in_verification
withdraw_finding verifier  in_verification
verify          verifier   assigned in_verification
assign_recheck  regulator  verified
record_recheck  rechecker  recheck_assigned
"""
ACTORS = {"company": COMPANY, "regulator": REGULATOR, "verifier": VERIFIER, "rechecker": RECHECKER}
TABLE = {
    Action(words[0]): (ACTORS[words[1]], {None if w == "none" else S(w) for w in words[2:]})
    for words in map(str.split, ALLOWED.strip().splitlines())
}


def case(state: CaseState | None) -> Case:
    return Case("A", 2016, state, body="VB1", recheck_body="VB2")


def test_the_documented_table_is_the_code_table() -> None:
    for action, transition in TRANSITIONS.items():
        assert transition.sources == TABLE[action][1], action


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", [None, *CaseState])
@pytest.mark.parametrize("actor", [REGULATOR, COMPANY, VERIFIER, RECHECKER, OTHER], ids=str)
def test_every_action_from_every_state(action: Action, state, actor: Actor) -> None:
    allowed_actor, sources = TABLE[action]
    result = check(action, case(state), actor, body=GOOD)
    if state is None and action is not Action.SUBMIT:
        expected = ResultCode.CASE_UNKNOWN
    elif state is not None and action is Action.SUBMIT:
        expected = ResultCode.CASE_EXISTS
    elif actor != allowed_actor:
        expected = ResultCode.NOT_PERMITTED
    elif state not in sources:
        expected = ResultCode.INVALID_STATE
    else:
        expected = ResultCode.OK
    assert result is expected


def test_a_company_may_not_act_for_another() -> None:
    assert check(Action.SUBMIT, case(None), Actor("company", "B")) is ResultCode.NOT_PERMITTED


ASSIGNMENTS = [
    # body, conflicts, history (year: body), expected — in precedence order
    (None, set(), {}, ResultCode.BODY_UNKNOWN),
    (Body("VB3", False), {"VB3"}, {}, ResultCode.BODY_NOT_ACCREDITED),
    (Body("VB3", True), {"VB3"}, {2015: "VB3", 2014: "VB3", 2013: "VB3"},
     ResultCode.CONFLICT_OF_INTEREST),
    (Body("VB3", True), set(), {2015: "VB3", 2014: "VB3", 2013: "VB3"}, ResultCode.ROTATION_LIMIT),
    (Body("VB3", True), set(), {2015: "VB3", 2014: "VB3", 2012: "VB3"}, ResultCode.OK),
    (Body("VB3", True), set(), {2015: "VB3", 2014: "VB1", 2013: "VB3"}, ResultCode.OK),
]  # fmt: skip


@pytest.mark.parametrize(("body", "conflicts", "history", "expected"), ASSIGNMENTS)
@pytest.mark.parametrize(("action", "state"), [(Action.ASSIGN, S.SUBMITTED),
                                               (Action.REASSIGN, S.ASSIGNED)])  # fmt: skip
def test_assignment_rules(action, state, body, conflicts, history, expected) -> None:
    """A reassignment (before the body recorded anything) is checked as an assignment."""
    result = check(
        action, case(state), REGULATOR, body=body, conflicts=frozenset(conflicts),
        history=history, max_consecutive_years=3,
    )  # fmt: skip
    assert result is expected


def test_a_body_that_started_cannot_be_replaced() -> None:
    for state in (S.IN_VERIFICATION, S.CORRECTION_REQUESTED, S.VERIFIED):
        assert check(Action.REASSIGN, case(state), REGULATOR, body=GOOD) is (
            ResultCode.INVALID_STATE)  # fmt: skip
    assert check(Action.ASSIGN, case(S.ASSIGNED), REGULATOR, body=GOOD) is (
        ResultCode.INVALID_STATE)  # fmt: skip


def test_a_withdrawal_needs_a_standing_finding_of_the_body() -> None:
    working = case(S.IN_VERIFICATION)
    assert check(Action.WITHDRAW_FINDING, working, VERIFIER) is ResultCode.OK
    assert check(Action.WITHDRAW_FINDING, working, VERIFIER, finding_known=False) is (
        ResultCode.FINDING_UNKNOWN)  # fmt: skip
    assert check(Action.WITHDRAW_FINDING, working, VERIFIER, finding_valid=False,
                 finding_known=False) is ResultCode.FINDING_INVALID  # fmt: skip
    assert check(Action.WITHDRAW_FINDING, working, OTHER) is ResultCode.NOT_PERMITTED
    concluded = case(S.VERIFIED)
    assert check(Action.WITHDRAW_FINDING, concluded, VERIFIER) is ResultCode.INVALID_STATE


def test_rotation_counts_only_unbroken_runs_before_the_year() -> None:
    history = {2013: "X", 2014: "X", 2015: "Y", 2016: "X", 2017: "X"}
    assert consecutive_years(history, "X", 2018) == 2
    assert consecutive_years(history, "Y", 2018) == 0
    assert consecutive_years(history, "X", 2016) == 0
    assert consecutive_years(history, "X", 2015) == 2


def test_a_recheck_needs_another_body() -> None:
    state = case(S.VERIFIED)
    same = check(Action.ASSIGN_RECHECK, state, REGULATOR, body=Body("VB1", True))
    assert same is ResultCode.RECHECK_BY_SAME_BODY
    assert check(Action.ASSIGN_RECHECK, state, REGULATOR, body=GOOD) is ResultCode.OK


def test_rotation_does_not_apply_to_rechecks() -> None:
    history = {2015: "VB3", 2014: "VB3", 2013: "VB3"}
    result = check(Action.ASSIGN_RECHECK, case(S.VERIFIED), REGULATOR, body=GOOD,
                   history=history, max_consecutive_years=3)  # fmt: skip
    assert result is ResultCode.OK


def test_invalid_findings_and_reports_come_last() -> None:
    assert (
        check(Action.RECORD_FINDING, case(S.ASSIGNED), VERIFIER, finding_valid=False)
        is ResultCode.FINDING_INVALID
    )
    assert (
        check(Action.SUBMIT, case(None), COMPANY, report_ok=False) is ResultCode.REPORT_HAS_ERRORS
    )
    # the state is checked before the finding itself
    assert (
        check(Action.RECORD_FINDING, case(S.VERIFIED), VERIFIER, finding_valid=False)
        is ResultCode.INVALID_STATE
    )
