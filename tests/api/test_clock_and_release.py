"""The service's clock (TANSHI_CLOCK, --demo-clock) and the release of delayed transfers
while serving."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from registry_controls import CONTROLS
from service_world import NOW, PASSWORD, World, fast_hashing
from tanshi.api.app import make_service
from tanshi.api.clock import ShiftedClock, parse_moment, service_clock, totp_moment
from tanshi.api.release_loop import ReleaseLoop, release_once
from tanshi.api.settings import Settings
from tanshi.core.errors import TanshiError
from tanshi.registry import Movement, TransactionRequest
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.resources import preset_text
from tanshi.rulebook import parse_rulebook
from tanshi.services import jurisdiction, lifecycle
from tanshi.services.registry import execute
from tanshi.store.schema import audit_log
from tanshi.web.app import create_app

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_shifted_clock_runs_on_or_stays() -> None:
    start = datetime(2017, 6, 21, 10, 0, tzinfo=SHANGHAI)
    stays = ShiftedClock(start, runs=False)
    runs = ShiftedClock(start)
    time.sleep(0.01)
    assert stays() == start
    assert start < runs() < start + timedelta(seconds=5)
    assert stays.label() == "2017-06-21 10:00 UTC+08:00"


def test_clock_settings_are_parsed_or_refused(engine: Engine) -> None:
    assert service_clock("", True, engine) is None
    assert service_clock("real", True, engine) is None
    chosen = service_clock("2017-06-21T10:00+08:00", False, engine)
    assert chosen is not None and chosen() == datetime(2017, 6, 21, 2, 0, tzinfo=UTC)
    for bad in ("yesterday", "2017-06-21T10:00"):  # not a moment; no offset
        with pytest.raises(TanshiError, match="offset"):
            parse_moment(bad)
    with pytest.raises(TanshiError, match="tanshi demo"):
        service_clock("demo", True, engine)  # no demo database here
    assert Settings(clock="demo").clock == "demo"


def test_one_time_codes_follow_the_real_time_under_a_shifted_clock(world: World) -> None:
    """The demo runs in 2017, but an authenticator app computes today's code."""
    shifted = ShiftedClock(NOW)
    service = make_service(world.settings, world.engine, clock=shifted)
    assert abs(totp_moment(service) - datetime.now(UTC)) < timedelta(seconds=5)
    client = TestClient(create_app(service))
    body = {"username": "officer-a", "password": PASSWORD, "scopes": ["read"]}
    stale = client.post("/v1/auth/tokens", json=body | {"totp": world.code("officer-a")})
    assert stale.status_code == 401  # the code of the service's (2017) time
    today = pyotp.TOTP(world.secret("officer-a")).now()
    assert client.post("/v1/auth/tokens", json=body | {"totp": today}).status_code == 201
    assert totp_moment(world.client.app.state.service) == NOW  # an injected clock: one clock


def _delayed_transfer(engine: Engine) -> int:
    """A transfer to an untrusted account approved on Friday 15:00: released Monday 10:00."""
    source = preset_text("demo-province") + CONTROLS
    rulebook, issues = parse_rulebook(source)
    assert rulebook is not None and not issues, issues
    friday = datetime(2017, 4, 7, 15, 0, tzinfo=SHANGHAI)
    j = jurisdiction.open_jurisdiction(engine, rulebook, source, friday, is_demo=False)
    jurisdiction.register_company(engine, j, "A", "Alpha", "power")
    jurisdiction.register_company(engine, j, "B", "Beta", "cement")
    unit = jurisdiction.unit_class_id(engine, j, "DPEA", 2016)
    with engine.connect() as connection:
        a = jurisdiction.account_id(connection, "DP-OH-A")
        b = jurisdiction.account_id(connection, "DP-OH-B")
    for key, movement in (("issue", Movement(j.issuance_account, j.holding_account, unit, 500)),
                          ("alloc", Movement(j.holding_account, a, unit, 500))):  # fmt: skip
        kind = "issuance" if key == "issue" else "allocation"
        assert execute(engine, TransactionRequest(kind, key, (movement,), friday)).ok
    lifecycle.add_representative(engine, "DP-OH-A", "alice", initiate=True, approve=False)
    lifecycle.add_representative(engine, "DP-OH-A", "bob", initiate=False, approve=True)
    request = TransactionRequest("transfer", "t1", (Movement(a, b, unit, 100),), friday)
    proposed = lifecycle.propose(engine, j, request, "alice", friday)
    assert proposed.proposal_id is not None
    delayed = lifecycle.approve(engine, j, proposed.proposal_id, "bob", friday)
    assert delayed.status is ProposalStatus.DELAYED
    return proposed.proposal_id


def test_serving_releases_due_transfers_at_the_service_clock(engine: Engine) -> None:
    fast_hashing()
    proposal = _delayed_transfer(engine)
    moment = [datetime(2017, 4, 10, 9, 59, tzinfo=SHANGHAI)]
    service = make_service(Settings(), engine, clock=lambda: moment[0])
    assert release_once(service) == []  # a minute early
    moment[0] = datetime(2017, 4, 10, 10, 0, tzinfo=SHANGHAI)
    [released] = release_once(service)
    assert (released.proposal_id, released.status) == (proposal, ProposalStatus.EXECUTED)
    with engine.connect() as connection:
        logged = connection.execute(
            select(audit_log.c.action, audit_log.c.target, audit_log.c.source_ip,
                   audit_log.c.result)
        ).all()  # fmt: skip
    assert logged == [("proposal_release", str(proposal), "release-schedule", "ok")]


def test_the_release_loop_runs_in_the_background_until_stopped(engine: Engine) -> None:
    fast_hashing()
    _delayed_transfer(engine)
    service = make_service(Settings(), engine,
                           clock=lambda: datetime(2017, 4, 10, 10, 0, tzinfo=SHANGHAI))  # fmt: skip
    loop = ReleaseLoop(service, every_s=0.05).start()
    try:
        for _ in range(200):
            with engine.connect() as connection:
                if connection.execute(select(audit_log.c.id)).first() is not None:
                    break
            time.sleep(0.05)
    finally:
        loop.stop()
    assert not loop._thread.is_alive()
    with engine.connect() as connection:
        assert connection.execute(select(audit_log.c.action)).scalars().all() == [
            "proposal_release"]  # fmt: skip
