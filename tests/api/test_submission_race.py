"""Two submissions of one company-year's report at once through the API: one is stored, the
other refused as a sequential duplicate is (409 ``case_exists``), never a 500.

The submission locks the company's row before it looks for the case; on SQLite the
competing request waits at BEGIN IMMEDIATE instead.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from grid_site_text import REPORT_CSV, STATED_T, grid_site_plan
from lock_waits import lock_waits
from service_world import World
from tanshi.services import verification_submission
from tanshi.store.schema import verification_cases

REPORT = {"year": 2016, "stated_t": STATED_T, "csv": REPORT_CSV}


def test_a_report_submitted_during_the_check_is_refused_as_a_duplicate(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = world.token("officer-a")
    filed = world.client.post("/v1/monitoring-plans", json={"toml": grid_site_plan("A1")},
                              headers=officer | {"Idempotency-Key": "p1"})  # fmt: skip
    assert filed.status_code == 201, filed.json()
    real_lock, threads, competing, waiting = verification_submission.lock_case, [], [], []

    def submit(key: str) -> Any:
        return world.client.post("/v1/reports", json=REPORT,
                                 headers=officer | {"Idempotency-Key": key})  # fmt: skip

    def look_while_another_submission_comes(connection, *args):
        found = real_lock(connection, *args)
        if not threads:  # the first submission found no case; a second one comes
            threads.append(threading.Thread(target=lambda: competing.append(submit("r2"))))
            threads[0].start()
            if world.engine.dialect.name == "postgresql":
                waiting.append(lock_waits(world.engine, threads[0]))
        return found

    monkeypatch.setattr(verification_submission, "lock_case", look_while_another_submission_comes)
    first = submit("r1")
    threads[0].join()
    assert first.status_code == 201, first.json()
    (second,) = competing
    assert (second.status_code, second.json()["error"]["code"]) == (409, "case_exists")
    if world.engine.dialect.name == "postgresql":
        assert waiting == [1]  # the second submission waited for the company's lock
    with world.engine.connect() as connection:
        cases = connection.execute(select(func.count()).select_from(verification_cases))
        assert cases.scalar_one() == 1
