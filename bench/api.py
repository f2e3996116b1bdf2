"""Benchmark B4: the REST API ÷ a minimal Starlette endpoint, same PostgreSQL, same run.

Builds a throwaway tanshi database (200 companies, one officer representing 50 of their
accounts), then runs, one after another on the same machine, each server as one uvicorn
process (1 worker) loaded by ``wrk -t1 -c32`` for PHASE_SECONDS:

- baseline: a Starlette app whose ``GET /db/{id}`` reads one row by primary key through a
  pool of 8 psycopg async connections (the reference of performance-anchors.md B4; psycopg
  instead of asyncpg because it is the driver tanshi already ships);
- read: ``GET /v1/accounts/{code}/holdings`` with a bearer token (token lookup, scoped
  visibility, the holdings query);
- write: ``POST /v1/transfers`` with a fresh Idempotency-Key per request: a proposal of one
  unit (four-eyes: it waits for approval, 202), its idempotency record and audit line.

Both servers stay up; the phases are interleaved over TANSHI_BENCH_ROUNDS rounds (3) of
baseline, read, write, baseline, each ratio taken against the mean of the two baselines around
it, so that load from other processes on the machine hits both sides alike. Prints one JSON
object: the median ratio with its range, medians of requests/s, latency and the server
process's CPU per request (which load from elsewhere moves less than requests/s), and every
round.
Targets (issue #7): reads >= 0.8x, writes >= 0.5x, p99 <= 50 ms.
Needs ``wrk`` (Debian package) and PostgreSQL at TANSHI_BENCH_POSTGRES_URL.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ENV_URL = "TANSHI_BENCH_POSTGRES_URL"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "tanshi_bench_api"
CONNECTIONS = 32
PHASE_SECONDS = int(os.environ.get("TANSHI_BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("TANSHI_BENCH_ROUNDS", "3"))
COMPANIES = 200
OFFICER_ACCOUNTS = 50
# TOTP secrets are sealed under a configured key on PostgreSQL (services/secret_box.py): one
# for this run, inherited by the server processes the benchmark starts.
os.environ.setdefault("TANSHI_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())

LUA_DONE = """
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests_per_s": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, "requests": %d, '
    .. '"errors": %d}\\n',
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors))
end
"""


def _admin_url() -> str:
    return os.environ.get(ENV_URL, DEFAULT_URL)


def _url(database: str) -> str:
    return make_url(_admin_url()).set(database=database).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare() -> dict[str, object]:
    """A fresh database with companies, allocations, users and two tokens."""
    from tanshi.registry import Movement, TransactionRequest  # noqa: PLC0415
    from tanshi.resources import load_rulebook  # noqa: PLC0415
    from tanshi.services import credentials, identity, lifecycle  # noqa: PLC0415
    from tanshi.services.jurisdiction import (  # noqa: PLC0415
        account_id,
        open_jurisdiction,
        operator_account_code,
        register_company,
        unit_class_id,
    )
    from tanshi.services.registry import execute  # noqa: PLC0415
    from tanshi.store.engine import make_engine, migrate  # noqa: PLC0415

    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    engine = make_engine(_url(DATABASE))
    migrate(engine)
    now = datetime.now(UTC)
    rulebook, rules_text = load_rulebook("demo-province")
    jurisdiction = open_jurisdiction(engine, rulebook, rules_text, now, is_demo=True)
    allowances = unit_class_id(engine, jurisdiction, "DPEA", 2016)
    codes = [f"B{i:04d}" for i in range(COMPANIES)]
    for code in codes:
        register_company(engine, jurisdiction, code, f"Bench {code}", "power")
    with engine.connect() as connection:
        ids = {c: account_id(connection, operator_account_code("DP", c)) for c in codes}
    issued = execute(engine, TransactionRequest("issuance", "bench/issue", (
        Movement(jurisdiction.issuance_account, jurisdiction.holding_account, allowances,
                 COMPANIES * 1_000_000),), now))  # fmt: skip
    assert issued.ok
    allocated = execute(engine, TransactionRequest("allocation", "bench/alloc", tuple(
        Movement(jurisdiction.holding_account, ids[c], allowances, 1_000_000) for c in codes
    ), now))  # fmt: skip
    assert allocated.ok
    identity.create_organisation(engine, "BENCH", "Bench Co.", "trader", now)
    identity.create_user(engine, "bench", "Bench", "BENCH", "trader", "bench password!", now)
    for code in codes[:OFFICER_ACCOUNTS]:
        lifecycle.add_representative(engine, operator_account_code("DP", code), "bench",
                                     initiate=True, approve=False)  # fmt: skip
    principal = identity.principal_named(engine, "bench")
    assert principal is not None
    token, issues = credentials.issue_token(engine, principal, "bench",
                                         ["read", "registry:propose"], now)  # fmt: skip
    assert token is not None, issues
    with engine.connect() as connection:
        baseline_ids = [
            int(i) for i in connection.execute(text("SELECT id FROM accounts")).scalars()
        ]
    engine.dispose()
    return {"token": token, "accounts": [operator_account_code("DP", c) for c in codes],
            "officer_accounts": [operator_account_code("DP", c)
                                 for c in codes[:OFFICER_ACCOUNTS]],
            "baseline_ids": baseline_ids}  # fmt: skip


def baseline_app():
    """The reference: Starlette, one primary-key SELECT through a small async pool."""
    import psycopg  # noqa: PLC0415
    from starlette.applications import Starlette  # noqa: PLC0415
    from starlette.responses import JSONResponse  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    pool: asyncio.Queue = asyncio.Queue()
    dsn = (
        make_url(_url(DATABASE)).set(drivername="postgresql").render_as_string(hide_password=False)
    )

    @asynccontextmanager
    async def lifespan(_app):
        for _ in range(8):
            await pool.put(await psycopg.AsyncConnection.connect(dsn, autocommit=True))
        yield

    async def read(request):
        connection = await pool.get()
        try:
            cursor = await connection.execute(
                "SELECT id, code, kind, status FROM accounts WHERE id = %s",
                (int(request.path_params["id"]),), prepare=True,
            )  # fmt: skip
            row = await cursor.fetchone()
        finally:
            pool.put_nowait(connection)
        return JSONResponse({"id": row[0], "code": row[1], "kind": row[2], "status": row[3]})

    return Starlette(routes=[Route("/db/{id:int}", read)], lifespan=lifespan)


def tanshi_app():
    from tanshi.api.app import make_service  # noqa: PLC0415
    from tanshi.api.settings import Settings  # noqa: PLC0415
    from tanshi.web.app import create_app, settle_start_up_objects  # noqa: PLC0415

    app = create_app(make_service(Settings(database_url=_url(DATABASE))))
    settle_start_up_objects()  # as tanshi serve does
    return app


@contextmanager
def server(kind: str):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(1200):  # up to a minute: starting is slow on a loaded machine
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield Server(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        process.wait(10)


@dataclass(frozen=True)
class Server:
    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU the server process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(server: Server, script: str) -> dict[str, float]:
    """One load phase, with the server process's CPU per answered request."""
    cpu = server.cpu_seconds()
    result = _wrk(server.base, script)
    spent = server.cpu_seconds() - cpu
    return result | {
        "server_cpu_ms_per_request": round(1000 * spent / max(result["requests"], 1), 3)
    }


def _wrk(base: str, script: str) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + LUA_DONE)
    try:
        output = subprocess.run(
            ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{PHASE_SECONDS}s", "-s", handle.name, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        Path(handle.name).unlink()
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def _lua_list(values: list) -> str:
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"


def main() -> int:
    if shutil.which("wrk") is None:
        print(json.dumps({"error": "wrk is not installed (apt-get install wrk)"}))
        return 2
    state = prepare()
    token = state["token"]
    read_script = f"""
local accounts = {_lua_list(state["officer_accounts"])}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/accounts/" .. accounts[(n % #accounts) + 1] .. "/holdings",
    {{["Authorization"] = "Bearer {token}"}})
end
"""
    write_script = f"""
local accounts = {_lua_list(state["officer_accounts"])}
local n = 0
local prefix = tostring(math.random(1, 1000000000))
request = function()
  n = n + 1
  local body = '{{"from_account": "' .. accounts[(n % #accounts) + 1] ..
    '", "to_account": "{state["accounts"][-1]}", "unit_class": "DPEA-2016", "quantity_t": 1}}'
  return wrk.format("POST", "/v1/transfers", {{["Authorization"] = "Bearer {token}",
    ["Content-Type"] = "application/json", ["Idempotency-Key"] = prefix .. "-" .. n}}, body)
end
"""
    ids = state["baseline_ids"]
    baseline_script = f"""
local ids = {_lua_list(ids)}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/db/" .. ids[(n % #ids) + 1])
end
"""
    rounds: list[dict[str, dict]] = []
    with server("baseline") as baseline, server("tanshi") as tanshi:
        wrk(tanshi, read_script)  # warm-up: connections, caches, prepared statements
        wrk(baseline, baseline_script)
        for _ in range(ROUNDS):  # interleaved, so that load from elsewhere hits both alike
            before = wrk(baseline, baseline_script)
            read = wrk(tanshi, read_script)
            write = wrk(tanshi, write_script)
            after = wrk(baseline, baseline_script)
            reference = (before["requests_per_s"] + after["requests_per_s"]) / 2
            rounds.append({
                "baseline": {"before": before, "after": after},
                "holdings_read": read | {"ratio": round(read["requests_per_s"] / reference, 3)},
                "transfer_write": write | {"ratio": round(write["requests_per_s"] / reference, 3)},
            })  # fmt: skip

    def summary(phase: str) -> dict[str, object]:
        runs = [r[phase] for r in rounds]
        return {
            "median_ratio": statistics.median(r["ratio"] for r in runs),
            "ratio_range": [min(r["ratio"] for r in runs), max(r["ratio"] for r in runs)],
            "median_requests_per_s": statistics.median(r["requests_per_s"] for r in runs),
            "median_p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "median_p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "median_server_cpu_ms_per_request": statistics.median(
                r["server_cpu_ms_per_request"] for r in runs
            ),
        }

    baselines = [b for r in rounds for b in r["baseline"].values()]
    read, write = summary("holdings_read"), summary("transfer_write")
    result = {
        "benchmark": "B4 REST API vs minimal Starlette PK read, same PostgreSQL",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average": [round(x, 2) for x in os.getloadavg()]},
        "load": f"wrk -t1 -c{CONNECTIONS} -d{PHASE_SECONDS}s, 1 uvicorn worker each, "
        f"{ROUNDS} interleaved rounds",
        "baseline": {
            "median_requests_per_s": statistics.median(b["requests_per_s"] for b in baselines),
            "median_p99_ms": statistics.median(b["p99_ms"] for b in baselines),
            "median_server_cpu_ms_per_request": statistics.median(
                b["server_cpu_ms_per_request"] for b in baselines
            ),
        },
        "holdings_read": read,
        "transfer_write": write,
        "rounds": rounds,
        "targets": {"read_ratio": 0.8, "write_ratio": 0.5, "p99_ms": 50},
    }  # fmt: skip
    result["targets_met"] = {
        "read_ratio": read["median_ratio"] >= 0.8,
        "write_ratio": write["median_ratio"] >= 0.5,
        "p99": max(read["median_p99_ms"], write["median_p99_ms"]) <= 50,
        "no_errors": read["errors"] == 0 and write["errors"] == 0,
    }
    print(json.dumps(result, indent=2))
    return 0


def serve(kind: str, port: int) -> None:
    import uvicorn  # noqa: PLC0415

    app = baseline_app() if kind == "baseline" else tanshi_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
