"""Several server processes share the login throttle and learn of each other's revocations.

Two services over one database stand in for two ``TANSHI_WORKERS`` processes.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service_world import NOW, World, build_world
from tanshi.api.app import make_service
from tanshi.api.tokens import TokenCache
from tanshi.services import credentials, identity, user_admin
from tanshi.services.login_throttle import allow_attempt
from tanshi.services.principals import Principal
from tanshi.web.app import create_app

WRONG = {"username": "verifier", "password": "wrong password!", "scopes": ["read"]}
WAIT_SECONDS = 30.0  # for a notification to arrive: a bound, not a speed expected


def second_process(world: World) -> TestClient:
    return TestClient(create_app(make_service(world.settings, world.engine, clock=lambda: NOW)))


def test_the_login_throttle_counts_the_attempts_made_at_every_process(engine: Engine) -> None:
    world = build_world(engine, login_attempts_per_minute=3)
    other = second_process(world)
    answers = [client.post("/v1/auth/tokens", json=WRONG).status_code
               for client in (world.client, other, world.client, other)]  # fmt: skip
    assert answers == [401, 401, 401, 429]
    # A password change counts in the same throttle.
    change = {"username": "verifier", "password": "wrong password!", "new_password": "x" * 20}
    changed = world.client.post("/v1/auth/password", json=change)
    assert changed.status_code == 429


def test_the_throttle_minute_slides(engine: Engine) -> None:
    for second in (0, 20, 40):
        assert allow_attempt(engine, "10.0.0.1", NOW + timedelta(seconds=second), 3)
    assert not allow_attempt(engine, "10.0.0.1", NOW + timedelta(seconds=59), 3)
    assert allow_attempt(engine, "10.0.0.2", NOW + timedelta(seconds=59), 3)  # another address
    # The attempt at 0 s leaves the minute just after 60 s; a refused one was not counted.
    assert not allow_attempt(engine, "10.0.0.1", NOW + timedelta(seconds=60), 3)
    assert allow_attempt(engine, "10.0.0.1", NOW + timedelta(seconds=60, microseconds=1), 3)
    assert not allow_attempt(engine, "10.0.0.1", NOW + timedelta(seconds=61), 3)


def test_the_throttle_keeps_real_time_while_the_service_clock_stands_still(
    engine: Engine,
) -> None:
    world = build_world(engine, login_attempts_per_minute=2)  # its clock stands at NOW
    moments = iter([NOW, NOW, NOW, NOW + timedelta(seconds=61)])
    world.client.app.state.service.throttle.clock = lambda: next(moments)
    answers = [world.client.post("/v1/auth/tokens", json=WRONG).status_code for _ in range(4)]
    assert answers == [401, 401, 429, 401]  # a real minute later the address may try again


def test_attempts_of_a_clock_set_later_do_not_lock_out_a_clock_set_earlier(
    engine: Engine,
) -> None:
    later = NOW + timedelta(days=1)
    for _ in range(3):
        assert allow_attempt(engine, "10.0.0.1", later, 3)
    assert not allow_attempt(engine, "10.0.0.1", later, 3)
    assert allow_attempt(engine, "10.0.0.1", NOW, 3)  # a restart with TANSHI_CLOCK set back


def _refused_within(client: TestClient, headers: dict[str, str]) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if client.get("/v1/accounts", headers=headers).status_code == 401:
            return True
        time.sleep(0.05)
    return False


def test_a_token_revoked_at_one_process_is_refused_by_another(engine: Engine) -> None:
    world = build_world(engine, token_cache_seconds=300)  # the cache alone would keep it
    headers = world.token("officer-a")
    admin = world.token("admin")
    deactivated = world.token("officer-b")
    with TestClient(world.client.app) as one, second_process(world) as other:
        for client in (one, other):
            assert client.get("/v1/accounts", headers=headers).status_code == 200
            assert client.get("/v1/accounts", headers=deactivated).status_code == 200
        assert one.post("/v1/auth/tokens/revoke", headers=headers).status_code == 200
        assert _refused_within(other, headers)
        # A deactivation, here by the CLI's function (no service's cache is told directly).
        assert identity.deactivate_user(engine, "officer-b", NOW)
        assert _refused_within(one, deactivated) and _refused_within(other, deactivated)
        assert other.get("/v1/accounts", headers=admin).status_code == 200  # others stay


def test_an_organisation_placed_in_a_jurisdiction_is_walled_at_every_process(
    engine: Engine,
) -> None:
    world = build_world(engine, token_cache_seconds=300)  # the cache alone would keep it
    headers = world.token("trader")  # TRD serves every jurisdiction
    with TestClient(world.client.app) as one, second_process(world) as other:
        for client in (one, other):
            assert client.get("/v1/me", headers=headers).json()["jurisdiction"] is None
        assert user_admin.set_organisation_jurisdiction(engine, "TRD", "DP") == []
        for client in (one, other):
            deadline = time.monotonic() + WAIT_SECONDS
            while client.get("/v1/me", headers=headers).json()["jurisdiction"] is None:
                assert time.monotonic() < deadline, "the placement never reached this process"
                time.sleep(0.05)
            assert client.get("/v1/me", headers=headers).json()["jurisdiction"] == "DP"


def test_a_lookup_overtaken_by_a_revocation_is_not_cached(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = TokenCache(world.engine, ttl=300)
    raw = world.token("officer-a")["Authorization"].removeprefix("Bearer ")
    look_up = credentials.principal_for_token

    def overtaken(engine: Engine, token: str, now: datetime) -> Principal | None:
        found = look_up(engine, token, now)
        cache.forget_message(f"token:{identity.digest(token)}")  # revoked meanwhile
        return found

    monkeypatch.setattr(credentials, "principal_for_token", overtaken)
    assert cache.get(raw, NOW) is not None  # this request was already under way
    assert cache.cached(raw) is None
    monkeypatch.setattr(credentials, "principal_for_token", look_up)
    assert cache.get(raw, NOW) is not None and cache.cached(raw) is not None
    cache.forget_message(f"user:{cache.cached(raw).user_id}")  # type: ignore[union-attr]
    assert cache.cached(raw) is None
