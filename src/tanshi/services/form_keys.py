"""Web forms sent once: each rendered form carries a key, and the first answer under it is
kept (in ``api_idempotency``, beside the API's keys) so a double submit acts only once.

A key is claimed before the write runs, in its own transaction, so two requests racing with
one key cannot both act: the unique (user, key) index lets only one claim in. The claim is
an answer with status 0 until the write finishes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from tanshi.core.moments import to_utc
from tanshi.store.schema import api_idempotency

PENDING = 0
PREFIX = "web/"  # web keys live beside the API's Idempotency-Keys of the same user


def claim(
    engine: Engine, user_id: int, key: str, fingerprint: str, now: datetime
) -> tuple[bool, tuple[str, int, dict[str, Any]] | None]:
    """(True, None) when this request owns ``key`` now; else (False, the kept fingerprint,
    status and answer), with status ``PENDING`` while the first request still runs."""
    with engine.begin() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        done = connection.execute(
            dialect.insert(api_idempotency)
            .values(user_id=user_id, idempotency_key=PREFIX + key, fingerprint=fingerprint,
                    status_code=PENDING, response={}, created_at=to_utc(now))
            .on_conflict_do_nothing(index_elements=["user_id", "idempotency_key"])
            .returning(api_idempotency.c.id)
        ).first()  # fmt: skip
        if done is not None:
            return True, None
        row = connection.execute(
            select(api_idempotency.c.fingerprint, api_idempotency.c.status_code,
                   api_idempotency.c.response)
            .where(api_idempotency.c.user_id == user_id,
                   api_idempotency.c.idempotency_key == PREFIX + key)
        ).one()  # fmt: skip
    return False, (row[0], int(row[1]), row[2])


def keep(engine: Engine, user_id: int, key: str, status: int, answer: dict[str, Any]) -> None:
    """Keep the answer of the write that claimed ``key``."""
    with engine.begin() as connection:
        connection.execute(
            api_idempotency.update()
            .where(api_idempotency.c.user_id == user_id,
                   api_idempotency.c.idempotency_key == PREFIX + key)
            .values(status_code=status, response=answer)
        )  # fmt: skip


def release(engine: Engine, user_id: int, key: str) -> None:
    """Give up a claim whose write failed unexpectedly, so the form can be sent again."""
    with engine.begin() as connection:
        connection.execute(
            api_idempotency.delete().where(
                api_idempotency.c.user_id == user_id,
                api_idempotency.c.idempotency_key == PREFIX + key,
                api_idempotency.c.status_code == PENDING,
            )
        )
