"""The regulator's view of the registry controls: every freeze order, and the transfers
waiting for their delay to run out or for the registry to open."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from tanshi.registry.lifecycle import WAITING_FOR_RELEASE
from tanshi.services import unit_freeze_reads, views
from tanshi.services.principals import Principal
from tanshi.store.engine import reader
from tanshi.store.schema import unit_freezes as freeze_rows


def freeze_orders(engine: Engine, limit: int = 200) -> list[unit_freeze_reads.FreezeOrder]:
    """The latest ``limit`` freeze orders of every account: those in force first, newest first."""
    with reader(engine).connect() as connection:
        ids = connection.execute(
            select(freeze_rows.c.id).order_by(freeze_rows.c.id.desc()).limit(limit)
        ).scalars().all()  # fmt: skip
    found = [unit_freeze_reads.freeze_order(engine, int(i)) for i in ids]
    orders = [order for order in found if order is not None]
    return sorted(orders, key=lambda order: (order.released_at is not None, -order.id))


def waiting_transfers(
    engine: Engine, principal: Principal, limit: int = 200
) -> list[dict[str, Any]]:
    """Approved proposals waiting for their release (a delay to an untrusted account, or the
    next opening of the registry), soonest first."""
    waiting = [
        item
        for status in sorted(WAITING_FOR_RELEASE)
        for item in views.proposal_list(engine, principal, status=status.value, limit=limit).items
    ]
    return sorted(waiting, key=lambda p: (p["release_at"] or "", p["id"]))[:limit]
