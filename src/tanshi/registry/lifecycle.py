"""The lifecycle of a transaction proposed by a person, and the checks on who and when.

    proposed ──checked──▶ awaiting_approval ──approved by another representative──▶
        delayed (transfers to an untrusted account) ──released──▶ executed
        queued (the registry is closed: waits for the next opening) ──released──▶ executed
    any step can end in ``failed`` with one result code; awaiting, delayed and queued
    proposals can be cancelled.

Types without ``approval_required`` skip the approval (so do transfers to trusted accounts
when the holder waived it and the rulebook allows that); without a delay they execute at
once, or at the next opening when the rulebook queues what comes while the registry is
closed. Checks return ``ResultCode``s; the first by precedence is the outcome.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tanshi.registry.booking import ResultCode
from tanshi.registry.controls import Calendar


class ProposalStatus(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    DELAYED = "delayed"
    QUEUED = "queued"
    EXECUTED = "executed"
    FAILED = "failed"
    CANCELLED = "cancelled"


CANCELLABLE = frozenset(
    {ProposalStatus.AWAITING_APPROVAL, ProposalStatus.DELAYED, ProposalStatus.QUEUED}
)
# Waiting for a moment: ``release_due`` takes them when it has come.
WAITING_FOR_RELEASE = frozenset({ProposalStatus.DELAYED, ProposalStatus.QUEUED})


@dataclass(frozen=True, slots=True)
class Rights:
    """What a representative may do on an account."""

    initiate: bool = False
    approve: bool = False
    view: bool = True


def initiation_problems(
    rights_on_sources: Iterable[Rights],
    calendar: Calendar | None,
    now: datetime,
    sent_today_units: int,
    quantity_units: int,
    daily_limit_units: int | None,
    *,
    queue_when_closed: bool = False,
) -> set[ResultCode]:
    """What stops a person proposing: rights on every source, business hours (unless what
    comes while closed is queued), daily limit."""
    found: set[ResultCode] = set()
    if not all(rights.initiate for rights in rights_on_sources):
        found.add(ResultCode.INITIATOR_LACKS_RIGHT)
    if calendar is not None and not queue_when_closed and not calendar.is_open(now):
        found.add(ResultCode.OUTSIDE_BUSINESS_HOURS)
    if daily_limit_units is not None and sent_today_units + quantity_units > daily_limit_units:
        found.add(ResultCode.DAILY_LIMIT_EXCEEDED)
    return found


def approval_problems(
    status: ProposalStatus,
    initiator: str,
    approver: str,
    approver_rights_on_sources: Iterable[Rights],
    calendar: Calendar | None,
    now: datetime,
    *,
    queue_when_closed: bool = False,
) -> set[ResultCode]:
    """What stops a person approving: state, four eyes, rights, business hours (unless what
    comes while closed is queued)."""
    found: set[ResultCode] = set()
    if status is not ProposalStatus.AWAITING_APPROVAL:
        found.add(ResultCode.PROPOSAL_NOT_AWAITING_APPROVAL)
    if approver == initiator:
        found.add(ResultCode.APPROVER_MUST_DIFFER_FROM_INITIATOR)
    if not all(rights.approve for rights in approver_rights_on_sources):
        found.add(ResultCode.APPROVER_LACKS_RIGHT)
    if calendar is not None and not queue_when_closed and not calendar.is_open(now):
        found.add(ResultCode.OUTSIDE_BUSINESS_HOURS)
    return found
