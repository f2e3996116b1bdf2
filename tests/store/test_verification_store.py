"""The verification tables on SQLite and PostgreSQL: rotation across years, the audit trail
is append-only, and a finding's kind decides whether it carries an amount."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.mrv.verification_workflow import Actor, CaseState, ResultCode
from tanshi.resources import load_rulebook, parameter_table, verification_rules
from tanshi.scenario.monthly import plan_for, report_for
from tanshi.services import jurisdiction
from tanshi.services import verification as vf
from tanshi.services.verification_findings import findings_of, withdraw_finding
from tanshi.store.schema import (
    verification_events,
    verification_finding_withdrawals,
    verification_findings,
)

NOW = datetime(2017, 4, 1, 12, tzinfo=UTC)
RULES = verification_rules("demo-province")


def _open(engine: Engine) -> jurisdiction.Jurisdiction:
    rulebook, text = load_rulebook("demo-province")
    j = jurisdiction.open_jurisdiction(engine, rulebook, text, NOW, is_demo=False)
    jurisdiction.register_company(engine, j, "A", "Alpha", "power")
    for body in ("VB1", "VB2"):
        assert vf.register_body(engine, body, body, NOW) == []
    return j


def _verify_year(engine: Engine, j, year: int, body: str) -> vf.StepOutcome:
    # 12 000 MWh × 0.6101 = 7 321.2 t
    records = [ActivityRecord("A", year, SourceKind.ELECTRICITY, "grid", Decimal(12000), "MWh")]
    if year == 2016:
        assert vf.file_plan(engine, plan_for("A", records, 2016), NOW) == []
    report = report_for(records, "A", year, Decimal("7321.2"))
    submitted = vf.submit_report(engine, j, parameter_table(), RULES, report,
                                 Actor("company", "A"), NOW)  # fmt: skip
    assert submitted.ok, submitted
    assigned = vf.assign(engine, RULES, "A", year, body, vf.REGULATOR, NOW)
    if not assigned.ok:
        return assigned
    return vf.verify(engine, j, RULES, "A", year, Actor("body", body), NOW)


def test_a_body_verifies_a_company_at_most_three_years_running(engine: Engine) -> None:
    j = _open(engine)
    for year in (2016, 2017, 2018):
        assert _verify_year(engine, j, year, "VB1").state is CaseState.VERIFIED
    refused = _verify_year(engine, j, 2019, "VB1")
    assert refused.result is ResultCode.ROTATION_LIMIT
    assert vf.assign(engine, RULES, "A", 2019, "VB2", vf.REGULATOR, NOW).ok
    trail = [(e.action, e.result) for e in vf.events(engine, "A", 2019)]
    assert trail == [("submit", "ok"), ("assign", "rotation_limit"), ("assign", "ok")]


def test_a_declared_conflict_blocks_the_body(engine: Engine) -> None:
    j = _open(engine)
    assert vf.declare_conflict(engine, "VB1", "A", "advised A on its plan", NOW) == []
    assert _verify_year(engine, j, 2016, "VB1").result is ResultCode.CONFLICT_OF_INTEREST
    assert vf.declare_conflict(engine, "VB9", "Z", "x", NOW)[0].code == "body_unknown"


def test_the_audit_trail_and_findings_are_append_only(engine: Engine) -> None:
    j = _open(engine)
    _verify_year(engine, j, 2016, "VB1")
    for statement in (
        update(verification_events).values(result="ok"),
        delete(verification_events),
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(statement)


def test_a_misstatement_needs_an_amount_in_the_database(engine: Engine) -> None:
    j = _open(engine)
    _verify_year(engine, j, 2016, "VB1")
    row = {"case_id": 1, "report_id": 1, "body_id": 1, "kind": "misstatement",
           "misstatement_kg": None, "description": "x", "recorded_at": NOW}  # fmt: skip
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(verification_findings.insert().values(row))


def _race(work) -> list[ResultCode]:
    results: list[ResultCode] = []
    barrier = threading.Barrier(len(work))

    def attempt(step) -> None:
        barrier.wait()
        results.append(step().result)

    threads = [threading.Thread(target=attempt, args=(step,)) for step in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


def test_concurrent_submissions_and_assignments_take_effect_once(engine: Engine) -> None:
    """Four submissions of one report, then four assignments of different bodies, at once."""
    j = _open(engine)
    for body in ("VB3", "VB4"):
        vf.register_body(engine, body, body, NOW)
    records = [ActivityRecord("A", 2016, SourceKind.ELECTRICITY, "grid", Decimal(12000), "MWh")]
    assert vf.file_plan(engine, plan_for("A", records, 2016), NOW) == []
    report = report_for(records, "A", 2016, Decimal("7321.2"))
    submit = functools.partial(vf.submit_report, engine, j, parameter_table(), RULES, report,
                               Actor("company", "A"), NOW)  # fmt: skip
    assert _race([submit] * 4) == sorted([ResultCode.OK] + [ResultCode.CASE_EXISTS] * 3)
    assigns = [
        functools.partial(vf.assign, engine, RULES, "A", 2016, body, vf.REGULATOR, NOW)
        for body in ("VB1", "VB2", "VB3", "VB4")
    ]
    assert _race(assigns) == sorted([ResultCode.OK] + [ResultCode.INVALID_STATE] * 3)
    trail = [e.result for e in vf.events(engine, "A", 2016)]
    assert sorted(trail) == sorted(["ok", "ok"] + ["case_exists"] * 3 + ["invalid_state"] * 3)


def test_a_withdrawal_is_its_own_row_append_only_and_once_per_finding(engine: Engine) -> None:
    j = _open(engine)
    records = [ActivityRecord("A", 2016, SourceKind.ELECTRICITY, "grid", Decimal(12000), "MWh")]
    assert vf.file_plan(engine, plan_for("A", records, 2016), NOW) == []
    report = report_for(records, "A", 2016, Decimal("7321.2"))
    assert vf.submit_report(engine, j, parameter_table(), RULES, report, Actor("company", "A"),
                            NOW).ok  # fmt: skip
    assert vf.assign(engine, RULES, "A", 2016, "VB2", vf.REGULATOR, NOW).ok
    assert vf.reassign(engine, RULES, "A", 2016, "VB1", vf.REGULATOR, NOW).ok  # a mistake fixed
    body = Actor("body", "VB1")
    found = vf.record_finding(engine, "A", 2016, body, "misstatement", "x", NOW,
                              misstatement_tco2=Decimal(-500))  # fmt: skip
    assert found.ok and found.detail["finding_id"] == 1
    too_much = vf.record_finding(engine, "A", 2016, body, "misstatement", "x", NOW,
                                 misstatement_tco2=Decimal("-7321.3"))  # fmt: skip
    assert too_much.result is ResultCode.FINDING_INVALID
    assert [i.code for i in too_much.issues] == ["misstatement_exceeds_report"]
    assert vf.reassign(engine, RULES, "A", 2016, "VB2", vf.REGULATOR, NOW).result is (
        ResultCode.INVALID_STATE)  # fmt: skip
    other = withdraw_finding(engine, "A", 2016, Actor("body", "VB2"), 1, "not mine", NOW)
    assert other.result is ResultCode.NOT_PERMITTED
    assert withdraw_finding(engine, "A", 2016, body, 1, "meter read twice", NOW).ok
    again = withdraw_finding(engine, "A", 2016, body, 1, "again", NOW)
    assert again.result is ResultCode.FINDING_UNKNOWN
    listed = findings_of(engine, "A", 2016)
    assert [(f.id, f.counts, f.withdrawal_reason) for f in listed] == [
        (1, False, "meter read twice")]  # fmt: skip
    done = vf.verify(engine, j, RULES, "A", 2016, body, NOW)
    assert done.detail["verified_t"] == "7321.2"  # the withdrawn -500 t no longer counts
    for statement in (
        update(verification_finding_withdrawals).values(reason="changed"),
        delete(verification_finding_withdrawals),
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(statement)
    row = {"finding_id": 1, "case_id": 1, "body_id": 1, "reason": "y", "withdrawn_at": NOW}
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(verification_finding_withdrawals.insert().values(row))
