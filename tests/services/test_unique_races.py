"""Two requests writing one unique key at once: the later gets the answer a request one after
the other gets (a refusal as an Issue or TanshiError, or the row already there), never an
IntegrityError, and what the first wrote stays whole.

On PostgreSQL the competing request runs in a thread on its own connection after the first
inserted its row: its check finds nothing (the row is not committed), its insert waits for
the first to commit and then fails on the key. On SQLite writers queue at BEGIN IMMEDIATE, so
there the same two requests run one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from unittest.mock import ANY

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import IntegrityError

from lock_waits import lock_waits
from tanshi.allocation.production import UnitOutput
from tanshi.core.errors import TanshiError
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.resources import load_rulebook
from tanshi.scenario.monthly import plan_for
from tanshi.services import identity, jurisdiction, lifecycle, mrv, verification_setup
from tanshi.services.identity import ORGANISATION_CODE, USERNAME_KEY
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.services.production import record_unit_outputs
from tanshi.store import schema

NOW = datetime(2017, 4, 1, 4, tzinfo=UTC)
PASSWORD = "a long enough password"
SAME = object()  # the later gets what the first got


def _place(engine: Engine) -> jurisdiction.Jurisdiction:
    rulebook, text = load_rulebook("demo-province")
    return jurisdiction.open_jurisdiction(engine, rulebook, text, NOW, is_demo=False)


def _with_company(engine: Engine) -> None:
    jurisdiction.register_company(engine, _place(engine), "A", "Alpha", "power")


def _with_people(engine: Engine) -> None:
    _with_company(engine)
    for person, initiate, approve in (("ann", True, False), ("bob", False, True)):
        lifecycle.add_representative(engine, "DP-OH-A", person, initiate=initiate,
                                     approve=approve)  # fmt: skip
    jurisdiction.register_company(engine, load_jurisdiction(engine, "DP"), "B", "Beta", "power")


def _codes(issues: list[Any]) -> list[str]:
    return [issue.code for issue in issues]


def _refused(write: Callable[[], Any]) -> Any:
    """What ``write`` returned, or the TanshiError it raised (its class name and message)."""
    try:
        return write()
    except TanshiError as error:
        return ("TanshiError", str(error))


def _activity(engine: Engine) -> list[str]:
    record = ActivityRecord("A", 2016, SourceKind.ELECTRICITY, "grid", Decimal(100), "MWh")
    return _codes(mrv.record_activity(engine, [record]))


def _power_company(engine: Engine) -> None:
    rulebook, text = load_rulebook("cn-national-power")
    cn = jurisdiction.open_jurisdiction(engine, rulebook, text, NOW, is_demo=False)
    jurisdiction.register_company(engine, cn, "A", "Alpha", "power")


def _output(engine: Engine) -> list[str]:
    output = UnitOutput("A", "A1", 2019, "coal_above_300mw", "water", Decimal("0.9"),
                        Decimal(0), Decimal(1000), Decimal(0))  # fmt: skip
    return _codes(record_unit_outputs(engine, load_jurisdiction(engine, "CN"), [output], NOW))


def _plan(engine: Engine) -> list[str]:
    records = [ActivityRecord("A", 2016, SourceKind.ELECTRICITY, "grid", Decimal(1), "MWh")]
    return _codes(verification_setup.file_plan(engine, plan_for("A", records, 2016), NOW))


def _body_and_company(engine: Engine) -> None:
    _with_company(engine)
    assert verification_setup.register_body(engine, "VB1", "Body 1", NOW) == []


@dataclass(frozen=True)
class Race:
    """A write raced with itself: the table its key is on, what must be there first, the
    write, and what the later of the two gets (the first gets ``first``)."""

    table: str
    setup: Callable[[Engine], None]
    write: Callable[[Engine], Any]
    later: Any
    first: Any = None


def _user(engine: Engine) -> list[str]:
    _, issues = identity.create_user(engine, "ann", "Ann", "ACME", "auditor", PASSWORD, NOW)
    return _codes(issues)


def _organisation(engine: Engine) -> list[str]:
    return _codes(identity.create_organisation(engine, "ACME", "Acme", "trader", NOW)[1])


def _body(engine: Engine) -> list[str]:
    return _codes(verification_setup.register_body(engine, "VB1", "Body 1", NOW))


def _conflict(engine: Engine) -> list[str]:
    return _codes(verification_setup.declare_conflict(engine, "VB1", "A", "advised", NOW))


def _jurisdiction(engine: Engine) -> Any:
    return _refused(lambda: _place(engine).code)


def _company(engine: Engine) -> int:
    dp = load_jurisdiction(engine, "DP")
    return jurisdiction.register_company(engine, dp, "A", "Alpha", "power")


def _trading_account(engine: Engine) -> int:
    dp = load_jurisdiction(engine, "DP")
    return jurisdiction.open_trading_account(engine, dp, "DP-TR-1", "Maker")


def _unit_class(engine: Engine) -> int:
    return jurisdiction.unit_class_id(engine, load_jurisdiction(engine, "DP"), "DPEA", 2016)


def _representative(engine: Engine) -> None:
    lifecycle.add_representative(engine, "DP-OH-A", "ann", initiate=True, approve=False)


def _trusted(engine: Engine) -> Any:
    dp = load_jurisdiction(engine, "DP")
    return _refused(
        lambda: (
            lifecycle.trust_account(engine, dp, "DP-OH-A", "DP-OH-B", "ann", "bob", NOW)
            and "listed"
        )
    )


def _nothing(engine: Engine) -> None:
    pass


def _just_the_place(engine: Engine) -> None:
    _place(engine)


def _an_organisation(engine: Engine) -> None:
    assert _organisation(engine) == []


LISTED = "DP-OH-B is already on the trusted list of DP-OH-A; remove it first to add it again"
RACES = {
    "user": Race("users", _an_organisation, _user, ["username_taken"], []),
    "organisation": Race("organisations", _nothing, _organisation, ["organisation_exists"], []),
    "verification body": Race("verification_bodies", _nothing, _body, ["body_exists"], []),
    # declaring a conflict again changes nothing
    "conflict declaration": Race("conflict_declarations", _body_and_company, _conflict, [], []),
    "monitoring plan": Race("monitoring_plans", _with_company, _plan, ["plan_version_exists"], []),
    "jurisdiction": Race(
        "jurisdictions",
        _nothing,
        _jurisdiction,
        ("TanshiError", "jurisdiction DP already exists in this database"),
        "DP",
    ),
    # registering the same company, opening the same account or class again gives its id
    "company": Race("companies", _just_the_place, _company, SAME, ANY),
    "trading account": Race("accounts", _with_company, _trading_account, SAME, ANY),
    "unit class": Race("unit_classes", _with_company, _unit_class, SAME, ANY),
    # adding a representative again replaces the rights
    "representative": Race("representatives", _with_company, _representative, None),
    "trusted-list entry": Race(
        "trusted_accounts", _with_people, _trusted, ("TanshiError", LISTED), "listed"
    ),
    "activity data": Race(
        "activity_data", _with_company, _activity, ["activity_already_recorded"], []
    ),
    # the same output again is left as it is
    "unit output": Race("unit_outputs", _power_company, _output, [], []),
}


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(schema.metadata.tables[table]))
        return int(rows.scalar_one())


@pytest.mark.parametrize("race", RACES.values(), ids=RACES.keys())
def test_the_later_of_two_at_once_gets_the_answer_of_one_after_the_other(
    engine: Engine, race: Race
) -> None:
    race.setup(engine)
    before = _count(engine, race.table)
    if engine.dialect.name != "postgresql":
        first = race.write(engine)
        assert first == race.first
        assert race.write(engine) == (first if race.later is SAME else race.later)
        assert _count(engine, race.table) == before + 1  # the first's row, whole
        return
    later: list[Any] = []
    waiting: list[int] = []
    prefix = f"INSERT INTO {race.table} "

    def after_the_first_insert(_conn, _cursor, statement, *_args) -> None:
        if waiting or not statement.startswith(prefix):
            return
        waiting.append(-1)  # the competing request's own insert does not start another

        def compete() -> None:
            try:
                later.append(race.write(engine))
            except Exception as error:  # an IntegrityError: the assertion below shows it
                later.append(error)

        thread = threading.Thread(target=compete)
        thread.start()
        waiting[0] = lock_waits(engine, thread)
        after_the_first_insert.thread = thread  # type: ignore[attr-defined]

    event.listen(engine, "after_cursor_execute", after_the_first_insert)
    try:
        first = race.write(engine)
    finally:
        event.remove(engine, "after_cursor_execute", after_the_first_insert)
    after_the_first_insert.thread.join()  # type: ignore[attr-defined]
    assert waiting == [1]  # the competing insert waited for the first to commit
    assert first == race.first
    assert later == [first if race.later is SAME else race.later]
    assert _count(engine, race.table) == before + 1


def test_a_duplicate_is_told_apart_from_other_integrity_errors(engine: Engine) -> None:
    """Only a duplicate of the key is answered as the refusal; any other failure is raised."""
    identity.create_organisation(engine, "ACME", "Acme", "trader", NOW)
    row = {"username": "ann", "display_name": "Ann", "organisation_id": 1, "role": "auditor",
           "password_hash": "x", "failed_logins": 0, "active": True, "created_at": NOW,
           "locale": "en", "must_change_password": False}  # fmt: skip
    with engine.begin() as connection:
        connection.execute(schema.users.insert().values(row))
    for changed, duplicate in (({}, True), ({"username": "bob", "organisation_id": 99}, False)):
        with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
            connection.execute(schema.users.insert().values(row | changed))
        assert USERNAME_KEY.taken(raised.value) is duplicate
        assert not ORGANISATION_CODE.taken(raised.value)
