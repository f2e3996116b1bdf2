"""Transactions proposed by people: four-eyes approval, delays, trusted lists, cancellation.

Regulator processes (allocation, compliance) execute directly through ``registry.execute``;
everything a person asks for goes through here. Every step and every refused attempt is
written to ``proposal_events``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from tanshi.core.moments import from_store, to_utc
from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.registry.booking import first_by_precedence, request_problems
from tanshi.registry.lifecycle import (
    CANCELLABLE,
    WAITING_FOR_RELEASE,
    ProposalStatus,
    approval_problems,
    initiation_problems,
)
from tanshi.registry.limits import transfer_limit_problems
from tanshi.registry.transaction_types import PERSON_TYPES, TRANSACTION_TYPES, TransactionType
from tanshi.rulebook.model import RegistryRule
from tanshi.services import proposal_store
from tanshi.services.account_limits import limit_in
from tanshi.services.approval_outlook import release_after_approval
from tanshi.services.jurisdiction import Jurisdiction, account_id, load_jurisdiction
from tanshi.services.proposal_store import local_day
from tanshi.services.registry import execute_in, lock_journal_head
from tanshi.services.trusted_list import (  # noqa: F401 - trust_account re-exported
    approval_waiver_on,
    registry_calendar,
    registry_rule,
    rights,
    trust_account,
    trusts_all,
)
from tanshi.services.unique_keys import again_if_taken, unique_key
from tanshi.store.engine import reader
from tanshi.store.schema import (
    accounts,
    jurisdictions,
    proposals,
    representatives,
    retirements,
)


@dataclass(frozen=True, slots=True)
class ProposalOutcome:
    """Where a proposal stands after a step, and the result code of that step.

    ``replayed`` is True when the idempotency key had been used: this is that proposal.
    """

    proposal_id: int | None
    status: ProposalStatus | None
    result: ResultCode
    release_at: datetime | None = None
    transaction_id: int | None = None
    replayed: bool = False


@again_if_taken(unique_key(representatives, "account_id", "person"))
def add_representative(
    engine: Engine, account_code: str, person: str, *, initiate: bool, approve: bool
) -> None:
    """Give ``person`` rights on an account (view always); again replaces the rights."""
    with engine.begin() as connection:
        account = account_id(connection, account_code)
        connection.execute(
            representatives.delete().where(
                representatives.c.account_id == account, representatives.c.person == person
            )
        )
        connection.execute(representatives.insert().values(
            account_id=account, person=person, can_initiate=initiate, can_approve=approve,
            can_view=True,
        ))  # fmt: skip


def _log(connection: Connection, proposal: int, now: datetime, event: str, actor: str,
         result: ResultCode) -> None:  # fmt: skip
    proposal_store.EVENT.rows(connection, proposal_id=proposal, at=to_utc(now), event=event,
                              actor=actor, result=result.value)  # fmt: skip


def lock_proposals_of(connection: Connection, accounts: list[int]) -> None:
    """Serialise the proposals from ``accounts``, so daily limits hold under load.

    PostgreSQL: a transaction-scoped advisory lock per source account, not the journal head,
    so proposals from different accounts run side by side. Take it before any registry lock
    (the journal head, holdings rows); nothing takes it while holding one, so it cannot
    deadlock with them. SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    proposal_store.lock_sources(connection, sorted(accounts))


def propose(
    engine: Engine, jurisdiction: Jurisdiction, request: TransactionRequest, initiator: str,
    now: datetime, *, retirement: tuple[str, str] | None = None,
) -> ProposalOutcome:  # fmt: skip
    """Check and record a person's request; execute it at once when no approval or delay applies.

    Only ``PERSON_TYPES`` may be proposed, from one source account. ``retirement`` is the
    (beneficiary, purpose) of a voluntary retirement, recorded when it executes.
    """
    with engine.begin() as connection:
        return propose_in(connection, jurisdiction, request, initiator, now,
                          retirement=retirement)  # fmt: skip


def propose_in(
    connection: Connection, jurisdiction: Jurisdiction, request: TransactionRequest,
    initiator: str, now: datetime, *, retirement: tuple[str, str] | None = None,
) -> ProposalOutcome:  # fmt: skip
    """``propose`` inside the caller's transaction (which it leaves to the caller to commit).

    A proposal that waits for approval locks only its source account (``lock_proposals_of``):
    its daily limit and idempotency key are checked consistently, while its balance, rights
    and account statuses are checked again, under the journal-head lock, when it executes.
    One that may execute at once (no approval needed, or the rulebook lets the holder waive
    it for trusted destinations) also takes the journal-head lock, as every registry write
    does. One that comes while the registry is closed is refused or queued, as the rule says.
    """
    sources = sorted({m.from_account for m in request.movements})
    declared = TRANSACTION_TYPES.get(request.type_code)
    waiting = declared is not None and declared.approval_required
    rule = registry_rule(jurisdiction, now)
    # Where the holder may waive the second approval, a transfer may execute at once.
    may_waive = waiting and rule is not None and rule.second_approval_waiver
    if not waiting or may_waive:  # may execute at once: the source locks, then the head's
        lock_proposals_of(connection, sources)
        lock_journal_head(connection)
    limit = rule.daily_limit_units if rule else None
    today = local_day(jurisdiction.rulebook.rulebook.timezone, now) if limit else None
    seen = proposal_store.read_for_proposal(
        connection, [a for m in request.movements for a in (m.from_account, m.to_account)],
        [m.unit_class for m in request.movements], sources, initiator, today,
        lock=waiting and not may_waive,
    )  # fmt: skip
    quantity = sum(m.quantity_units for m in request.movements)
    found = request_problems(request, seen.accounts, seen.classes, seen.held)
    if request.type_code not in PERSON_TYPES:
        found.add(ResultCode.TYPE_NOT_OPEN_TO_PEOPLE)
    if len(sources) > 1:
        found.add(ResultCode.ONE_SOURCE_PER_PROPOSAL)
    if sources:
        found |= initiation_problems(
            seen.rights, registry_calendar(jurisdiction, now), now, seen.sent_today, quantity,
            limit, queue_when_closed=rule is not None and rule.out_of_hours == "queue",
        )  # fmt: skip
    if not found and sources:  # the limits come last by precedence: read them for a clean one
        targets = sorted({m.to_account for m in request.movements})
        found = _limit_problems(connection, rule, declared, sources[0], targets, quantity, now)
    result = first_by_precedence(found)
    if not sources:
        return ProposalOutcome(None, None, result)
    status = (
        ProposalStatus.FAILED if result is not ResultCode.OK else ProposalStatus.AWAITING_APPROVAL
    )
    proposal = proposal_store.insert_proposal(connection, {
        "idempotency_key": request.idempotency_key, "type_code": request.type_code,
        "request": _to_json(request, retirement), "source_account_id": sources[0],
        "quantity_units": quantity, "initiator": initiator, "status": status.value,
        "result": result.value, "proposed_at": to_utc(now),
    }, initiator)  # fmt: skip
    if proposal is None:  # the key was used before: the first proposal's outcome stands
        existing = proposal_store.PROPOSAL_BY_KEY.first(connection, key=request.idempotency_key)
        assert existing is not None
        return _outcome(existing)
    targets = sorted({m.to_account for m in request.movements})
    if (
        result is ResultCode.OK and may_waive and approval_waiver_on(connection, sources[0])
        and trusts_all(connection, rule, sources[0], targets, now)
    ):  # fmt: skip
        _log(connection, proposal, now, "approval_waived", initiator, ResultCode.OK)
        return _advance(connection, jurisdiction, proposal, now, initiator)
    if result is ResultCode.OK and not waiting:
        return _advance(connection, jurisdiction, proposal, now, initiator)
    return ProposalOutcome(proposal, status, result)


def approve(
    engine: Engine, jurisdiction: Jurisdiction, proposal_id: int, approver: str, now: datetime
) -> ProposalOutcome:
    """A second representative approves; the proposal is then delayed or executed.

    A refused approval leaves the proposal waiting; the attempt is logged.
    """
    with engine.begin() as connection:
        lock_journal_head(connection)
        row = _locked(connection, proposal_id)
        if row is None:
            return ProposalOutcome(None, None, ResultCode.PROPOSAL_NOT_FOUND)
        sources = sorted({m[0] for m in row.request["movements"]})
        rule = registry_rule(jurisdiction, now)
        found = approval_problems(
            ProposalStatus(row.status), row.initiator, approver,
            [rights(connection, source, approver) for source in sources],
            registry_calendar(jurisdiction, now), now,
            queue_when_closed=rule is not None and rule.out_of_hours == "queue",
        )  # fmt: skip
        result = first_by_precedence(found)
        if result is not ResultCode.OK:
            _log(connection, proposal_id, now, "approval_refused", approver, result)
            return ProposalOutcome(proposal_id, ProposalStatus(row.status), result)
        connection.execute(
            proposals.update().where(proposals.c.id == proposal_id).values(approver=approver)
        )
        _log(connection, proposal_id, now, "approved", approver, ResultCode.OK)
        return _advance(connection, jurisdiction, proposal_id, now, approver)


def _advance(
    connection: Connection, jurisdiction: Jurisdiction, proposal_id: int, now: datetime,
    actor: str, start: datetime | None = None,
) -> ProposalOutcome:  # fmt: skip
    """After approval (or none needed): delay a transfer to an untrusted account, queue what
    comes while the registry is closed, else execute.

    The delay runs from ``start`` (default ``now``), or from the next opening if closed.
    """
    row = _locked(connection, proposal_id)
    assert row is not None
    declared = TRANSACTION_TYPES[row.type_code]
    rule = registry_rule(jurisdiction, now)
    targets = sorted({target for _, target, *_ in row.request["movements"]})
    ahead = release_after_approval(connection, jurisdiction, row.type_code,
                                   row.source_account_id, targets, now, start)  # fmt: skip
    if ahead is None:
        return _execute(connection, proposal_id, now, actor)
    delayed, release = ahead
    # A limit lowered or a trusted entry removed since the proposal refuses it now.
    refused = first_by_precedence(_limit_problems(
        connection, rule, declared, row.source_account_id, targets, row.quantity_units, now,
        trusted=not delayed))  # fmt: skip
    if refused is not ResultCode.OK:
        connection.execute(proposals.update().where(proposals.c.id == proposal_id).values(
            status=ProposalStatus.FAILED.value, result=refused.value))  # fmt: skip
        _log(connection, proposal_id, now, ProposalStatus.FAILED.value, actor, refused)
        return ProposalOutcome(proposal_id, ProposalStatus.FAILED, refused)
    if release > now:
        status = ProposalStatus.DELAYED if delayed else ProposalStatus.QUEUED
        connection.execute(proposals.update().where(proposals.c.id == proposal_id).values(
            status=status.value, release_at=to_utc(release),
        ))  # fmt: skip
        _log(connection, proposal_id, now, status.value, actor, ResultCode.OK)
        return ProposalOutcome(proposal_id, status, ResultCode.OK, release)
    return _execute(connection, proposal_id, now, actor)


def _limit_problems(
    connection: Connection, rule: RegistryRule | None, declared: TransactionType | None,
    source: int, targets: list[int], quantity: int, now: datetime, *,
    trusted: bool | None = None,
) -> set[ResultCode]:  # fmt: skip
    """The account's own limit per transfer and the registry's trusted-only threshold (EU
    Reg. 2019/1122 Art. 23(3a)-(3b)); ``trusted`` when the caller knows it already."""
    if rule is None or declared is None or not declared.delayed_to_untrusted:
        return set()
    own = None if rule.account_transaction_limits == "not_offered" else limit_in(
        connection, source)  # fmt: skip
    threshold = rule.untrusted_transfer_max_units
    if trusted is None:
        above = threshold is not None and quantity > threshold
        trusted = not above or trusts_all(connection, rule, source, targets, now)
    return transfer_limit_problems(quantity, limited_type=True, destinations_trusted=trusted,
                                   account_max_units=own, untrusted_max_units=threshold)  # fmt: skip


def _execute(
    connection: Connection, proposal_id: int, now: datetime, actor: str
) -> ProposalOutcome:
    row = _locked(connection, proposal_id)
    assert row is not None
    current = ProposalStatus(row.status)
    if current not in CANCELLABLE:  # cancelled (or done) since it was listed: leave it be
        return ProposalOutcome(proposal_id, current, ResultCode(row.result))
    outcome = execute_in(connection, _from_json(row, now))
    if outcome.ok and row.type_code == "voluntary_retirement" and "retirement" in row.request:
        beneficiary, purpose = row.request["retirement"]
        connection.execute(retirements.insert().values(
            transaction_id=outcome.transaction_id,
            certificate_number=f"RET-{outcome.transaction_id:08d}",
            beneficiary=beneficiary, purpose=purpose, retired_at=to_utc(now),
        ))  # fmt: skip
    status = ProposalStatus.EXECUTED if outcome.ok else ProposalStatus.FAILED
    connection.execute(proposals.update().where(proposals.c.id == proposal_id).values(
        status=status.value, result=outcome.result.value, transaction_id=outcome.transaction_id,
    ))  # fmt: skip
    _log(connection, proposal_id, now, status.value, actor, outcome.result)
    return ProposalOutcome(
        proposal_id, status, outcome.result, transaction_id=outcome.transaction_id
    )


def proposal_jurisdiction(engine: Engine, proposal_id: int) -> str | None:
    """The code of the jurisdiction a proposal's source account is in (the one it is in, not
    its code's prefix), whose calendar and delays approving it applies, as the API and the
    web approve it; None when there is no such proposal."""
    with reader(engine).connect() as connection:
        return connection.execute(
            select(jurisdictions.c.code)
            .join(accounts, accounts.c.jurisdiction_id == jurisdictions.c.id)
            .join(proposals, proposals.c.source_account_id == accounts.c.id)
            .where(proposals.c.id == proposal_id)
        ).scalar()  # fmt: skip


def release_due(engine: Engine, now: datetime) -> list[ProposalOutcome]:
    """Run every delayed or queued proposal whose time has come, oldest first.

    A delayed one executes. A queued one (it came while the registry was closed) is looked
    at again as if approved at the opening it waited for: it executes, or, if its
    destination is no longer trusted (a trusted-list entry removed meanwhile), it is delayed.
    """
    with engine.connect() as connection:
        due = connection.execute(
            # the source account's jurisdiction: the one it is in, not its code's prefix
            select(proposals.c.id, proposals.c.status, proposals.c.release_at,
                   jurisdictions.c.code)
            .join(accounts, accounts.c.id == proposals.c.source_account_id)
            .join(jurisdictions, jurisdictions.c.id == accounts.c.jurisdiction_id)
            .where(proposals.c.status.in_([status.value for status in WAITING_FOR_RELEASE]))
            .order_by(proposals.c.release_at, proposals.c.id)
        ).all()  # fmt: skip
    results, loaded = [], {}
    for proposal_id, status, release_at, code in due:
        if from_store(release_at) > now:
            continue
        if status == ProposalStatus.QUEUED.value and code not in loaded:
            loaded[code] = load_jurisdiction(engine, code)
        with engine.begin() as connection:
            lock_journal_head(connection)
            row = _locked(connection, proposal_id)
            waiting = row is not None and ProposalStatus(row.status) in WAITING_FOR_RELEASE
            if waiting and from_store(row.release_at) > now:
                continue  # a release run alongside delayed it (queued, untrusted): not yet due
            if row is not None and row.status == ProposalStatus.QUEUED.value:
                results.append(_advance(connection, loaded[code], proposal_id, now,
                                        "registry", start=from_store(row.release_at)))  # fmt: skip
            else:
                results.append(_execute(connection, proposal_id, now, "registry"))
    return results


def cancel(engine: Engine, proposal_id: int, actor: str, now: datetime) -> ProposalOutcome:
    """Cancel a proposal that awaits approval or is delayed; a representative of the source."""
    with engine.begin() as connection:
        lock_journal_head(connection)
        row = _locked(connection, proposal_id)
        if row is None:
            return ProposalOutcome(None, None, ResultCode.PROPOSAL_NOT_FOUND)
        status = ProposalStatus(row.status)
        held = rights(connection, row.source_account_id, actor)
        result = (
            ResultCode.PROPOSAL_NOT_CANCELLABLE if status not in CANCELLABLE
            else ResultCode.INITIATOR_LACKS_RIGHT if not (held.initiate or held.approve)
            else ResultCode.OK
        )  # fmt: skip
        if result is not ResultCode.OK:
            _log(connection, proposal_id, now, "cancel_refused", actor, result)
            return ProposalOutcome(proposal_id, status, result)
        connection.execute(proposals.update().where(proposals.c.id == proposal_id).values(
            status=ProposalStatus.CANCELLED.value, result=ResultCode.OK.value,
        ))  # fmt: skip
        _log(connection, proposal_id, now, "cancelled", actor, ResultCode.OK)
        return ProposalOutcome(proposal_id, ProposalStatus.CANCELLED, ResultCode.OK)


def _locked(connection: Connection, proposal_id: int):
    query = select(proposals).where(proposals.c.id == proposal_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return connection.execute(query).first()


def _outcome(row) -> ProposalOutcome:
    release = None if row.release_at is None else from_store(row.release_at)
    return ProposalOutcome(row.id, ProposalStatus(row.status), ResultCode(row.result), release,
                           row.transaction_id, replayed=True)  # fmt: skip


def _to_json(
    request: TransactionRequest, retirement: tuple[str, str] | None = None
) -> dict[str, object]:
    extra = {} if retirement is None else {"retirement": list(retirement)}
    return extra | {
        "movements": [[m.from_account, m.to_account, m.unit_class, m.quantity_units]
                      for m in request.movements],
        "memo": request.memo,
        "compliance_year": request.compliance_year,
    }  # fmt: skip


def _from_json(row, now: datetime) -> TransactionRequest:
    body = row.request
    # People's keys live apart from the regulator's (``person/…``), so a person cannot
    # take a key a regulator process will use.
    return TransactionRequest(
        row.type_code, f"person/{row.idempotency_key}",
        tuple(Movement(*movement) for movement in body["movements"]), now,
        memo=body["memo"], compliance_year=body["compliance_year"],
    )  # fmt: skip
