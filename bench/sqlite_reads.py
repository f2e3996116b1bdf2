"""Benchmark: API reads on SQLite while writes run (docs/api.md, "Serving on SQLite").

Builds the tests' small world (tests/service_world.py) in a throwaway SQLite file, serves it
with ``tanshi serve`` (one process, TANSHI_DB_POOL_SIZE=32) and loads
``GET /v1/accounts/DP-OH-A1/holdings`` with ``wrk -t2 -c32`` for PHASE_SECONDS (15) in
three phases: reads alone; beside 4 threads sending ``POST /v1/transfers`` (a proposal
awaiting approval each); beside a connection that holds the write lock 200 ms of every
250 ms (a long write, such as a bulk allocation). Prints one JSON line per phase: requests/s
and latency of the reads, writes/s with their latency, and the write-ahead log's size and
a passive checkpoint's result after the phase (whether constant reads starve checkpoints).

``python bench/sqlite_reads.py [SRC]``: with SRC (an older ``src`` tree, e.g. from
``git archive <commit> src``) the server runs that code instead, for a before/after.
Needs ``wrk`` (Debian package).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
PHASE_SECONDS = int(os.environ.get("TANSHI_BENCH_SECONDS", "15"))
PORT = 8791
LUA = """
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests_per_s": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, '
    .. '"errors": %d}\\n', summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.timeout))
end
"""
TRANSFER = json.dumps({"from_account": "DP-OH-A1", "to_account": "DP-OH-C1",
                       "unit_class": "DPEA-2016", "quantity_t": 1})  # fmt: skip


def build(path: str) -> dict[str, str]:
    """The world in ``path``; the regulator's and officer-a's bearer headers."""
    from service_world import build_world  # noqa: PLC0415 (after the path is set)
    from tanshi.store.engine import make_engine, migrate  # noqa: PLC0415

    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    world = build_world(engine)
    tokens = {u: world.token(u)["Authorization"] for u in ("regulator", "officer-a")}
    engine.dispose()
    return tokens


def _transfers(tokens: dict[str, str], stop: threading.Event, took: list[float]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    while not stop.is_set():
        start = time.perf_counter()
        connection.request("POST", "/v1/transfers", body=TRANSFER, headers={
            "Authorization": tokens["officer-a"], "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        })  # fmt: skip
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 202, answer.status
        took.append(time.perf_counter() - start)


def _long_writes(path: str, stop: threading.Event, took: list[float]) -> None:
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    while not stop.is_set():
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO login_attempts (address, attempted_at) VALUES ('bench', '2017-03-01')"
        )
        time.sleep(0.2)
        connection.execute("COMMIT")
        took.append(time.perf_counter() - start)
        time.sleep(0.05)
    connection.close()


def _wait_for(port: int) -> None:
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/v1/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def phase(path: str, tokens: dict[str, str], lua: str, writers: str) -> dict:
    stop, took = threading.Event(), []
    threads = {
        "none": [],
        "transfers": [threading.Thread(target=_transfers, args=(tokens, stop, took))
                      for _ in range(4)],
        "long_writes": [threading.Thread(target=_long_writes, args=(path, stop, took))],
    }[writers]  # fmt: skip
    for thread in threads:
        thread.start()
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{PHASE_SECONDS}s", "--timeout", "30s", "-s", lua, "-H",
         f"Authorization: {tokens['regulator']}",
         f"http://127.0.0.1:{PORT}/v1/accounts/DP-OH-A1/holdings"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    stop.set()
    for thread in threads:
        thread.join()
    result = {"writers": writers} | json.loads(out.split("RESULT ", 1)[1])
    if took:
        took.sort()
        result |= {"writes_per_s": round(len(took) / PHASE_SECONDS, 1),
                   "write_p50_ms": round(took[len(took) // 2] * 1000, 1),
                   "write_p99_ms": round(took[int(len(took) * 0.99)] * 1000, 1)}  # fmt: skip
    return result | wal_state(path)


def wal_state(path: str) -> dict:
    """The write-ahead log's size after a phase, and what a passive checkpoint then finds: a
    log that keeps growing would mean readers never let a checkpoint reach its end."""
    wal = Path(f"{path}-wal")
    size_kb = round(wal.stat().st_size / 1024) if wal.exists() else 0
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    busy, log_frames, done_frames = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    connection.close()
    return {
        "wal_kb": size_kb,
        "checkpoint": {"busy": busy, "log_frames": log_frames, "checkpointed_frames": done_frames},
    }


def main() -> None:
    src = sys.argv[1] if len(sys.argv) > 1 else None
    folder = tempfile.mkdtemp(prefix="tanshi-bench-sqlite-")
    path = os.path.join(folder, "bench.sqlite")
    lua = os.path.join(folder, "done.lua")
    Path(lua).write_text(LUA)
    tokens = build(path)
    env = os.environ | {"TANSHI_DB_POOL_SIZE": "32", "TANSHI_RELEASE_EVERY_SECONDS": "0"}
    if src:
        env["PYTHONPATH"] = src
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/tanshi"), "serve", "--db", path, "--port", str(PORT),
         "--clock", "2017-03-01T10:00+08:00"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(PORT)
        for writers in ("none", "transfers", "long_writes"):
            print(json.dumps({"src": src or "this tree"} | phase(path, tokens, lua, writers)),
                  flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
