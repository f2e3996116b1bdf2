"""Trusted-list changes by two people: one representative proposes, another confirms.

Additions always; removals where the rulebook says so (``trusted_list_removal``, EU Reg.
2019/1122 Art. 23(4)), else one representative removes at once. The CLI's
``trust_account`` takes both representatives at once; through the API, the web and
``tanshi registry trusted`` two users act at different moments. A pending change is a row of
``admin_requests`` (the table of requests awaiting a second person; action
``trusted_account_add`` or ``trusted_account_remove``, target the account's code, detail the
account concerned), so no table is added for it. The proposer needs
the right to initiate on the account; the confirmer the right to approve, and must be another
user (``approver_must_differ_from_initiator``). Confirming writes the trusted-list entry,
which counts from the rulebook's N-th working day after the confirmation
(``trusted_list.activation``); confirming a removal deletes the entry at once. The proposer
withdraws a pending change, and any other representative of the account may turn it down
(dropping a change needs one person, making it two).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.registry import ResultCode
from tanshi.services.jurisdiction import Jurisdiction, find_account
from tanshi.services.principals import Principal
from tanshi.services.registry import lock_journal_head
from tanshi.services.trusted_list import (
    TRUSTED_ENTRY,
    removal_needs_two,
    rights,
    trust_account_in,
    untrust_account,
    untrust_in,
)
from tanshi.store.engine import reader
from tanshi.store.schema import admin_requests, trusted_accounts, users

ADD, REMOVE = "trusted_account_add", "trusted_account_remove"
CHANGE = {ADD: "add", REMOVE: "remove"}  # the request's action, as the API and pages name it
PENDING, CONFIRMED, WITHDRAWN, FAILED = "pending", "approved", "rejected", "failed"


@dataclass(frozen=True, slots=True)
class TrustRequest:
    """A proposed change of an account's trusted list, awaiting a second representative."""

    id: int
    account: str
    trusted: str
    requested_by: str
    requested_at: datetime
    change: str = "add"  # or "remove"


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The entry a confirmation wrote."""

    account: str
    trusted: str
    requested_by: str
    approved_by: str
    active_from: datetime


@dataclass(frozen=True, slots=True)
class Removed:
    """An entry taken off the list: by one representative, or on a confirmation."""

    account: str
    trusted: str
    requested_by: str
    approved_by: str | None
    removed_at: datetime


def _listed(connection: Connection, account: int, trusted: int) -> bool:
    return connection.execute(select(trusted_accounts.c.id).where(
        trusted_accounts.c.account_id == account,
        trusted_accounts.c.trusted_account_id == trusted)).first() is not None  # fmt: skip


def _waiting(connection: Connection, action: str, account_code: str,
             trusted_code: str) -> int | None:  # fmt: skip
    """The id of a pending request of ``action`` for ``trusted_code``, if any."""
    rows = connection.execute(select(admin_requests.c.id, admin_requests.c.detail).where(
        admin_requests.c.action == action, admin_requests.c.target == account_code,
        admin_requests.c.state == PENDING)).all()  # fmt: skip
    return next((int(i) for i, detail in rows if detail.get("trusted") == trusted_code), None)


def _insert(connection: Connection, action: str, account_code: str, trusted_code: str,
            proposer: Principal, now: datetime) -> TrustRequest:  # fmt: skip
    made = connection.execute(admin_requests.insert().values(
        action=action, target=account_code, detail={"trusted": trusted_code},
        requested_by=proposer.user_id, requested_at=to_utc(now), state=PENDING,
    ).returning(admin_requests.c.id)).scalar_one()  # fmt: skip
    return TrustRequest(int(made), account_code, trusted_code, proposer.username, now,
                        CHANGE[action])  # fmt: skip


def propose(
    engine: Engine, account_code: str, trusted_code: str, proposer: Principal, now: datetime
) -> tuple[TrustRequest | None, list[Issue]]:
    """Ask for ``trusted_code`` on the trusted list of ``account_code``; every problem at once."""
    where = f"trusted list of {account_code}"
    with engine.begin() as connection:
        account = find_account(connection, account_code)
        trusted = find_account(connection, trusted_code)
        issues = []
        if account is None:
            issues.append(
                Issue.of("unknown_account", "no account {account}", where, account=account_code)
            )
        if trusted is None:
            issues.append(
                Issue.of(
                    "unknown_account", "no account {trusted} to trust", where, trusted=trusted_code
                )
            )
        if issues:
            return None, issues
        assert account is not None and trusted is not None
        if account == trusted:
            issues.append(Issue.of("account_cannot_trust_itself", "an account is not put on its "
                                   "own trusted list", where))  # fmt: skip
        if not rights(connection, account, proposer.username).initiate:
            issues.append(Issue.of(ResultCode.INITIATOR_LACKS_RIGHT.value, "{who} may not "
                                   "initiate on {account}", where, who=proposer.username,
                                   account=account_code))  # fmt: skip
        if _listed(connection, account, trusted):
            issues.append(
                Issue.of(
                    "already_trusted",
                    "{trusted} is on the trusted list of {account}",
                    where,
                    trusted=trusted_code,
                    account=account_code,
                )
            )
        waiting = _waiting(connection, ADD, account_code, trusted_code)
        if waiting is not None:
            issues.append(Issue.of("trusted_account_request_pending", "an addition of {trusted} "
                                   "already awaits confirmation (request {waiting})", where,
                                   trusted=trusted_code, waiting=waiting))  # fmt: skip
        if issues:
            return None, issues
        return _insert(connection, ADD, account_code, trusted_code, proposer, now), []


def remove(
    engine: Engine, jurisdiction: Jurisdiction, account_code: str, trusted_code: str,
    who: Principal, now: datetime,
) -> tuple[Removed | TrustRequest | None, list[Issue]]:  # fmt: skip
    """Take ``trusted_code`` off the account's list: at once by ``who`` alone (``Removed``),
    or, where the rulebook has two representatives remove, as a pending request a second
    one confirms (``TrustRequest``); every problem at once."""
    if not removal_needs_two(jurisdiction, now):
        try:
            untrust_account(engine, jurisdiction, account_code, trusted_code, who.username, now)
        except TanshiError as error:
            return None, [Issue("trusted_list_change_refused", str(error), "trusted")]
        return Removed(account_code, trusted_code, who.username, None, now), []
    where = f"trusted list of {account_code}"
    with engine.begin() as connection:
        account = find_account(connection, account_code)
        trusted = find_account(connection, trusted_code)
        if account is None or trusted is None:
            missing = account_code if account is None else trusted_code
            return None, [
                Issue.of("unknown_account", "no account {missing}", where, missing=missing)
            ]
        issues = []
        if not rights(connection, account, who.username).initiate:
            issues.append(Issue.of(ResultCode.INITIATOR_LACKS_RIGHT.value, "{who} may not "
                                   "initiate on {account}", where, who=who.username,
                                   account=account_code))  # fmt: skip
        if not _listed(connection, account, trusted):
            issues.append(Issue.of("not_on_trusted_list", "{trusted} is not on the trusted list "
                                   "of {account}", where, trusted=trusted_code,
                                   account=account_code))  # fmt: skip
        waiting = _waiting(connection, REMOVE, account_code, trusted_code)
        if waiting is not None:
            issues.append(Issue.of("trusted_account_removal_pending", "a removal of {trusted} "
                                   "already awaits confirmation (request {waiting})", where,
                                   trusted=trusted_code, waiting=waiting))  # fmt: skip
        if issues:
            return None, issues
        return _insert(connection, REMOVE, account_code, trusted_code, who, now), []


def pending(engine: Engine, account_code: str) -> list[TrustRequest]:
    """The changes of the account's trusted list awaiting confirmation, oldest first."""
    asker = aliased(users)
    with reader(engine).connect() as connection:
        rows = connection.execute(
            select(admin_requests, asker.c.username.label("asker"))
            .join(asker, asker.c.id == admin_requests.c.requested_by)
            .where(admin_requests.c.action.in_(CHANGE), admin_requests.c.target == account_code,
                   admin_requests.c.state == PENDING)
            .order_by(admin_requests.c.id)
        ).all()  # fmt: skip
    return [TrustRequest(r.id, r.target, r.detail["trusted"], r.asker, from_store(r.requested_at),
                         CHANGE[r.action]) for r in rows]  # fmt: skip


def _request(connection: Connection, account_code: str, request_id: int):
    asker = aliased(users)
    return connection.execute(
        select(admin_requests, asker.c.username.label("asker"))
        .join(asker, asker.c.id == admin_requests.c.requested_by)
        .where(admin_requests.c.id == request_id, admin_requests.c.action.in_(CHANGE),
               admin_requests.c.target == account_code)
    ).first()  # fmt: skip


def _not_pending(account_code: str) -> list[Issue]:
    return [Issue.of("request_not_pending", "no change of the trusted list of {account} with "
                     "that number awaits a decision", "request", account=account_code)]  # fmt: skip


def claim(connection: Connection, request_id: int, state: str, who: Principal,
          now: datetime) -> bool:  # fmt: skip
    """Decide a pending request of ``admin_requests``; False if another decision came first
    (services/account_limits.py decides its requests with it too)."""
    claimed = connection.execute(admin_requests.update().where(
        admin_requests.c.id == request_id, admin_requests.c.state == PENDING).values(
        state=state, decided_by=who.user_id, decided_at=to_utc(now),
        result="ok" if state == CONFIRMED else state))  # fmt: skip
    return claimed.rowcount == 1


class _Refused(Exception):
    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def confirm(
    engine: Engine, jurisdiction: Jurisdiction, account_code: str, request_id: int,
    approver: Principal, now: datetime,
) -> tuple[Confirmed | Removed | None, list[Issue]]:  # fmt: skip
    """Confirm a colleague's pending change: an addition's entry is written, counting from
    the rulebook's N-th working day after now; a removal's entry is deleted at once. A
    refused confirmation leaves the request pending."""
    try:
        with engine.begin() as connection:
            row = _request(connection, account_code, request_id)
            if row is None or row.state != PENDING:
                return None, _not_pending(account_code)
            if row.action == REMOVE:
                lock_journal_head(connection)  # approvals read the list under this lock
            account = find_account(connection, account_code)
            trusted = find_account(connection, row.detail["trusted"])
            assert account is not None and trusted is not None  # accounts are never deleted
            refused = _refusal(connection, row, account, trusted, approver)
            if refused is not None:
                return None, [refused]
            if not claim(connection, request_id, CONFIRMED, approver, now):
                return None, _not_pending(account_code)
            if row.action == REMOVE:
                untrust_in(connection, account_code, row.detail["trusted"], approver.username,
                           now)  # fmt: skip
                return Removed(account_code, row.detail["trusted"], row.asker,
                               approver.username, now), []  # fmt: skip
            try:
                active = trust_account_in(connection, jurisdiction, account_code,
                                          row.detail["trusted"], row.asker, approver.username,
                                          now)  # fmt: skip
            except TanshiError as error:  # the proposer lost the right meanwhile
                raise _Refused(Issue(ResultCode.INITIATOR_LACKS_RIGHT.value, str(error),
                                     "request")) from error  # fmt: skip
            except IntegrityError as error:  # another addition of it confirmed meanwhile
                if not TRUSTED_ENTRY.taken(error):
                    raise
                raise _Refused(
                    Issue.of(
                        "already_trusted",
                        "{trusted} was put on the trusted list of {account} meanwhile",
                        "request",
                        trusted=row.detail["trusted"],
                        account=account_code,
                    )
                ) from error
    except _Refused as refused:
        return None, [refused.issue]
    return Confirmed(account_code, row.detail["trusted"], row.asker, approver.username,
                     active), []  # fmt: skip


def _refusal(connection: Connection, row, account: int, trusted: int,
             approver: Principal) -> Issue | None:  # fmt: skip
    """Why ``approver`` may not confirm the request ``row`` now, if they may not."""
    code = row.target
    if row.requested_by == approver.user_id or row.asker == approver.username:
        return Issue.of(
            ResultCode.APPROVER_MUST_DIFFER_FROM_INITIATOR.value,
            "four eyes: another representative must confirm what you proposed",
            "request",
        )
    if not rights(connection, account, approver.username).approve:
        return Issue.of(ResultCode.APPROVER_LACKS_RIGHT.value, "{who} may not approve on "
                        "{account}", "request", who=approver.username, account=code)  # fmt: skip
    listed = _listed(connection, account, trusted)
    if row.action == ADD and listed:
        return Issue.of("already_trusted", "{trusted} is on the trusted list of {account} already",
                        "request", trusted=row.detail["trusted"], account=code)  # fmt: skip
    if row.action == REMOVE and not listed:
        return Issue.of(
            "not_on_trusted_list",
            "{trusted} is no longer on the trusted list of {account}",
            "request",
            trusted=row.detail["trusted"],
            account=code,
        )
    if row.action == REMOVE and not rights(connection, account, row.asker).initiate:
        return Issue.of(ResultCode.INITIATOR_LACKS_RIGHT.value, "{asker}, who proposed the "
                        "removal, may no longer initiate on {account}", "request", asker=row.asker,
                        account=code)  # fmt: skip
    return None


def withdraw(
    engine: Engine, account_code: str, request_id: int, who: Principal, now: datetime
) -> list[Issue]:
    """Withdraw a pending change (its proposer), or turn it down (another representative
    of the account, with either right)."""
    with engine.begin() as connection:
        row = _request(connection, account_code, request_id)
        return withdraw_row(connection, row, account_code, request_id, who, now,
                            "trusted_list_change_refused", _not_pending)  # fmt: skip


def withdraw_row(
    connection: Connection, row, account_code: str, request_id: int, who: Principal,
    now: datetime, refused_code: str, not_pending: Callable[[str], list[Issue]], *,
    decides: bool = False,
) -> list[Issue]:  # fmt: skip
    """Withdraw the pending request ``row`` (by its proposer) or turn it down (by another
    representative of the account, with either right, or by whoever ``decides`` it without
    representing the account); anyone else gets ``refused_code``. Shared by the trusted-list
    and the transaction-limit changes."""
    if row is None or row.state != PENDING:
        return not_pending(account_code)
    if row.asker != who.username and not decides:
        account = find_account(connection, account_code)
        assert account is not None
        held = rights(connection, account, who.username)
        if not (held.initiate or held.approve):
            return [
                Issue.of(
                    refused_code,
                    "{who} is not an authorised representative of {account}",
                    "request",
                    who=who.username,
                    account=account_code,
                )
            ]
    if not claim(connection, request_id, WITHDRAWN, who, now):
        return not_pending(account_code)
    return []
