"""The audit log of every write, and the kept answers of API writes by idempotency key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import JSON, Connection, Engine, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from tanshi.core.moments import to_utc
from tanshi.services.principals import Principal
from tanshi.store.prepared import Prepared, Send, pipeline
from tanshi.store.schema import api_idempotency, audit_log

# A kept answer: the request's fingerprint, the status and the body.
Stored = tuple[str, int, dict[str, Any]]
_AUDIT_COLUMNS = ("at", "user_id", "username", "organisation", "action", "target", "source_ip",
                  "result", "detail")  # fmt: skip
_RECORD = Prepared(audit_log.insert().values({c: bindparam(c) for c in _AUDIT_COLUMNS}))
_STORED = Prepared(
    select(api_idempotency.c.fingerprint, api_idempotency.c.status_code,
           api_idempotency.c.response)
    .where(api_idempotency.c.user_id == bindparam("user_id"),
           api_idempotency.c.idempotency_key == bindparam("key"))
)  # fmt: skip
_KEEP_COLUMNS = ("user_id", "idempotency_key", "fingerprint", "status_code", "response",
                 "created_at")  # fmt: skip
_KEEP = {
    name: Prepared(
        dialect.insert(api_idempotency)
        .values({c: bindparam(c, type_=JSON if c == "response" else None) for c in _KEEP_COLUMNS})
        .on_conflict_do_nothing(index_elements=["user_id", "idempotency_key"])
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def record(
    connection: Connection, principal: Principal | None, action: str, target: str,
    source_ip: str, result: str, now: datetime, detail: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """Append one line to the audit log: who, what, on what, from where, with what result."""
    _RECORD.rows(connection, **_line(principal, action, target, source_ip, result, now, detail))


def _line(
    principal: Principal | None, action: str, target: str, source_ip: str, result: str,
    now: datetime, detail: dict[str, Any] | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "at": to_utc(now), "user_id": principal.user_id if principal else None,
        "username": principal.username if principal else "-",
        "organisation": principal.organisation if principal else "-",
        "action": action[:60], "target": target[:200], "source_ip": source_ip[:64],
        "result": result[:60], "detail": detail or {},
    }  # fmt: skip


def audit(engine: Engine, principal: Principal | None, action: str, target: str,
          source_ip: str, result: str, now: datetime,
          detail: dict[str, Any] | None = None) -> None:  # fmt: skip
    with engine.begin() as connection:
        record(connection, principal, action, target, source_ip, result, now, detail)


def stored_response(
    engine: Engine, user_id: int, key: str
) -> tuple[str, int, dict[str, Any]] | None:
    """The fingerprint, status and body of an API write already made with this key.

    On the write engine (on SQLite, BEGIN IMMEDIATE), not ``reading``'s: the look-up is part
    of a write, and waits as before for another request still writing.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return stored_response_in(connection, user_id, key)


def stored_response_in(connection: Connection, user_id: int, key: str) -> Stored | None:
    """``stored_response`` on the caller's connection."""
    return _stored_from(_STORED.first(connection, user_id=user_id, key=key))


def send_stored_response(send: Send, user_id: int, key: str) -> Callable[[], Stored | None]:
    """``stored_response_in`` sent in the caller's ``pipeline``; call the result after it."""
    pending = send(_STORED, user_id=user_id, key=key)
    return lambda: _stored_from(pending.first())


def _stored_from(row: Any) -> Stored | None:
    return None if row is None else (row[0], int(row[1]), row[2])


class Audit(TypedDict):
    """The audit line's fields of an API write, passed as ``**audit`` to ``finish_write``."""

    action: str
    target: str
    source_ip: str
    detail: dict[str, Any]


def finish_write(
    engine: Engine, principal: Principal, key: str, fingerprint: str, status: int,
    body: dict[str, Any], now: datetime, *, keep: bool, action: str, target: str,
    source_ip: str, result: str, detail: dict[str, Any],
) -> None:  # fmt: skip
    """In one transaction: keep an API write's answer under its key (if ``keep``), and audit it.

    A retry with the same key then gets the same answer; when two requests with one key race,
    the first answer kept wins.
    """
    with engine.begin() as connection:
        finish_write_in(connection, principal, key, fingerprint, status, body, now, keep=keep,
                        action=action, target=target, source_ip=source_ip, result=result,
                        detail=detail)  # fmt: skip


def finish_write_in(
    connection: Connection, principal: Principal, key: str, fingerprint: str, status: int,
    body: dict[str, Any], now: datetime, *, keep: bool, action: str, target: str,
    source_ip: str, result: str, detail: dict[str, Any],
) -> None:  # fmt: skip
    """``finish_write`` inside the caller's transaction (with the write it answers for).

    On PostgreSQL both rows go in one round trip.
    """
    with pipeline(connection) as send:
        if keep:
            send(_KEEP[connection.dialect.name], user_id=principal.user_id,
                 idempotency_key=key, fingerprint=fingerprint, status_code=status,
                 response=body, created_at=to_utc(now))  # fmt: skip
        send(_RECORD, **_line(principal, action, target, source_ip, result, now, detail))
