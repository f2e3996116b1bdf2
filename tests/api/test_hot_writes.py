"""api/hot_writes.py answers POST /v1/transfers as its FastAPI route does, refusals included."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from service_world import build_world
from tanshi.api import hot_writes
from tanshi.api.hot_writes import HotWrites
from tanshi.store.schema import audit_log, proposals

POSTGRES_ONLY = pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
TRANSFER = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
            "quantity_t": 100}  # fmt: skip


@POSTGRES_ONLY
def test_a_transfer_is_answered_recorded_and_refused_as_by_the_route(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(engine)
    officer = world.token("officer-a")
    no_propose = world.token("officer-a", ["read"])
    json_type = {"Content-Type": "application/json"}
    # (body, headers, key): each pass of the test uses its own keys, with a prefix
    asks: list[tuple[object, dict[str, str], str | None]] = [
        (TRANSFER, officer, "k1"),  # 202, awaiting approval
        (TRANSFER, officer, "k1"),  # the same again: the kept answer
        (TRANSFER | {"quantity_t": 5}, officer, "k1"),  # another body: 409
        (TRANSFER, officer, None),  # no key: 400
        (TRANSFER, {}, None),  # no key and no token: still the key's 400 first
        (TRANSFER, {"Authorization": "Bearer tsk_unknown"}, "k2"),  # 401
        (TRANSFER, no_propose, "k3"),  # 403
        (TRANSFER | {"quantity_t": 0}, officer, "k4"),  # 422 from the model
        (TRANSFER | {"extra": 1}, officer, "k5"),
        (TRANSFER | {"quantity_t": 0}, {}, "k6"),  # no token, a bad body: the token's 401
        ("{not json", officer | json_type, "k7"),
        (json.dumps(TRANSFER), officer | {"Content-Type": "text/plain"}, "k8"),
        (TRANSFER | {"to_account": "NOPE"}, officer, "k9"),  # 422 unknown_account
        (TRANSFER | {"from_account": "DP-OH-B1"}, officer, "k10"),  # not theirs: 404
        (TRANSFER | {"unit_class": "NOPE-1"}, officer, "k11"),  # 422 unknown_unit_class
        (TRANSFER | {"quantity_t": 10**9}, officer, "k12"),  # more than held: a failed proposal
    ]
    accepted: list[bool] = []
    decide = hot_writes._accepted

    async def counted(request, raw):
        found = await decide(request, raw)
        accepted.append(found is not None)
        return found

    monkeypatch.setattr(hot_writes, "_accepted", counted)
    app = world.client.app
    hot = next(m for m in app.user_middleware if m.cls is HotWrites)
    where = app.user_middleware.index(hot)

    def ask_all(prefix: str) -> list[tuple[int, list[tuple[str, str]], object]]:
        answers = []
        with TestClient(app, base_url="http://testserver") as started:
            assert started.app.state.service.reads is not None  # PostgreSQL, started
            for body, headers, key in asks:
                sent = headers | ({"Idempotency-Key": prefix + key} if key else {})
                if isinstance(body, str):
                    answer = started.post("/v1/transfers", content=body, headers=sent)
                else:
                    answer = started.post("/v1/transfers", json=body, headers=sent)
                shown = answer.json()
                if isinstance(shown, dict) and "id" in shown:
                    shown["id"] = "a proposal id"  # the second pass's proposals are new ones
                answers.append((answer.status_code, sorted(
                    (k, v) for k, v in answer.headers.multi_items() if k != "content-length"
                ), shown))  # fmt: skip
        return answers

    app.user_middleware.remove(hot)  # the route alone
    app.middleware_stack = None
    by_route = ask_all("route-")
    assert accepted == []
    app.user_middleware.insert(where, hot)
    app.middleware_stack = None
    by_hot_writes = ask_all("hot-")
    assert by_hot_writes == by_route
    assert [status for status, _, _ in by_route] == [
        202, 202, 409, 400, 400, 401, 403, 422, 422, 401, 422, 422, 422, 404, 422, 422
    ]  # fmt: skip
    # taken by the hot path: every ask whose key and body FastAPI would accept
    assert accepted == [True, True, True, False, False, True, True, False, False, False,
                        False, False, True, True, True, True]  # fmt: skip
    with engine.connect() as connection:
        lines = connection.execute(
            select(audit_log.c.action, audit_log.c.target, audit_log.c.result,
                   audit_log.c.detail)
            .where(audit_log.c.action == "transfer").order_by(audit_log.c.id)
        ).all()  # fmt: skip
        recorded = connection.execute(
            select(proposals.c.status, proposals.c.result, proposals.c.idempotency_key)
            .order_by(proposals.c.id)
        ).all()  # fmt: skip

    def of(prefix: str, rows: list, key_of) -> list:
        return [(*row[:-1], key_of(row).removeprefix(prefix)) for row in rows
                if key_of(row).startswith(prefix)]  # fmt: skip

    def line_key(row) -> str:
        return row.detail["key"]

    def proposal_key(row) -> str:
        return row.idempotency_key.rsplit("/", 1)[-1]

    assert of("route-", lines, line_key) == of("hot-", lines, line_key) != []
    assert of("route-", recorded, proposal_key) == of("hot-", recorded, proposal_key) != []
