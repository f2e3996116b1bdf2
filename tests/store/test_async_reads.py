"""Reads on the event loop (PostgreSQL): a bounded pool that survives a dropped connection."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, bindparam, literal_column, select, text

from service_world import build_world
from tanshi.store.async_reads import AsyncReads
from tanshi.store.prepared import Prepared

POSTGRES_ONLY = pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
_SLEEP_THEN_ECHO = Prepared(
    select(literal_column("pg_sleep(0.05)").label("slept"), bindparam("n").label("n"))
)
_BACKEND = Prepared(select(literal_column("pg_backend_pid()").label("pid")))


@POSTGRES_ONLY
def test_more_reads_than_connections_wait_their_turn(engine: Engine) -> None:
    async def run() -> tuple[list[int], int]:
        reads = AsyncReads(engine, 2)
        try:
            answers = await asyncio.gather(*(reads.rows(_SLEEP_THEN_ECHO, n=i) for i in range(6)))
            return [rows[0].n for rows in answers], reads._open
        finally:
            await reads.close()

    echoed, opened = asyncio.run(run())
    assert echoed == list(range(6))
    assert opened == 2


@POSTGRES_ONLY
def test_a_dropped_connection_is_replaced_and_the_read_retried(engine: Engine) -> None:
    async def run() -> tuple[int, int]:
        reads = AsyncReads(engine, 1)
        try:
            first = (await reads.rows(_BACKEND))[0].pid
            with engine.connect() as admin:  # the server drops it, as on a restart
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            return first, (await reads.rows(_BACKEND))[0].pid
        finally:
            await reads.close()

    first, second = asyncio.run(run())
    assert second != first


@POSTGRES_ONLY
def test_holdings_are_read_on_the_event_loop_once_the_service_has_started(
    engine: Engine,
) -> None:
    world = build_world(engine)
    officer = world.token("officer-a")
    before = world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=officer)
    with TestClient(world.client.app, base_url="http://testserver") as started:
        assert started.app.state.service.reads is not None
        during = started.get("/v1/accounts/DP-OH-A1/holdings", headers=officer)
        hidden = started.get("/v1/accounts/DP-OH-B1/holdings", headers=officer)
    assert world.client.app.state.service.reads is None  # closed at shutdown
    assert during.status_code == 200
    assert during.json() == before.json() == [
        {"unit_class": "DPEA-2016", "unit_kind": "allowance", "vintage": 2016,
         "quantity_units": 1000}
    ]  # fmt: skip
    assert hidden.status_code == 404
