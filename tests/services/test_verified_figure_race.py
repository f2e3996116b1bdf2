"""A verifier's conclusion and an entered figure of one company-year at once: one of them is
refused or replaces the other as when they come one after the other, never an error.

On PostgreSQL the conclusion used to lock only the case: an entry (which locks the company)
that passed its "already reported?" check before the conclusion's insert deadlocked with it
(the conclusion's foreign-key check waits for the company's lock, the entry's insert for the
conclusion's row), and an entry committed between the conclusion's check and its insert made
the conclusion fail on the unique key. The conclusion now locks the company's row before the
case's, the order a submission takes them in.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from lock_waits import lock_waits
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.mrv.verification_workflow import Actor, CaseState
from tanshi.resources import load_rulebook, parameter_table, verification_rules
from tanshi.scenario.monthly import plan_for, report_for
from tanshi.services import jurisdiction, verified_entry
from tanshi.services import verification as vf
from tanshi.store.schema import emission_reports

NOW = datetime(2017, 4, 1, 12, tzinfo=UTC)
RULES = verification_rules("demo-province")
VERIFIED_KG = 7_321_200  # 12 000 MWh × 0.6101 t/MWh
ENTERED = Decimal(700)


def _assigned(engine: Engine) -> jurisdiction.Jurisdiction:
    """Demo Province with A's 2016 report submitted and assigned to VB1."""
    rulebook, text = load_rulebook("demo-province")
    j = jurisdiction.open_jurisdiction(engine, rulebook, text, NOW, is_demo=False)
    jurisdiction.register_company(engine, j, "A", "Alpha", "power")
    assert vf.register_body(engine, "VB1", "VB1", NOW) == []
    records = [ActivityRecord("A", 2016, SourceKind.ELECTRICITY, "grid", Decimal(12000), "MWh")]
    assert vf.file_plan(engine, plan_for("A", records, 2016), NOW) == []
    report = report_for(records, "A", 2016, Decimal("7321.2"))
    assert vf.submit_report(engine, j, parameter_table(), RULES, report, Actor("company", "A"),
                            NOW).ok  # fmt: skip
    assert vf.assign(engine, RULES, "A", 2016, "VB1", vf.REGULATOR, NOW).ok
    return j


def _verify(engine: Engine, j: jurisdiction.Jurisdiction) -> CaseState | None:
    return vf.verify(engine, j, RULES, "A", 2016, Actor("body", "VB1"), NOW).state


def _enter(engine: Engine) -> list[str]:
    issues = verified_entry.enter_verified_emissions(engine, "A", 2016, ENTERED, "test")
    return [issue.code for issue in issues]


def _stored(engine: Engine) -> list[tuple[int, str]]:
    query = select(emission_reports.c.verified_kg, emission_reports.c.verification_method)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def test_one_after_the_other(engine: Engine) -> None:
    """The sequential paths the races must match: an entry after the conclusion is refused;
    a conclusion after an entry replaces the entered figure."""
    j = _assigned(engine)
    assert _verify(engine, j) is CaseState.VERIFIED
    assert _enter(engine) == ["report_exists"]
    assert _stored(engine) == [(VERIFIED_KG, "verification_body")]


def test_a_conclusion_after_an_entry_replaces_it(engine: Engine) -> None:
    j = _assigned(engine)
    assert _enter(engine) == []
    assert _verify(engine, j) is CaseState.VERIFIED
    assert _stored(engine) == [(VERIFIED_KG, "verification_body")]


def _postgres_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the competing writer waits at BEGIN IMMEDIATE, before it reads")


def test_an_entry_asked_for_during_the_conclusion_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry waits for the conclusion's company lock, then finds the verified figure."""
    _postgres_only(engine)
    j = _assigned(engine)
    real_findings, entered, waiting = vf.standing_findings, [], []

    def findings_while_an_entry_is_asked_for(connection, report_id):
        thread = threading.Thread(target=lambda: entered.append(_enter(engine)))
        thread.start()
        waiting.append(lock_waits(engine, thread))
        findings_while_an_entry_is_asked_for.thread = thread  # type: ignore[attr-defined]
        return real_findings(connection, report_id)

    monkeypatch.setattr(vf, "standing_findings", findings_while_an_entry_is_asked_for)
    assert _verify(engine, j) is CaseState.VERIFIED
    findings_while_an_entry_is_asked_for.thread.join()  # type: ignore[attr-defined]
    assert waiting == [1]  # the entry waited for the conclusion's lock
    assert entered == [["report_exists"]]
    assert _stored(engine) == [(VERIFIED_KG, "verification_body")]


def test_a_conclusion_asked_for_after_an_entrys_check_waits_and_replaces_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conclusion waits for the entry's company lock, then replaces the entered figure
    (it used to deadlock with the entry)."""
    _postgres_only(engine)
    j = _assigned(engine)
    real_read, concluded, waiting = verified_entry.report_id, [], []

    def check_then_a_conclusion_is_asked_for(connection, *args):
        found = real_read(connection, *args)
        thread = threading.Thread(target=lambda: concluded.append(_verify(engine, j)))
        thread.start()
        waiting.append(lock_waits(engine, thread))
        check_then_a_conclusion_is_asked_for.thread = thread  # type: ignore[attr-defined]
        return found

    monkeypatch.setattr(verified_entry, "report_id", check_then_a_conclusion_is_asked_for)
    assert _enter(engine) == []
    check_then_a_conclusion_is_asked_for.thread.join()  # type: ignore[attr-defined]
    assert waiting == [1]
    assert concluded == [CaseState.VERIFIED]
    assert _stored(engine) == [(VERIFIED_KG, "verification_body")]
