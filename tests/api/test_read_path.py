"""GET routes answer while another connection holds SQLite's write lock (store/engine.py
``reader``): reads neither wait for a writer nor take the lock themselves."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from service_world import World, held_write_lock
from tanshi.api.app import make_service
from tanshi.api.settings import Settings
from tanshi.store.engine import reader

# Reads of every kind: the token's lookup, lists, an account's holdings, the journal,
# compliance, market data, surveillance, public tables.
READS = (
    "/v1/jurisdictions", "/v1/companies?sector=cement", "/v1/accounts",
    "/v1/accounts/DP-OH-A1", "/v1/accounts/DP-OH-A1/holdings", "/v1/transactions",
    "/v1/proposals", "/v1/compliance/2016", "/v1/compliance/2016/coverage",
    "/v1/public/holdings-by-kind", "/v1/public/compliance/2016", "/v1/audit",
    "/v1/exchange/surveillance", "/v1/public/market/DPEA-2016/trades",
    "/v1/public/market/DPEA-2016/bars",
)  # fmt: skip


def test_reads_answer_while_a_writer_holds_the_lock(world: World) -> None:
    regulator = world.token("regulator")
    with held_write_lock(world.engine), ThreadPoolExecutor(1) as thread:
        for path in READS:
            # Before reads had an engine of their own each waited 10 s (busy_timeout), then 500.
            answer = thread.submit(world.client.get, path, headers=regulator).result(timeout=3)
            assert answer.status_code == 200, (path, answer.text)


def test_the_services_sqlite_pools_follow_the_pool_size(tmp_path: Path) -> None:
    service = make_service(Settings(database_url=str(tmp_path / "t.sqlite"), db_pool_size=24))
    try:
        # SQLAlchemy's default would be 5 (and 10 more): more busy request threads than that
        # would wait for a connection.
        assert service.engine.pool.size() == reader(service.engine).pool.size() == 24
    finally:
        service.engine.dispose()
