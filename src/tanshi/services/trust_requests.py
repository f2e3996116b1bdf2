"""Trusted-list additions by two people: one representative proposes, another confirms.

The CLI's ``trust_account`` takes both representatives at once; through the API and the web
two users act at different moments. A pending addition is a row of ``admin_requests`` (the
table of requests awaiting a second person; action ``trusted_account_add``, target the
account's code, detail the account to trust), so no table is added for it. The proposer needs
the right to initiate on the account; the confirmer the right to approve, and must be another
user (``approver_must_differ_from_initiator``). Confirming writes the trusted-list entry,
which counts from the rulebook's N-th working day after the confirmation
(``trusted_list.activation``). The proposer withdraws a pending addition, and any other
representative of the account may turn it down (tightening needs one person, loosening two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.registry import ResultCode
from tanshi.services.identity import Principal
from tanshi.services.jurisdiction import Jurisdiction, find_account
from tanshi.services.trusted_list import rights, trust_account_in
from tanshi.store.schema import admin_requests, trusted_accounts, users

ACTION = "trusted_account_add"
PENDING, CONFIRMED, WITHDRAWN, FAILED = "pending", "approved", "rejected", "failed"


@dataclass(frozen=True, slots=True)
class TrustRequest:
    """A proposed addition to an account's trusted list, awaiting a second representative."""

    id: int
    account: str
    trusted: str
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The entry a confirmation wrote."""

    account: str
    trusted: str
    requested_by: str
    approved_by: str
    active_from: datetime


def _listed(connection: Connection, account: int, trusted: int) -> bool:
    return connection.execute(select(trusted_accounts.c.id).where(
        trusted_accounts.c.account_id == account,
        trusted_accounts.c.trusted_account_id == trusted)).first() is not None  # fmt: skip


def _waiting(connection: Connection, account_code: str, trusted_code: str) -> bool:
    rows = connection.execute(select(admin_requests.c.detail).where(
        admin_requests.c.action == ACTION, admin_requests.c.target == account_code,
        admin_requests.c.state == PENDING)).scalars()  # fmt: skip
    return any(detail.get("trusted") == trusted_code for detail in rows)


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
            issues.append(Issue("unknown_account", f"no account {account_code}", where))
        if trusted is None:
            issues.append(Issue("unknown_account", f"no account {trusted_code} to trust", where))
        if issues:
            return None, issues
        assert account is not None and trusted is not None
        if account == trusted:
            issues.append(Issue("account_cannot_trust_itself",
                                "an account is not put on its own trusted list", where))  # fmt: skip
        if not rights(connection, account, proposer.username).initiate:
            issues.append(Issue(ResultCode.INITIATOR_LACKS_RIGHT.value,
                                f"{proposer.username} may not initiate on {account_code}",
                                where))  # fmt: skip
        if _listed(connection, account, trusted):
            issues.append(Issue("already_trusted",
                                f"{trusted_code} is on the trusted list of {account_code}",
                                where))  # fmt: skip
        if _waiting(connection, account_code, trusted_code):
            issues.append(Issue("trusted_account_request_pending",
                                f"an addition of {trusted_code} already awaits confirmation",
                                where))  # fmt: skip
        if issues:
            return None, issues
        made = connection.execute(admin_requests.insert().values(
            action=ACTION, target=account_code, detail={"trusted": trusted_code},
            requested_by=proposer.user_id, requested_at=to_utc(now), state=PENDING,
        ).returning(admin_requests.c.id)).scalar_one()  # fmt: skip
    return TrustRequest(int(made), account_code, trusted_code, proposer.username, now), []


def pending(engine: Engine, account_code: str) -> list[TrustRequest]:
    """The additions to the account's trusted list awaiting confirmation, oldest first."""
    asker = aliased(users)
    with engine.connect() as connection:
        rows = connection.execute(
            select(admin_requests, asker.c.username.label("asker"))
            .join(asker, asker.c.id == admin_requests.c.requested_by)
            .where(admin_requests.c.action == ACTION, admin_requests.c.target == account_code,
                   admin_requests.c.state == PENDING)
            .order_by(admin_requests.c.id)
        ).all()  # fmt: skip
    return [TrustRequest(r.id, r.target, r.detail["trusted"], r.asker, from_store(r.requested_at))
            for r in rows]  # fmt: skip


def _request(connection: Connection, account_code: str, request_id: int):
    asker = aliased(users)
    return connection.execute(
        select(admin_requests, asker.c.username.label("asker"))
        .join(asker, asker.c.id == admin_requests.c.requested_by)
        .where(admin_requests.c.id == request_id, admin_requests.c.action == ACTION,
               admin_requests.c.target == account_code)
    ).first()  # fmt: skip


def _not_pending(account_code: str) -> list[Issue]:
    return [Issue("request_not_pending", f"no addition to the trusted list of {account_code} "
                  "with that number awaits a decision", "request")]  # fmt: skip


def _claim(connection: Connection, request_id: int, state: str, who: Principal,
           now: datetime) -> bool:  # fmt: skip
    """Decide a pending request; False if another decision came first."""
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
) -> tuple[Confirmed | None, list[Issue]]:  # fmt: skip
    """Confirm a colleague's pending addition: the entry is written, counting from the
    rulebook's N-th working day after now. A refused confirmation leaves it pending."""
    try:
        with engine.begin() as connection:
            row = _request(connection, account_code, request_id)
            if row is None or row.state != PENDING:
                return None, _not_pending(account_code)
            account = find_account(connection, account_code)
            trusted = find_account(connection, row.detail["trusted"])
            assert account is not None and trusted is not None  # accounts are never deleted
            if row.requested_by == approver.user_id or row.asker == approver.username:
                return None, [Issue(ResultCode.APPROVER_MUST_DIFFER_FROM_INITIATOR.value,
                                    "four eyes: another representative must confirm what you "
                                    "proposed", "request")]  # fmt: skip
            if not rights(connection, account, approver.username).approve:
                return None, [Issue(ResultCode.APPROVER_LACKS_RIGHT.value,
                                    f"{approver.username} may not approve on {account_code}",
                                    "request")]  # fmt: skip
            if _listed(connection, account, trusted):
                return None, [Issue("already_trusted", f"{row.detail['trusted']} is on the "
                                    f"trusted list of {account_code} already", "request")]  # fmt: skip
            if not _claim(connection, request_id, CONFIRMED, approver, now):
                return None, _not_pending(account_code)
            try:
                active = trust_account_in(connection, jurisdiction, account_code,
                                          row.detail["trusted"], row.asker, approver.username,
                                          now)  # fmt: skip
            except TanshiError as error:  # the proposer lost the right meanwhile
                raise _Refused(Issue(ResultCode.INITIATOR_LACKS_RIGHT.value, str(error),
                                     "request")) from error  # fmt: skip
            except IntegrityError as error:  # another addition of it confirmed meanwhile
                raise _Refused(Issue("already_trusted", f"{row.detail['trusted']} was put "
                                     f"on the trusted list of {account_code} meanwhile",
                                     "request")) from error  # fmt: skip
    except _Refused as refused:
        return None, [refused.issue]
    return Confirmed(account_code, row.detail["trusted"], row.asker, approver.username,
                     active), []  # fmt: skip


def withdraw(
    engine: Engine, account_code: str, request_id: int, who: Principal, now: datetime
) -> list[Issue]:
    """Withdraw a pending addition (its proposer), or turn it down (another representative
    of the account, with either right)."""
    with engine.begin() as connection:
        row = _request(connection, account_code, request_id)
        if row is None or row.state != PENDING:
            return _not_pending(account_code)
        if row.asker != who.username:
            account = find_account(connection, account_code)
            assert account is not None
            held = rights(connection, account, who.username)
            if not (held.initiate or held.approve):
                return [Issue("trusted_list_change_refused", f"{who.username} is not an "
                              f"authorised representative of {account_code}", "request")]  # fmt: skip
        if not _claim(connection, request_id, WITHDRAWN, who, now):
            return _not_pending(account_code)
    return []
