"""Two reports of one company-year at once: the second is refused as already reported.

On PostgreSQL both used to pass the "report exists" check and the second hit the unique key
(an IntegrityError); the check now runs under a lock on the company's row. On SQLite the
competing writer waits at BEGIN IMMEDIATE, before its check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from lock_waits import lock_waits
from tanshi.core.errors import InputRejected
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services import jurisdiction, mrv, verified_entry
from tanshi.store.schema import emission_reports

NOON = datetime(2016, 8, 1, 4, tzinfo=UTC)


def _report(engine: Engine, j: jurisdiction.Jurisdiction) -> list[str]:
    """report_and_verify's refusal codes ([] when it stored the report)."""
    try:
        mrv.report_and_verify(engine, j, parameter_table(), "A", 2013)
    except InputRejected as refused:
        return [issue.code for issue in refused.issues]
    return []


def _enter(engine: Engine, j: jurisdiction.Jurisdiction) -> list[str]:
    issues = verified_entry.enter_verified_emissions(engine, "A", 2013, Decimal(700), "test")
    return [issue.code for issue in issues]


@pytest.mark.parametrize("write", [_report, _enter], ids=["report_and_verify", "entered"])
def test_a_report_asked_for_during_the_check_is_refused_as_already_reported(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    write: Callable[[Engine, jurisdiction.Jurisdiction], list[str]],
) -> None:
    rulebook, source = load_rulebook("demo-province")
    j = jurisdiction.open_jurisdiction(engine, rulebook, source, NOON, is_demo=False)
    jurisdiction.register_company(engine, j, "A", "Alpha", "power")
    record = ActivityRecord("A", 2013, SourceKind.ELECTRICITY, "grid", Decimal(100), "MWh")
    assert mrv.record_activity(engine, [record]) == []
    real_read = mrv.report_id
    threads: list[threading.Thread] = []
    competing: list[list[str]] = []
    waiting: list[int] = []

    def read_while_another_report_is_asked_for(connection, *args):
        found = real_read(connection, *args)
        if not threads:  # the first check found no report; another request records one
            threads.append(threading.Thread(target=lambda: competing.append(write(engine, j))))
            threads[0].start()
            if engine.dialect.name == "postgresql":
                waiting.append(lock_waits(engine, threads[0]))
        return found

    monkeypatch.setattr(mrv, "report_id", read_while_another_report_is_asked_for)
    monkeypatch.setattr(verified_entry, "report_id", read_while_another_report_is_asked_for)
    first = write(engine, j)
    threads[0].join()
    assert first == []
    assert competing == [["report_exists"]]  # as a sequential duplicate is refused
    if engine.dialect.name == "postgresql":
        assert waiting == [1]  # the competing request waited for the company's lock
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(emission_reports))
        assert stored.scalar_one() == 1
