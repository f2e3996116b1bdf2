"""Benchmark B1: registry transfers on PostgreSQL ÷ pgbench TPC-B, same server, same run.

Creates two throwaway databases on one PostgreSQL server: one for pgbench's built-in
TPC-B-like script (scale 10, ``-M prepared -c 8 -j 2``), one for tanshi. pgbench runs
immediately before and after the tanshi phases (A B A, so drift hits both sides) and the
mean of the two is the denominator. tanshi runs three phases with 8 client processes, each
with its own connection, each transfer through ``execute`` (the registry service API, no
HTTP): single transfers, batches of 10 transfers per transaction, and a hot-account mix
where 80% of transfers touch one of 3 accounts. Then it allocates to 10,000 operator
accounts in one ``allocation`` transaction. At the end the hash chain and the holdings are
verified and units must be conserved per unit class; if not, the JSON says
``"correct": false`` and the script exits 1. Prints one JSON object; higher is better.
The server is TANSHI_BENCH_POSTGRES_URL (an admin URL to the ``postgres`` database).
Targets (issue; shared/reference/performance-anchors.md, B1, has them as stretch goals):
single >= 0.7x TPC-B, batched >= 2x, hot accounts >= 0.5x, bulk >= 20,000 accounts/s.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy
from sqlalchemy import URL, Engine, create_engine, func, make_url, select, text

from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook
from tanshi.services.audit import verify_registry
from tanshi.services.jurisdiction import (
    Jurisdiction,
    open_jurisdiction,
    operator_account_code,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import execute
from tanshi.store.engine import migrate, normalise_url
from tanshi.store.schema import accounts, holdings

ENV_URL = "TANSHI_BENCH_POSTGRES_URL"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CLIENTS = 8
PGBENCH_SCALE = 10
PGBENCH_SECONDS = 10
PHASE_SECONDS = 8.0
STARTUP_SECONDS = 1.0  # for the client processes to start before the measured window
COMPANIES = 200
BULK_ACCOUNTS = 10_000
BATCH = 10
HOT_ACCOUNTS = 3
HOT_SHARE = 0.8
ISSUED = 10**9
ALLOCATED = 10**6
BULK_UNITS = 100
NOW = datetime(2016, 6, 30, tzinfo=UTC)
TARGETS = {"single": 0.7, "batch_of_10": 2.0, "hot_accounts": 0.5, "bulk_accounts_per_s": 20_000}

# A request and the number of transfers it counts for, from a worker's seeded generator.
Generator = Callable[[random.Random, str], tuple[TransactionRequest, int]]


@dataclass(frozen=True, slots=True)
class Registry:
    """The tanshi side once set up: its engine, jurisdiction, unit class and companies."""

    engine: Engine
    jurisdiction: Jurisdiction
    unit: int
    companies: list[int]


@contextmanager
def throwaway_databases(admin_url: str, *names: str) -> Iterator[None]:
    """Create empty databases ``names`` on the server and drop them afterwards, always."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def server_version(admin_url: str) -> str:
    admin = create_engine(admin_url)
    with admin.connect() as connection:
        version = str(connection.execute(text("SHOW server_version")).scalar_one())
    admin.dispose()
    return version


def pgbench(url: URL, *arguments: str) -> str:
    """Run pgbench against the database of ``url``; returns its standard output."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    connection = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    connection += ["-U", url.username or "postgres", url.database or "postgres"]
    done = subprocess.run(
        ["pgbench", *arguments, *connection],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pgbench {' '.join(arguments)} failed:\n{done.stderr}")
    return done.stdout


def pgbench_tps(url: URL) -> float:
    """TPC-B-like transactions/s, excluding the time to connect."""
    output = pgbench(url, "-M", "prepared", "-c", str(CLIENTS), "-j", "2",
                     "-T", str(PGBENCH_SECONDS))  # fmt: skip
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", output)
    if found is None:
        raise RuntimeError(f"no tps in pgbench output:\n{output}")
    return float(found.group(1))


def open_engine(url: str) -> Engine:
    """make_engine's settings with a pool big enough for every worker, schema migrated.

    make_engine takes no pool settings and SQLAlchemy's default keeps only 5 connections,
    so 3 of the 8 workers would reconnect now and then.
    """
    engine = create_engine(normalise_url(url), pool_pre_ping=True, pool_size=CLIENTS + 2)
    migrate(engine)
    return engine


def company_accounts(engine: Engine, jurisdiction: Jurisdiction, codes: list[str]) -> list[int]:
    """Register a company per code (8 at a time) and return their operator account ids."""

    def register(code: str) -> int:
        return register_company(engine, jurisdiction, code, code, "power")

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(register, codes))
    wanted = [operator_account_code(jurisdiction.code, code) for code in codes]
    query = select(accounts.c.code, accounts.c.id).where(accounts.c.code.in_(wanted))
    with engine.connect() as connection:
        found = {code: int(id_) for code, id_ in connection.execute(query)}
    return [found[code] for code in wanted]


def set_up(url: str) -> Registry:
    """A demo-province registry with COMPANIES companies holding ALLOCATED units each."""
    engine = open_engine(url)
    rulebook, rulebook_text = load_rulebook("demo-province")
    jurisdiction = open_jurisdiction(engine, rulebook, rulebook_text, NOW, is_demo=True)
    unit = unit_class_id(engine, jurisdiction, "DPEA", 2016)
    companies = company_accounts(engine, jurisdiction, [f"C{i:04d}" for i in range(COMPANIES)])
    issuance = Movement(jurisdiction.issuance_account, jurisdiction.holding_account, unit, ISSUED)
    assert execute(engine, TransactionRequest("issuance", "issue", (issuance,), NOW)).ok
    allocations = tuple(
        Movement(jurisdiction.holding_account, company, unit, ALLOCATED) for company in companies
    )
    assert execute(engine, TransactionRequest("allocation", "allocate", allocations, NOW)).ok
    return Registry(engine, jurisdiction, unit, companies)


def transfer(registry: Registry, a: int, b: int, quantity: int) -> Movement:
    return Movement(registry.companies[a], registry.companies[b], registry.unit, quantity)


def single(registry: Registry) -> Generator:
    def generate(rng: random.Random, key: str) -> tuple[TransactionRequest, int]:
        a, b = rng.sample(range(COMPANIES), 2)
        movement = transfer(registry, a, b, rng.randint(1, 50))
        return TransactionRequest("transfer", key, (movement,), NOW), 1

    return generate


def batched(registry: Registry) -> Generator:
    def generate(rng: random.Random, key: str) -> tuple[TransactionRequest, int]:
        movements = tuple(
            transfer(registry, *rng.sample(range(COMPANIES), 2), rng.randint(1, 50))
            for _ in range(BATCH)
        )
        return TransactionRequest("transfer", key, movements, NOW), BATCH

    return generate


def hot(registry: Registry) -> Generator:
    """HOT_SHARE of transfers go to or from one of the first HOT_ACCOUNTS companies."""

    def generate(rng: random.Random, key: str) -> tuple[TransactionRequest, int]:
        if rng.random() < HOT_SHARE:
            pair = [rng.randrange(HOT_ACCOUNTS), rng.randrange(HOT_ACCOUNTS, COMPANIES)]
            rng.shuffle(pair)
            a, b = pair
        else:
            a, b = rng.sample(range(HOT_ACCOUNTS, COMPANIES), 2)
        movement = transfer(registry, a, b, rng.randint(1, 50))
        return TransactionRequest("transfer", key, (movement,), NOW), 1

    return generate


WORKLOADS = {"single": single, "batch_of_10": batched, "hot_accounts": hot}


def client(
    url: str, unit: int, companies: list[int], phase: str, index: int, start: float, end: float
) -> tuple[int, int]:
    """One client process: its own engine and connection, requests from ``start`` to ``end``
    (time.monotonic, which all processes share); returns (transfers done, requests refused)."""
    engine = create_engine(normalise_url(url), pool_size=1)
    generate = WORKLOADS[phase](Registry(engine, None, unit, companies))  # type: ignore[arg-type]
    rng = random.Random(f"{phase}-{index}")
    done = refused = 0
    time.sleep(max(0.0, start - time.monotonic()))
    try:
        while time.monotonic() < end:
            request, transfers = generate(rng, f"b1-{phase}-{index}-{done + refused}")
            if execute(engine, request).ok:
                done += transfers
            else:
                refused += 1
    finally:
        engine.dispose()
    return done, refused


def run_phase(registry: Registry, url: str, phase: str) -> tuple[float, int]:
    """Transfers/s of CLIENTS client processes for PHASE_SECONDS, and the requests refused.

    Processes, not threads: like the worker processes of an API server, each runs Python on
    its own, so the clients are not serialised on one interpreter lock.
    """
    start = time.monotonic() + STARTUP_SECONDS
    end = start + PHASE_SECONDS
    with ProcessPoolExecutor(CLIENTS, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [
            pool.submit(client, url, registry.unit, registry.companies, phase, index, start, end)
            for index in range(CLIENTS)
        ]
        results = [future.result() for future in futures]
    return (
        sum(done for done, _ in results) / PHASE_SECONDS,
        sum(refused for _, refused in results),
    )


def bulk_allocation(registry: Registry) -> dict[str, Any]:
    """Allocate to BULK_ACCOUNTS new operator accounts in one transaction; accounts/s."""
    started = time.perf_counter()
    codes = [f"B{i:05d}" for i in range(BULK_ACCOUNTS)]
    targets = company_accounts(registry.engine, registry.jurisdiction, codes)
    registration = time.perf_counter() - started
    holding = registry.jurisdiction.holding_account
    movements = tuple(Movement(holding, target, registry.unit, BULK_UNITS) for target in targets)
    request = TransactionRequest("allocation", "bulk-allocation", movements, NOW)
    started = time.perf_counter()
    ok = execute(registry.engine, request).ok
    elapsed = time.perf_counter() - started
    return {
        "accounts": len(targets),
        "ok": ok,
        "seconds": round(elapsed, 2),
        "accounts_per_s": round(len(targets) / elapsed, 1),
        "ratio_to_target": round(len(targets) / elapsed / TARGETS["bulk_accounts_per_s"], 3),
        "note": "one allocation request with one movement per account through execute",
        "setup_register_companies_s": round(registration, 1),
    }


def conserved(registry: Registry) -> bool:
    """Units issued = units held outside the issuance account; nothing else negative."""
    issuance = registry.jurisdiction.issuance_account
    with registry.engine.connect() as connection:
        held = connection.execute(
            select(holdings.c.unit_class_id, func.sum(holdings.c.quantity_units))
            .where(holdings.c.account_id != issuance)
            .group_by(holdings.c.unit_class_id)
        ).all()
        negative = connection.execute(
            select(func.count())
            .select_from(holdings)
            .where(holdings.c.account_id != issuance, holdings.c.quantity_units < 0)
        ).scalar_one()
        issued = connection.execute(
            select(holdings.c.quantity_units).where(holdings.c.account_id == issuance)
        ).scalar_one()
    return {unit: int(total) for unit, total in held} == {registry.unit: ISSUED} and (
        negative == 0 and issued == -ISSUED
    )


def summary(
    before: float,
    after: float,
    phases: dict[str, tuple[float, int]],
    bulk: dict[str, Any],
    checks: dict[str, Any],
    setup_seconds: float,
    version: str,
    load: tuple[float, float],
) -> dict[str, Any]:
    """The JSON report: rates, ratios to the mean pgbench TPS, checks, targets, versions."""
    tps = (before + after) / 2
    return {
        "benchmark": "B1 registry transfers on PostgreSQL / pgbench TPC-B, 8 clients",
        "pgbench_tps": {
            "before": round(before, 1),
            "after": round(after, 1),
            "mean": round(tps, 1),
        },
        "tanshi": {
            name: {
                "transfers_per_s": round(rate, 1),
                "ratio_to_pgbench": round(rate / tps, 3),
                "target_ratio": TARGETS[name],
            }
            for name, (rate, _) in phases.items()
        },
        "bulk_allocation": bulk,
        "correct": all(checks.values()),
        "checks": checks,
        "setup": {
            "companies": COMPANIES,
            "seconds": round(setup_seconds, 1),
            "phase_seconds": PHASE_SECONDS,
            "pgbench_seconds": PGBENCH_SECONDS,
        },
        "targets": TARGETS,
        "load_average": {"start": round(load[0], 2), "end": round(load[1], 2)},
        "python": sys.version.split()[0],
        "postgresql": version,
        "sqlalchemy": sqlalchemy.__version__,
        "machine": {
            "arch": platform.machine(),
            "cpus": os.cpu_count(),
            "system": platform.platform(),
        },
    }


def main() -> None:
    load = os.getloadavg()[0]
    admin_url = normalise_url(os.environ.get(ENV_URL, DEFAULT_URL))
    tanshi_db, pgbench_db = f"tanshi_bench_{os.getpid()}", f"pgbench_{os.getpid()}"
    server = make_url(admin_url)
    pgbench_url, tanshi_url = server.set(database=pgbench_db), server.set(database=tanshi_db)
    with throwaway_databases(admin_url, tanshi_db, pgbench_db):
        pgbench(pgbench_url, "-i", "-s", str(PGBENCH_SCALE), "-q")
        started = time.perf_counter()
        registry = set_up(tanshi_url.render_as_string(hide_password=False))
        setup_seconds = time.perf_counter() - started
        before = pgbench_tps(pgbench_url)
        url = tanshi_url.render_as_string(hide_password=False)
        phases = {name: run_phase(registry, url, name) for name in WORKLOADS}
        after = pgbench_tps(pgbench_url)
        bulk = bulk_allocation(registry)
        checks = {
            "chain_and_reconciliation": verify_registry(registry.engine).ok,
            "units_conserved_per_class": conserved(registry),
            "no_request_refused": sum(refused for _, refused in phases.values()) == 0,
            "bulk_allocation_ok": bulk.pop("ok"),
        }
        registry.engine.dispose()
        report = summary(
            before,
            after,
            phases,
            bulk,
            checks,
            setup_seconds,
            server_version(admin_url),
            (load, os.getloadavg()[0]),
        )
    print(json.dumps(report, indent=2))
    if not report["correct"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
