"""The cache of checked API tokens, and how revocations reach it in every server process.

A revocation or deactivation sends a message on ``identity.TOKENS_CHANNEL`` in its
transaction (whichever process, or the CLI, made it); each service process receives it in a
thread of its own (``store.notifications.Listener``, started by the app's lifespan: LISTEN on
PostgreSQL, polling a table every half second on SQLite) and drops the token, or the user's
tokens, from its cache. A request still reads only the cache: the listening costs no query
per request.
"""

from __future__ import annotations

import time
from datetime import datetime
from threading import Lock

from sqlalchemy import Engine

from tanshi.services import credentials, identity
from tanshi.services.principals import Principal
from tanshi.store.notifications import Listener


class TokenCache:
    """Principals of recently seen bearer tokens, kept ``ttl`` seconds (0: always look up).

    Saves a database round trip per request. A revocation drops the token at once in this
    process and, when its message arrives, in the others (a CLI revocation in every one); one
    whose message is lost (no listener, or its connection down) ends within ``ttl`` seconds.
    """

    def __init__(self, engine: Engine, ttl: float) -> None:
        self.engine, self.ttl = engine, ttl
        self._seen: dict[str, tuple[float, Principal]] = {}
        self._lock = Lock()
        # Bumped by every drop: a lookup that began before a drop does not cache its answer,
        # which the revoking transaction may have made stale meanwhile.
        self._generation = 0

    def forget(self, raw: str | None = None) -> None:
        """Drop one token (or all) from the cache, after a revocation or deactivation."""
        self.forget_message("all" if raw is None else f"token:{identity.digest(raw)}")

    def forget_message(self, payload: str) -> None:
        """Drop what a message on ``identity.TOKENS_CHANNEL`` names: ``token:<sha256>`` or
        ``user:<id>`` (anything else: everything)."""
        kind, _, value = payload.partition(":")
        with self._lock:
            self._generation += 1
            if kind == "token":
                self._seen.pop(value, None)
            elif kind == "user" and value.isdigit():
                user_id = int(value)
                for key in [k for k, (_, p) in self._seen.items() if p.user_id == user_id]:
                    del self._seen[key]
            else:
                self._seen.clear()

    def cached(self, raw: str) -> Principal | None:
        """The principal if the token was checked less than ``ttl`` seconds ago (no I/O)."""
        with self._lock:
            hit = self._seen.get(identity.digest(raw))
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        return None

    def get(self, raw: str, now: datetime) -> Principal | None:
        key = identity.digest(raw)
        hit = self.cached(raw)
        if hit is not None:
            return hit
        generation = self._generation
        found = credentials.principal_for_token(self.engine, raw, now)
        if found is not None and self.ttl > 0:
            with self._lock:
                if generation != self._generation:
                    return found  # answered, but not kept: a drop came during the lookup
                if len(self._seen) > 10_000:
                    self._seen.clear()
                self._seen[key] = (time.monotonic(), found)
        return found

    def listener(self) -> Listener:
        """A listener (to start) that applies the revocations of other processes."""
        return Listener(self.engine, identity.TOKENS_CHANNEL, self.forget_message,
                        on_gap=self.forget)  # fmt: skip
