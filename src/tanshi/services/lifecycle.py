"""Transactions proposed by people: four-eyes approval, delays, trusted lists, cancellation.

Regulator processes (allocation, compliance) execute directly through ``registry.execute``;
everything a person asks for goes through here. Every step and every refused attempt is
written to ``proposal_events``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from tanshi.core.errors import TanshiError
from tanshi.core.moments import from_store, to_utc
from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.registry.booking import first_by_precedence, request_problems
from tanshi.registry.controls import Calendar, release_at_time_of_day, release_time
from tanshi.registry.lifecycle import (
    CANCELLABLE,
    ProposalStatus,
    Rights,
    approval_problems,
    initiation_problems,
)
from tanshi.registry.transaction_types import PERSON_TYPES, TRANSACTION_TYPES
from tanshi.rulebook.model import RegistryRule
from tanshi.services.jurisdiction import Jurisdiction, account_id, local_date
from tanshi.services.registry import (
    execute_in,
    load_accounts,
    load_unit_classes,
    lock_journal_head,
)
from tanshi.store.prepared import Prepared
from tanshi.store.schema import (
    holdings,
    proposal_events,
    proposals,
    representatives,
    retirements,
    trusted_accounts,
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


def _rule(jurisdiction: Jurisdiction, now: datetime) -> RegistryRule | None:
    year = local_date(jurisdiction, now).year
    return next((rule for rule in jurisdiction.rulebook.registry if rule.in_force(year)), None)


def _calendar(jurisdiction: Jurisdiction, now: datetime) -> Calendar | None:
    rule = _rule(jurisdiction, now)
    return None if rule is None else Calendar.of(rule, jurisdiction.rulebook.rulebook.timezone)


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


_RIGHTS = Prepared(
    select(representatives.c.can_initiate, representatives.c.can_approve,
           representatives.c.can_view)
    .where(representatives.c.account_id == bindparam("account"),
           representatives.c.person == bindparam("person"))
)  # fmt: skip


def _rights(connection: Connection, account: int, person: str) -> Rights:
    row = _RIGHTS.first(connection, account=account, person=person)
    if row is None:
        return Rights(initiate=False, approve=False, view=False)
    return Rights(row.can_initiate, row.can_approve, row.can_view)


def trust_account(
    engine: Engine,
    jurisdiction: Jurisdiction,
    account_code: str,
    trusted_code: str,
    requested_by: str,
    approved_by: str,
    now: datetime,
) -> datetime:
    """Put an account on another's trusted list; returns when the entry becomes active.

    Needs two different representatives of the account, one who may initiate and one who
    may approve; the entry waits the rulebook's number of working days.
    """
    with engine.begin() as connection:
        account = account_id(connection, account_code)
        trusted = account_id(connection, trusted_code)
        if requested_by == approved_by:
            raise TanshiError("a second representative must approve a trusted-list addition")
        if not _rights(connection, account, requested_by).initiate:
            raise TanshiError(f"{requested_by} may not initiate on {account_code}")
        if not _rights(connection, account, approved_by).approve:
            raise TanshiError(f"{approved_by} may not approve on {account_code}")
        rule, calendar = _rule(jurisdiction, now), _calendar(jurisdiction, now)
        wait = rule.trusted_list_activation_working_days if rule else 0
        active_from = (
            calendar.working_days_after(now, wait, rule.activation_clock())
            if calendar and rule
            else now
        )
        connection.execute(trusted_accounts.insert().values(
            account_id=account, trusted_account_id=trusted, requested_by=requested_by,
            approved_by=approved_by, active_from=to_utc(active_from),
        ))  # fmt: skip
    return active_from


def _is_trusted(connection: Connection, source: int, target: int, now: datetime) -> bool:
    row = connection.execute(
        select(trusted_accounts.c.active_from).where(
            trusted_accounts.c.account_id == source, trusted_accounts.c.trusted_account_id == target
        )
    ).first()
    if row is None:
        return False
    return from_store(row.active_from) <= now


_LOG = Prepared(proposal_events.insert().values(
    {c: bindparam(c) for c in ("proposal_id", "at", "event", "actor", "result")}
))  # fmt: skip


def _log(connection: Connection, proposal: int, now: datetime, event: str, actor: str,
         result: ResultCode) -> None:  # fmt: skip
    _LOG.rows(connection, proposal_id=proposal, at=to_utc(now), event=event, actor=actor,
              result=result.value)  # fmt: skip


_SENT_SINCE = Prepared(
    select(proposals.c.quantity_units, proposals.c.proposed_at).where(
        proposals.c.source_account_id == bindparam("source"),
        proposals.c.proposed_at >= bindparam("start"),
        proposals.c.status != ProposalStatus.FAILED.value,
        proposals.c.status != ProposalStatus.CANCELLED.value,
    )
)
_PROPOSAL_BY_KEY = Prepared(
    select(proposals).where(proposals.c.idempotency_key == bindparam("key"))
)
_HELD = Prepared(
    select(holdings.c.account_id, holdings.c.unit_class_id, holdings.c.quantity_units)
    .where(holdings.c.account_id == bindparam("account"))
)  # fmt: skip
_PROPOSAL_COLUMNS = ("idempotency_key", "type_code", "request", "source_account_id",
                     "quantity_units", "initiator", "status", "result", "proposed_at")  # fmt: skip
# A key taken meanwhile by a proposal from another account (which holds another lock) is no
# error: the insert waits for that transaction, then inserts nothing and the first one wins.
_NEW_PROPOSAL = {
    name: Prepared(
        dialect.insert(proposals)
        .values({c: bindparam(c) for c in _PROPOSAL_COLUMNS})
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(proposals.c.id)
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
# pg_advisory_xact_lock(PROPOSALS_LOCK, account id): the proposals of one source account.
PROPOSALS_LOCK = 7_401
_LOCK_SOURCE = Prepared(select(func.pg_advisory_xact_lock(PROPOSALS_LOCK, bindparam("account"))))


def lock_proposals_of(connection: Connection, accounts: list[int]) -> None:
    """Serialise the proposals from ``accounts`` (sorted), so daily limits hold under load.

    PostgreSQL: a transaction-scoped advisory lock per source account, not the journal head,
    so proposals from different accounts run side by side. Take it before any registry lock
    (the journal head, holdings rows); nothing takes it while holding one, so it cannot
    deadlock with them. SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    if connection.dialect.name != "postgresql":
        return
    for account in sorted(accounts):
        _LOCK_SOURCE.rows(connection, account=account)


def _sent_today(
    connection: Connection, jurisdiction: Jurisdiction, source: int, now: datetime
) -> int:
    """Units the account has proposed to send today (local day) that are not failed or cancelled."""
    day = local_date(jurisdiction, now)
    start = to_utc(now) - timedelta(days=2)  # coarse filter; the exact local day is below
    rows = _SENT_SINCE.rows(connection, source=source, start=start)
    return sum(
        int(quantity) for quantity, at in rows
        if local_date(jurisdiction, from_store(at)) == day
    )  # fmt: skip


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
    One that executes at once also takes the journal-head lock, as every registry write does.
    """
    sources = sorted({m.from_account for m in request.movements})
    declared = TRANSACTION_TYPES.get(request.type_code)
    waiting = declared is not None and declared.approval_required
    lock_proposals_of(connection, sources)
    if not waiting:
        lock_journal_head(connection)
    accounts = load_accounts(connection, {m.from_account for m in request.movements}
                             | {m.to_account for m in request.movements})  # fmt: skip
    classes = load_unit_classes(connection, {m.unit_class for m in request.movements})
    held = {
        (row.account_id, row.unit_class_id): int(row.quantity_units)
        for source in sources
        for row in _HELD.rows(connection, account=source)
    }
    quantity = sum(m.quantity_units for m in request.movements)
    rule = _rule(jurisdiction, now)
    found = request_problems(request, accounts, classes, held)
    if request.type_code not in PERSON_TYPES:
        found.add(ResultCode.TYPE_NOT_OPEN_TO_PEOPLE)
    if len(sources) > 1:
        found.add(ResultCode.ONE_SOURCE_PER_PROPOSAL)
    if sources:
        found |= initiation_problems(
            [_rights(connection, source, initiator) for source in sources],
            _calendar(jurisdiction, now), now,
            _sent_today(connection, jurisdiction, sources[0], now), quantity,
            rule.daily_limit_units if rule else None,
        )  # fmt: skip
    result = first_by_precedence(found)
    if not sources:
        return ProposalOutcome(None, None, result)
    status = (
        ProposalStatus.FAILED if result is not ResultCode.OK else ProposalStatus.AWAITING_APPROVAL
    )
    proposal = _NEW_PROPOSAL[connection.dialect.name].scalar(
        connection, idempotency_key=request.idempotency_key, type_code=request.type_code,
        request=_to_json(request, retirement), source_account_id=sources[0],
        quantity_units=quantity, initiator=initiator, status=status.value,
        result=result.value, proposed_at=to_utc(now),
    )  # fmt: skip
    if proposal is None:  # the key was used before: the first proposal's outcome stands
        existing = _PROPOSAL_BY_KEY.first(connection, key=request.idempotency_key)
        assert existing is not None
        return _outcome(existing)
    _log(connection, proposal, now, "proposed", initiator, result)
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
        found = approval_problems(
            ProposalStatus(row.status), row.initiator, approver,
            [_rights(connection, source, approver) for source in sources],
            _calendar(jurisdiction, now), now,
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
    actor: str,
) -> ProposalOutcome:  # fmt: skip
    """After approval (or none needed): delay a transfer to an untrusted account, else execute."""
    row = _locked(connection, proposal_id)
    assert row is not None
    declared = TRANSACTION_TYPES[row.type_code]
    rule, calendar = _rule(jurisdiction, now), _calendar(jurisdiction, now)
    untrusted = any(
        not _is_trusted(connection, source, target, now)
        for source, target, *_ in row.request["movements"]
    )
    if declared.delayed_to_untrusted and rule and calendar and untrusted:
        clock = rule.release_clock()
        release = (
            release_at_time_of_day(calendar, now, clock)
            if clock is not None
            else release_time(calendar, now, rule.untrusted_transfer_delay_hours or 0)
        )
        if release > now:
            connection.execute(proposals.update().where(proposals.c.id == proposal_id).values(
                status=ProposalStatus.DELAYED.value, release_at=to_utc(release),
            ))  # fmt: skip
            _log(connection, proposal_id, now, "delayed", actor, ResultCode.OK)
            return ProposalOutcome(proposal_id, ProposalStatus.DELAYED, ResultCode.OK, release)
    return _execute(connection, proposal_id, now, actor)


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


def release_due(engine: Engine, now: datetime) -> list[ProposalOutcome]:
    """Execute every delayed proposal whose release time has come, oldest first."""
    with engine.connect() as connection:
        due = connection.execute(
            select(proposals.c.id, proposals.c.release_at)
            .where(proposals.c.status == ProposalStatus.DELAYED.value)
            .order_by(proposals.c.release_at, proposals.c.id)
        ).all()
    results = []
    for proposal_id, release_at in due:
        if from_store(release_at) > now:
            continue
        with engine.begin() as connection:
            lock_journal_head(connection)
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
        rights = _rights(connection, row.source_account_id, actor)
        result = (
            ResultCode.PROPOSAL_NOT_CANCELLABLE if status not in CANCELLABLE
            else ResultCode.INITIATOR_LACKS_RIGHT if not (rights.initiate or rights.approve)
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
