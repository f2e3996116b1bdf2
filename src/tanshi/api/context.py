"""What every route needs: the engine, settings, clock, cached jurisdictions, who is asking."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.security import HTTPBearer
from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool

from tanshi.api.clock import real_time
from tanshi.api.errors import ApiError, no_rule_error
from tanshi.api.settings import Settings
from tanshi.api.tokens import TokenCache
from tanshi.core.errors import TanshiError
from tanshi.rulebook.in_force import NoRuleInForce, sectors_not_in_force
from tanshi.services import access_log, login_throttle
from tanshi.services.authentication import LoginPolicy
from tanshi.services.jurisdiction import Jurisdiction, load_jurisdiction
from tanshi.services.principals import Principal, Scope
from tanshi.services.views import jurisdiction_list, reading
from tanshi.store.async_reads import AsyncReads
from tanshi.store.notifications import Listener
from tanshi.store.prepared import Send, pipeline
from tanshi.store.schema import accounts, jurisdictions, unit_classes

Clock = Callable[[], datetime]
Ahead = TypeVar("Ahead")


class LoginThrottle:
    """At most ``per_minute`` login attempts per client address in any sliding minute, counted
    in the database: every server process shares the count (services/login_throttle.py).

    The minute is real time, not the service's clock: a demo's clock may stand still or be
    set back, and a rate is about how fast someone guesses."""

    def __init__(self, engine: Engine, per_minute: int, clock: Clock = real_time) -> None:
        self.engine, self.per_minute, self.clock = engine, per_minute, clock

    def allow(self, address: str) -> bool:
        """Count an attempt from ``address`` now, if allowed."""
        return login_throttle.allow_attempt(self.engine, address, self.clock(), self.per_minute)


def _refuse_if_unplaced(who: Principal, field_name: str) -> None:
    """403 ``no_jurisdiction`` for a user walled to a jurisdiction whose organisation has none."""
    if who.jurisdiction is None:
        raise ApiError(
            403, "no_jurisdiction",
            "your organisation belongs to no jurisdiction: an operator sets it with "
            "`tanshi user organisation-jurisdiction`", field_name,
        )  # fmt: skip


@dataclass
class Service:
    """The running service's state, shared by the API and the web UI."""

    engine: Engine
    settings: Settings
    clock: Clock = real_time
    throttle: LoginThrottle = field(init=False)
    tokens: TokenCache = field(init=False)
    _jurisdictions: dict[str, Jurisdiction] = field(default_factory=dict)
    _unit_classes: dict[str, tuple[int, str]] = field(default_factory=dict)
    # Reads on the event loop (PostgreSQL; opened by the app's lifespan): see store/async_reads.py
    reads: AsyncReads | None = None
    # Revocations made by other processes (PostgreSQL; started by the lifespan): api/tokens.py
    revocations: Listener | None = None

    def __post_init__(self) -> None:
        self.throttle = LoginThrottle(self.engine, self.settings.login_attempts_per_minute)
        self.tokens = TokenCache(self.engine, self.settings.token_cache_seconds)

    @property
    def policy(self) -> LoginPolicy:
        return LoginPolicy(
            self.settings.login_max_failures, timedelta(minutes=self.settings.lockout_minutes)
        )

    def now(self) -> datetime:
        return self.clock()

    def jurisdiction(
        self, code: str | None, field_name: str = "jurisdiction", who: Principal | None = None
    ) -> Jurisdiction:
        """The jurisdiction ``code``, or the only one in the database when none is named.

        Asked for ``who``: when none is named, ``who``'s own; one ``who`` may not see (its
        organisation belongs to another, docs/security.md "Jurisdictions") answers 403.
        """
        if who is not None and who.jurisdiction_bound:
            _refuse_if_unplaced(who, field_name)
            if code is not None and code != who.jurisdiction:
                raise ApiError(403, "not_your_jurisdiction",
                               f"your organisation belongs to {who.jurisdiction}, not {code}",
                               field_name)  # fmt: skip
            code = who.jurisdiction
        if code is None:
            codes = [j["code"] for j in jurisdiction_list(self.engine)]
            if len(codes) != 1:
                held = ", ".join(codes) if codes else "none yet"
                raise ApiError(422, "jurisdiction_required",
                               f"name the jurisdiction: this database holds {held}",
                               field_name)  # fmt: skip
            code = codes[0]
        if code not in self._jurisdictions:
            try:
                self._jurisdictions[code] = load_jurisdiction(self.engine, code)
            except TanshiError as error:
                raise ApiError(404, "unknown_jurisdiction", str(error), field_name) from error
        return self._jurisdictions[code]

    def uncovered_sectors(self, year: int, scope: str | None) -> dict[str, frozenset[str]]:
        """Jurisdiction code → the sectors its rulebook does not cover in ``year``, for
        ``scope`` or, without one, every jurisdiction of the database."""
        codes = [scope] if scope else [j["code"] for j in jurisdiction_list(self.engine)]
        return {
            code: sectors_not_in_force(self.jurisdiction(code).rulebook, year) for code in codes
        }

    def loaded_jurisdiction(self, jurisdiction_id: int) -> Jurisdiction | None:
        """The jurisdiction with this id if this process has loaded it already (no I/O)."""
        return next((j for j in self._jurisdictions.values() if j.id == jurisdiction_id), None)

    def jurisdiction_of_account(
        self, code: str, field_name: str = "path.code", who: Principal | None = None
    ) -> Jurisdiction:
        """The jurisdiction account ``code`` was opened in (``accounts.jurisdiction_id``, one
        query), not the one its code happens to begin with.

        No such account answers 404 ``unknown_account``. Asked for ``who``, walled as
        ``jurisdiction``: another jurisdiction's account is answered as one that does not
        exist (404, docs/security.md "Jurisdictions"), and ``who`` without a jurisdiction of
        its own 403 ``no_jurisdiction``.
        """
        if who is not None and who.jurisdiction_bound:
            _refuse_if_unplaced(who, field_name)  # before any look-up: no existence oracle
        with reading(self.engine) as connection:
            found = connection.execute(
                select(jurisdictions.c.code)
                .join_from(accounts, jurisdictions, accounts.c.jurisdiction_id == jurisdictions.c.id)
                .where(accounts.c.code == code)
            ).scalar()  # fmt: skip
        hidden = (who is not None and who.jurisdiction_bound and who.jurisdiction is not None
                  and who.jurisdiction != found)  # fmt: skip
        if found is None or hidden:
            raise ApiError(404, "unknown_account", f"no account {code} that you may read",
                           field_name)  # fmt: skip
        return self.jurisdiction(found, field_name, who)

    def unit_class(self, code: str, field_name: str) -> tuple[int, Jurisdiction] | None:
        """The id and jurisdiction of unit class ``code``, or None if there is no such class.

        Kept once found: a unit class never changes its id, code or jurisdiction.
        """
        if code not in self._unit_classes:
            with reading(self.engine) as connection:
                found = connection.execute(
                    select(unit_classes.c.id, unit_classes.c.jurisdiction).where(
                        unit_classes.c.code == code
                    )
                ).first()
            if found is None:
                return None
            self._unit_classes[code] = (int(found.id), found.jurisdiction)
        unit_class, jurisdiction = self._unit_classes[code]
        return unit_class, self.jurisdiction(jurisdiction, field_name)


async def service(request: Request) -> Service:
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(service)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


class BearerToken(HTTPBearer):
    """A dependency: the principal of the bearer token, who must hold ``scope`` if given.

    One dependency rather than a chain (service, header, token, scope): FastAPI's cost per
    request grows with every dependency it solves. It is still an ``HTTPBearer``, so the
    OpenAPI document declares the scheme on every route that uses it.
    """

    def __init__(self, scope: Scope | None = None) -> None:
        super().__init__(
            auto_error=False, scheme_name="HTTPBearer",
            description="an API token: Authorization: Bearer tsk_…",
        )  # fmt: skip
        self.scope = scope

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]  # a FastAPI dependency: answers the principal
        """401 without a valid token, 403 without the scope."""
        scheme, _, raw = request.headers.get("authorization", "").partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw:
            raise ApiError(401, "unauthenticated", "send Authorization: Bearer <API token>",
                           "header.Authorization", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        svc: Service = request.app.state.service
        # A cached token is answered on the event loop; a lookup goes to the thread pool.
        found = svc.tokens.cached(raw) or await run_in_threadpool(svc.tokens.get, raw, svc.now())
        if found is None:
            raise ApiError(401, "invalid_token", "the token is unknown, revoked or expired",
                           "header.Authorization", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        request.state.principal = found
        if self.scope is not None and self.scope not in found.scopes:
            raise ApiError(403, "insufficient_scope",
                           f"this needs the {self.scope.value} scope, which the token lacks")  # fmt: skip
        return found


authenticated = BearerToken()


def needs(scope: Scope) -> BearerToken:
    """A dependency: the principal, who must hold ``scope``."""
    return BearerToken(scope)


Reader = Annotated[Principal, Depends(needs(Scope.READ))]


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="1-120 characters; retries reuse it"),
    ] = None,
) -> str:
    if key is None or not 1 <= len(key) <= 120 or not key.isprintable():
        raise ApiError(400, "idempotency_key_required",
                       "send an Idempotency-Key header of 1-120 printable characters with "
                       "every write; send the same key again to retry safely",
                       "header.Idempotency-Key")  # fmt: skip
    return key


IdempotencyKey = Annotated[str, Depends(idempotency_key)]


def registry_key(principal: Principal, key: str) -> str:
    """The registry's idempotency key for an API write: the user's key in the user's space."""
    return f"api/{principal.user_id}/{key}"


def fingerprint(request: Request, payload: Any) -> str:
    text = json.dumps([request.method, request.url.path, payload], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# Refusals kept under their key, like successes: a retry gets the same refusal.
_KEPT_REFUSALS = (401, 403, 404, 409, 422)


def _replayed(stored: tuple[str, int, dict[str, Any]], print_: str) -> tuple[int, dict[str, Any]]:
    if stored[0] != print_:
        raise ApiError(409, "idempotency_key_reused_with_different_request",
                       "this Idempotency-Key was used for another request; use a new key",
                       "header.Idempotency-Key")  # fmt: skip
    status, body = stored[1], stored[2]
    if status >= 400:  # a kept refusal is answered again as the error it was
        raise ApiError.from_body(status, body)
    return status, body


def idempotent_write(
    svc: Service, request: Request, principal: Principal, key: str, action: str, target: str,
    payload: dict[str, Any], run: Callable[[], tuple[int, dict[str, Any]]],
    secret_fields: tuple[str, ...] = (),
) -> tuple[int, dict[str, Any]]:  # fmt: skip
    """Run a write once per (user, key): a retry gets the first answer, another body a 409.

    Successes and refusals are both kept and replayed, and every attempt is audited. A
    success is kept with ``secret_fields`` null: a secret is answered once and not stored.
    """
    print_ = fingerprint(request, payload)
    stored = access_log.stored_response(svc.engine, principal.user_id, key)
    if stored is not None:
        return _replayed(stored, print_)
    now = svc.now()
    audit: access_log.Audit = {
        "action": action, "target": target, "source_ip": client_address(request),
        "detail": {"request": payload, "key": key},
    }  # fmt: skip
    try:
        status, body = run()
    except (ApiError, NoRuleInForce) as raised:
        error = no_rule_error(raised) if isinstance(raised, NoRuleInForce) else raised
        keep = error.status in _KEPT_REFUSALS
        access_log.finish_write(svc.engine, principal, key, print_, error.status, error.body(), now,
                              keep=keep, result=error.code, **audit)  # fmt: skip
        raise
    kept = body | dict.fromkeys(secret_fields) if secret_fields else body
    access_log.finish_write(svc.engine, principal, key, print_, status, kept, now, keep=True,
                          result="ok", **audit)  # fmt: skip
    return status, body


def idempotent_write_in(
    svc: Service, request: Request, principal: Principal, key: str, action: str, target: str,
    payload: dict[str, Any], ahead: Callable[[Send], Ahead],
    run: Callable[[Connection, Ahead], tuple[int, dict[str, Any]] | ApiError],
) -> tuple[int, dict[str, Any]]:  # fmt: skip
    """``idempotent_write`` in one database transaction, for a write on one connection.

    The key's check, the write, its kept answer and its audit line commit together.
    ``ahead`` sends the write's first reads in the round trip that looks the key up (and, on
    PostgreSQL, begins the transaction); ``run`` gets the connection and what ``ahead``
    returned, and must do all its reads and writes on that connection (on SQLite a second
    connection would wait for this one's write lock). An ``ApiError`` it raises rolls the
    write back, then the refusal is kept and audited on its own; an ``ApiError`` it returns
    is a refusal whose record (a failed proposal, say) commits with it.
    """
    print_ = fingerprint(request, payload)
    now = svc.now()
    audit: access_log.Audit = {
        "action": action, "target": target, "source_ip": client_address(request),
        "detail": {"request": payload, "key": key},
    }  # fmt: skip
    try:
        with svc.engine.begin() as connection:
            with pipeline(connection) as send:
                kept = access_log.send_stored_response(send, principal.user_id, key)
                early = ahead(send)
            stored = kept()
            if stored is None:
                answer = run(connection, early)
                if isinstance(answer, ApiError):
                    status, body = answer.status, answer.body()
                    keep, result = status in _KEPT_REFUSALS, answer.code
                else:
                    (status, body), keep, result = answer, True, "ok"
                access_log.finish_write_in(connection, principal, key, print_, status, body,
                                           now, keep=keep, result=result, **audit)  # fmt: skip
    except (ApiError, NoRuleInForce) as raised:
        error = no_rule_error(raised) if isinstance(raised, NoRuleInForce) else raised
        keep = error.status in _KEPT_REFUSALS
        access_log.finish_write(svc.engine, principal, key, print_, error.status, error.body(),
                                now, keep=keep, result=error.code, **audit)  # fmt: skip
        raise
    if stored is not None:
        return _replayed(stored, print_)
    if isinstance(answer, ApiError):
        raise answer
    return status, body
