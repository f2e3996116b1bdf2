"""B1's bulk allocation alone: one request to 10,000 accounts, with the CPU each side spent.

``python bench/registry_bulk.py`` copies a template database (made once, kept between
runs: the jurisdiction, 200 companies allocated as in ``bench/registry.py``, and 10,000
more companies registered), migrates the copy to this code's head, warms the connection
with one transfer, allocates BULK_UNITS to each of the 10,000 in one ``allocation``
request through ``execute``, verifies the chain, the holdings and conservation, and drops
the copy. Every run starts from the same fresh database, so no idempotency key is replayed.
Prints one JSON line: wall seconds, accounts/s, the client's CPU (``time.process_time``)
and the server backend's (``/proc/<pid>/schedstat``; the server must run on this machine),
and the load average. ``--drop-template`` removes the template. To compare two versions
of the code, make the template with the older one (``PYTHONPATH=<its src>``): a copy is
migrated forward, never back.
"""

from __future__ import annotations

import json
import os
import sys
import time

from sqlalchemy import create_engine, make_url, select, text

sys.path.insert(0, os.path.dirname(__file__))
from registry import (
    ALLOCATED,
    BULK_ACCOUNTS,
    BULK_UNITS,
    COMPANIES,
    DEFAULT_URL,
    ENV_URL,
    ISSUED,
    NOW,
    Registry,
    conserved,
    set_up,
)
from tanshi.registry import Movement, TransactionRequest
from tanshi.services.audit import verify_registry
from tanshi.services.jurisdiction import (
    Jurisdiction,
    operator_account_code,
    register_companies,
)
from tanshi.services.registry import execute
from tanshi.store.engine import migrate, normalise_url
from tanshi.store.schema import accounts, jurisdictions, unit_classes

TEMPLATE = "tanshi_bulk_template"
CODES = [f"B{i:05d}" for i in range(BULK_ACCOUNTS)]


def make_template(admin_url: str) -> None:
    """The template database, unless it exists (migrated by whichever code made it)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": TEMPLATE}
        ).first():
            admin.dispose()
            return
        connection.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    admin.dispose()
    url = make_url(admin_url).set(database=TEMPLATE).render_as_string(hide_password=False)
    registry = set_up(url)
    rows = [("bench", code, code, "power") for code in CODES]
    assert register_companies(registry.engine, registry.jurisdiction, rows) == []
    registry.engine.dispose()


def cpu_seconds(pid: int) -> float:
    """The CPU time a process on this machine has had (``/proc/<pid>/schedstat``: in
    nanoseconds, where ``/proc/<pid>/stat`` counts 10 ms ticks)."""
    with open(f"/proc/{pid}/schedstat") as stat:
        return int(stat.read().split()[0]) / 1e9


def run(admin_url: str) -> dict[str, object]:
    name = f"tanshi_bulk_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        engine = create_engine(normalise_url(url), pool_size=1, max_overflow=0)
        migrate(engine)
        with engine.connect() as connection:
            place = connection.execute(select(jurisdictions.c.code)).scalar_one()
            codes = {
                code: id_
                for code, id_ in connection.execute(select(accounts.c.code, accounts.c.id))
            }
            unit = connection.execute(
                select(unit_classes.c.id).where(unit_classes.c.code == "DPEA-2016")
            ).scalar_one()
            backend = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
        holding = codes[f"{place}-HOLDING"]
        companies = [codes[operator_account_code(place, f"C{i:04d}")] for i in range(COMPANIES)]
        targets = [codes[operator_account_code(place, code)] for code in CODES]
        warm = Movement(companies[0], companies[1], unit, 1)
        assert execute(engine, TransactionRequest("transfer", "warm", (warm,), NOW)).ok
        movements = tuple(Movement(holding, t, unit, BULK_UNITS) for t in targets)
        request = TransactionRequest("allocation", "bulk-allocation", movements, NOW)
        load = os.getloadavg()[0]
        server, client, started = cpu_seconds(backend), time.process_time(), time.perf_counter()
        ok = execute(engine, request).ok
        elapsed = time.perf_counter() - started
        client = time.process_time() - client
        server = cpu_seconds(backend) - server
        jurisdiction = Jurisdiction(0, place, None, True, codes[f"{place}-ISSUANCE"], holding, 0)  # type: ignore[arg-type]
        checks = (
            ok
            and verify_registry(engine).ok
            and conserved(Registry(engine, jurisdiction, unit, companies))
        )
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return {
        "accounts_per_s": round(len(targets) / elapsed),
        "seconds": round(elapsed, 3),
        "client_cpu_s": round(client, 3),
        "server_cpu_s": round(server, 3),
        "load_average": round(load, 2),
        "correct": checks,
    }


def main() -> None:
    admin_url = normalise_url(os.environ.get(ENV_URL, DEFAULT_URL))
    if "--drop-template" in sys.argv:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}"'))
        return
    make_template(admin_url)
    print(json.dumps(run(admin_url)))


assert ISSUED > BULK_ACCOUNTS * BULK_UNITS + COMPANIES * ALLOCATED

if __name__ == "__main__":
    main()
