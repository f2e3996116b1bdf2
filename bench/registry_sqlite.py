"""Benchmark B3: registry transfers on SQLite ÷ a bare sqlite3 transfer loop, same run.

Both sides move units between 100 accounts, one transfer per database transaction, with
WAL and synchronous=FULL (SQLite's default). The baseline does the least a double-entry
transfer needs (check and debit, credit, journal row); tanshi adds its checks, the
idempotency key and the holdings cache. Prints one JSON object; higher ratio is better.
Target (issue #3): ratio >= 0.5 (shared/reference/performance-anchors.md, B3, suggests 0.4).
Both sides are bound by the same fsync per commit when the disk is slow, so the ratio rises
when other work loads the disk; ``load_average`` (1 minute, before and after) tells.
"""

from __future__ import annotations

import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy

from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook
from tanshi.services.jurisdiction import (
    account_id,
    open_jurisdiction,
    operator_account_code,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import derived_holdings, execute, stored_holdings
from tanshi.store.engine import open_database

ACCOUNTS = 100
TRANSFERS = 1500
REPEATS = 3
NOW = datetime(2016, 6, 30, tzinfo=UTC)


def workload(seed: int) -> list[tuple[int, int, int]]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(TRANSFERS):
        a, b = rng.sample(range(ACCOUNTS), 2)
        pairs.append((a, b, rng.randint(1, 50)))
    return pairs


def run_tanshi(folder: Path, pairs: list[tuple[int, int, int]]) -> float:
    engine = open_database(f"sqlite:///{folder / 'tanshi.sqlite'}")
    rulebook, text = load_rulebook("demo-province")
    jurisdiction = open_jurisdiction(engine, rulebook, text, NOW, is_demo=True)
    for index in range(ACCOUNTS):
        register_company(engine, jurisdiction, f"C{index:03d}", f"C{index}", "power")
    with engine.connect() as connection:
        ids = [
            account_id(connection, operator_account_code("DP", f"C{i:03d}"))
            for i in range(ACCOUNTS)
        ]
    unit = unit_class_id(engine, jurisdiction, "DPEA", 2016)
    movements = (
        Movement(jurisdiction.issuance_account, jurisdiction.holding_account, unit, 10**9),
    )
    assert execute(engine, TransactionRequest("issuance", "i", movements, NOW)).ok
    for index, account in enumerate(ids):
        allocation = Movement(jurisdiction.holding_account, account, unit, 10**6)
        assert execute(engine, TransactionRequest("allocation", f"a{index}", (allocation,), NOW)).ok
    started = time.perf_counter()
    for index, (a, b, quantity) in enumerate(pairs):
        request = TransactionRequest(
            "transfer", f"t{index}", (Movement(ids[a], ids[b], unit, quantity),), NOW
        )
        assert execute(engine, request).ok
    elapsed = time.perf_counter() - started
    with engine.connect() as connection:
        assert stored_holdings(connection) == derived_holdings(connection), "invariant broken"
    engine.dispose()
    return len(pairs) / elapsed


def run_baseline(folder: Path, pairs: list[tuple[int, int, int]]) -> float:
    connection = sqlite3.connect(folder / "raw.sqlite", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE balance (account INTEGER PRIMARY KEY, units INTEGER NOT NULL CHECK (units >= 0))"
    )
    connection.execute(
        "CREATE TABLE journal (id INTEGER PRIMARY KEY, debit INTEGER, credit INTEGER, units INTEGER)"
    )
    connection.executemany(
        "INSERT INTO balance VALUES (?, ?)", [(i, 10**6) for i in range(ACCOUNTS)]
    )
    started = time.perf_counter()
    for a, b, quantity in pairs:
        connection.execute("BEGIN IMMEDIATE")
        debited = connection.execute(
            "UPDATE balance SET units = units - ? WHERE account = ? AND units >= ?",
            (quantity, a, quantity),
        ).rowcount
        assert debited == 1
        connection.execute("UPDATE balance SET units = units + ? WHERE account = ?", (quantity, b))
        connection.execute(
            "INSERT INTO journal (debit, credit, units) VALUES (?, ?, ?)", (a, b, quantity)
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return len(pairs) / elapsed


def main() -> None:
    load = os.getloadavg()[0]
    pairs = workload(seed=1)
    ratios, ours, theirs = [], [], []
    for _ in range(REPEATS):  # interleaved, so drift hits both sides
        with tempfile.TemporaryDirectory() as folder:
            baseline = run_baseline(Path(folder), pairs)
            candidate = run_tanshi(Path(folder), pairs)
        theirs.append(baseline)
        ours.append(candidate)
        ratios.append(candidate / baseline)
    print(
        json.dumps(
            {
                "benchmark": "B3 registry transfers on SQLite / bare sqlite3 loop",
                "transfers": TRANSFERS,
                "tanshi_transfers_per_s": round(statistics.median(ours), 1),
                "baseline_transfers_per_s": round(statistics.median(theirs), 1),
                "ratio_median": round(statistics.median(ratios), 3),
                "ratio_min": round(min(ratios), 3),
                "ratio_max": round(max(ratios), 3),
                "target_ratio": 0.5,
                "load_average": {"start": round(load, 2), "end": round(os.getloadavg()[0], 2)},
                "python": sys.version.split()[0],
                "sqlite": sqlite3.sqlite_version,
                "sqlalchemy": sqlalchemy.__version__,
                "machine": platform.machine(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
