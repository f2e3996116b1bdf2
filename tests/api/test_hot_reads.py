"""api/hot_reads.py answers the account and holdings reads exactly as their FastAPI routes do."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service_world import World, build_world
from tanshi.api.hot_reads import HotReads
from tanshi.store.schema import organisations
from two_jurisdictions import add_shenzhen

POSTGRES_ONLY = pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@POSTGRES_ONLY
def test_the_hot_reads_answer_byte_for_byte_as_the_routes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(engine)
    officer, regulator = world.token("officer-a"), world.token("regulator")
    no_read = world.token("officer-a", ["registry:propose"])
    asks = [
        ("/v1/accounts/DP-OH-A1/holdings", officer),
        ("/v1/accounts/DP-OH-A1", officer),
        ("/v1/accounts/DP-OH-A1/holdings?limit=1", officer),  # a query string changes nothing
        ("/v1/accounts/DP-OH-B1/holdings", officer),  # another organisation's: 404
        ("/v1/accounts/DP-OH-B1", officer),
        ("/v1/accounts/NOPE/holdings", officer),
        ("/v1/accounts/DP-OH-B1/holdings", regulator),  # reads every account
        ("/v1/accounts/DP-HOLDING", regulator),  # no holdings left: an empty list
        ("/v1/accounts/DP-HOLDING/holdings", regulator),
        ("/v1/accounts/DP-OH-A1/holdings", {}),  # no token: 401
        ("/v1/accounts/DP-OH-A1", {"Authorization": "Basic b2ZmaWNlcjpw"}),
        ("/v1/accounts/DP-OH-A1/holdings", {"Authorization": "Bearer tsk_unknown"}),
        ("/v1/accounts/DP-OH-A1/holdings", no_read),  # without the read scope: 403
        ("/v1/accounts/DP-OH-A1/holdings/", officer),  # not theirs: FastAPI redirects
        ("/v1/accounts/DP-OH-A1/balances", officer),
    ]
    by_routes, answered = _both_ways(world, asks, monkeypatch)
    assert answered == 13  # every ask but the last two
    statuses = [status for status, _, _ in by_routes]
    assert statuses == [200, 200, 200, 404, 404, 404, 200, 200, 200, 401, 401, 401, 403, 307, 200]
    assert by_routes[7][2].endswith(b'"holdings":[]}') and by_routes[8][2] == b"[]"


def _both_ways(
    world: World, asks: list[tuple[str, dict[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> tuple[list[tuple[int, list[tuple[str, str]], bytes]], int]:
    """The answers to ``asks`` by the routes alone, checked equal to those with the hot reads
    in front; with how many asks the hot reads answered."""
    app = world.client.app
    hot = [m for m in app.user_middleware if m.cls is HotReads]
    assert len(hot) == 1
    answered: list[str] = []
    answer = HotReads._answer

    async def counted(self, request, code, *, holdings):
        answered.append(request.url.path)
        return await answer(self, request, code, holdings=holdings)

    monkeypatch.setattr(HotReads, "_answer", counted)

    def ask_all() -> list[tuple[int, list[tuple[str, str]], bytes]]:
        with TestClient(app, base_url="http://testserver") as started:
            assert started.app.state.service.reads is not None  # PostgreSQL, started
            return [
                (r.status_code, sorted(r.headers.multi_items()), r.content)
                for r in (
                    started.get(path, headers=headers, follow_redirects=False)
                    for path, headers in asks
                )
            ]

    where = app.user_middleware.index(hot[0])
    app.user_middleware.remove(hot[0])  # the routes alone, reading on the event loop too
    app.middleware_stack = None
    by_routes = ask_all()
    assert answered == []
    app.user_middleware.insert(where, hot[0])
    app.middleware_stack = None
    by_hot_reads = ask_all()
    assert by_hot_reads == by_routes
    return by_routes, len(answered)


@POSTGRES_ONLY
def test_the_hot_reads_keep_the_jurisdictions_walls_byte_for_byte(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(engine)
    add_shenzhen(world)
    dp, sz = world.token("regulator"), world.token("regulator-sz")
    sz_no_read = world.token("regulator-sz", ["regulator:write"])
    asks = [
        ("/v1/accounts/SZ-OH-S1", dp),  # the other jurisdiction's: 404 as if absent
        ("/v1/accounts/SZ-OH-S1/holdings", dp),
        ("/v1/accounts/DP-OH-A1", sz),
        ("/v1/accounts/DP-HOLDING/holdings", sz),
        ("/v1/accounts/SZ-OH-S1/holdings", sz),  # its own: 200
        ("/v1/accounts/DP-OH-A1/holdings", dp),
        ("/v1/accounts/DP-OH-A1/holdings", sz_no_read),  # without the read scope: 403
        ("/v1/accounts/DP-OH-A1/holdings", world.token("auditor")),  # serves both
        ("/v1/accounts/SZ-OH-S1", world.token("auditor")),
    ]
    by_routes, answered = _both_ways(world, asks, monkeypatch)
    assert answered == len(asks)
    assert [status for status, _, _ in by_routes] == [404, 404, 404, 404, 200, 200, 403, 200, 200]
    assert by_routes[0][2] == by_routes[2][2].replace(b"DP-OH-A1", b"SZ-OH-S1")
    assert b'"quantity_units":500' in by_routes[4][2]
    with engine.begin() as connection:  # a regulator placed in no jurisdiction reads none
        connection.execute(organisations.update().where(organisations.c.code == "REG-SZ")
                           .values(jurisdiction_id=None))  # fmt: skip
    world.client.app.state.service.tokens.forget()
    by_routes, _ = _both_ways(world, [("/v1/accounts/SZ-OH-S1/holdings", sz)], monkeypatch)
    assert by_routes[0][0] == 404
