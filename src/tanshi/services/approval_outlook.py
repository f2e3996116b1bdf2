"""What approving a waiting proposal now would lead to: executed at once, or held until when.

The second approver sees it before approving (web approvals queue, API proposal reads).
``services.lifecycle`` decides with the same function when the approval comes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from tanshi.core.moments import to_utc
from tanshi.registry.controls import execution_time
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.registry.transaction_types import TRANSACTION_TYPES
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.trusted_list import registry_calendar, registry_rule, trusts_all
from tanshi.store.engine import reading
from tanshi.store.schema import accounts, jurisdictions, proposals


def release_after_approval(
    connection: Connection, jurisdiction: Jurisdiction, type_code: str, source: int,
    targets: list[int], now: datetime, start: datetime | None = None,
) -> tuple[bool, datetime] | None:  # fmt: skip
    """Whether a proposal approved at ``now`` is delayed (a destination ``source`` does not
    trust) and when it executes (``now`` itself when at once); None without a registry rule
    in force (it executes at once). The delay runs from ``start`` (default ``now``)."""
    rule, calendar = registry_rule(jurisdiction, now), registry_calendar(jurisdiction, now)
    if rule is None or calendar is None:
        return None
    declared = TRANSACTION_TYPES[type_code]
    delayed = declared.delayed_to_untrusted and not trusts_all(
        connection, rule, source, targets, now
    )
    release = execution_time(
        calendar, start or now, delayed=delayed,
        delay_hours=rule.untrusted_transfer_delay_hours, release_clock=rule.release_clock(),
    )  # fmt: skip
    return delayed, release


def with_outlook(
    engine: Engine, shown: list[dict[str, Any]], jurisdiction: Callable[[str], Jurisdiction],
    now: datetime,
) -> list[dict[str, Any]]:  # fmt: skip
    """``shown`` (proposals as ``views`` shapes them) with, for those awaiting approval,
    ``destination_trusted`` (None where the type is never delayed) and
    ``release_if_approved_now`` (ISO time; None when approval now executes it at once).

    ``jurisdiction`` loads one by code (the source account's jurisdiction).
    """
    waiting = [p["id"] for p in shown if p["status"] == ProposalStatus.AWAITING_APPROVAL.value]
    if not waiting:
        return shown
    with reading(engine) as connection:
        rows = connection.execute(
            select(proposals.c.id, proposals.c.type_code, proposals.c.source_account_id,
                   proposals.c.request, jurisdictions.c.code)
            .join(accounts, accounts.c.id == proposals.c.source_account_id)
            .join(jurisdictions, jurisdictions.c.id == accounts.c.jurisdiction_id)
            .where(proposals.c.id.in_(waiting))
        ).all()  # fmt: skip
        found: dict[int, dict[str, Any]] = {}
        for row in rows:
            targets = sorted({int(m[1]) for m in row.request["movements"]})
            ahead = release_after_approval(
                connection, jurisdiction(row.code), row.type_code, row.source_account_id,
                targets, now,
            )  # fmt: skip
            if ahead is None:  # no registry rule in force: approval executes it at once
                continue
            delayed, release = ahead
            declared = TRANSACTION_TYPES[row.type_code]
            found[row.id] = {
                "destination_trusted": not delayed if declared.delayed_to_untrusted else None,
                "release_if_approved_now": to_utc(release).isoformat() if release > now else None,
            }
    return [p | found.get(p["id"], {}) for p in shown]
