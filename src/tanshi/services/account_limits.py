"""An account's own limit of units per transfer, proposed by a representative, confirmed by another.

EU Reg. 2019/1122 Art. 23(3b): representatives may set limits on their own account's
transactions, approved by a second representative or a national administrator. Where the
rulebook offers it (``account_transaction_limits``) one representative who may initiate
proposes a change (set, raise, lower or remove) and it counts from the confirmation: the
text gives no delay and does not let a lowering skip the second approval. Who confirms is
the rule's value: ``two_representatives`` a different representative who may approve,
``regulator`` the regulator of the account's jurisdiction (tanshi's national administrator),
``representative_or_regulator`` either. A pending change is a row of ``admin_requests``
(action ``account_limit_change``, target the account's code, detail the new limit, null to
remove it), as trusted-list changes are; each confirmed change is a row of
``account_transaction_limits``, the latest in force. The proposer withdraws a pending change,
any other representative of the account may turn it down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import aliased

from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.registry import ResultCode
from tanshi.services import proposal_store
from tanshi.services.jurisdiction import Jurisdiction, find_account
from tanshi.services.principals import Principal, Role
from tanshi.services.registry import lock_journal_head
from tanshi.services.trust_requests import CONFIRMED, PENDING, claim, withdraw_row
from tanshi.services.trusted_list import registry_rule, rights
from tanshi.store.engine import reader
from tanshi.store.schema import account_transaction_limits, admin_requests, users

CHANGE = "account_limit_change"
UNITS = "max_units_per_transaction"  # the detail's key: the new limit, None to remove it
REPRESENTATIVE, REGULATOR = "representative", "regulator"
# Who may confirm a representative's proposed change, by the rule's value.
CONFIRMERS: dict[str, frozenset[str]] = {
    "not_offered": frozenset(),
    "two_representatives": frozenset({REPRESENTATIVE}),
    "representative_or_regulator": frozenset({REPRESENTATIVE, REGULATOR}),
    "regulator": frozenset({REGULATOR}),
}


@dataclass(frozen=True, slots=True)
class LimitRequest:
    """A proposed change of an account's limit, awaiting its confirmation."""

    id: int
    account: str
    max_units_per_transaction: int | None  # None: remove the limit
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class AccountLimit:
    """The limit in force on an account (``max_units_per_transaction`` None: removed)."""

    account: str
    max_units_per_transaction: int | None
    requested_by: str
    approved_by: str
    set_at: datetime


def confirmers(jurisdiction: Jurisdiction, now: datetime) -> frozenset[str]:
    """Who may confirm a change under the rulebook in force at ``now``: ``representative``
    (another one, who may approve), ``regulator``, both, or none (limits not offered)."""
    rule = registry_rule(jurisdiction, now)
    return CONFIRMERS["not_offered" if rule is None else rule.account_transaction_limits]


def offered(jurisdiction: Jurisdiction, now: datetime) -> bool:
    """Whether the rulebook in force at ``now`` lets representatives set account limits."""
    return bool(confirmers(jurisdiction, now))


def cap(jurisdiction: Jurisdiction, now: datetime) -> int | None:
    """The most an account's own limit may be under the rule in force at ``now``: the
    registry's threshold where the rule caps account limits by it, else None."""
    rule = registry_rule(jurisdiction, now)
    if rule is None or not rule.account_limit_at_most_threshold:
        return None
    return rule.untrusted_transfer_max_units


def _above_cap(jurisdiction: Jurisdiction, now: datetime, units: int | None) -> Issue | None:
    most = cap(jurisdiction, now)
    if units is None or most is None or units <= most:
        return None
    return Issue.of(
        "limit_above_registry_threshold",
        "an account's own limit is at most the registry's threshold of {most} units per transfer",
        UNITS,
        most=most,
    )


def regulates(who: Principal, jurisdiction: Jurisdiction) -> bool:
    """Whether ``who`` is a regulator of ``jurisdiction`` (its national administrator)."""
    return who.role is Role.REGULATOR and who.jurisdiction == jurisdiction.code


def _latest(connection: Connection, account: int):
    return connection.execute(
        select(account_transaction_limits)
        .where(account_transaction_limits.c.account_id == account)
        .order_by(account_transaction_limits.c.id.desc())
        .limit(1)
    ).first()


def limit_in(connection: Connection, account: int) -> int | None:
    """The account's limit of units per transfer now in force, None without one."""
    row = _latest(connection, account)
    return None if row is None else row.max_units_per_transaction


def current(engine: Engine, account_code: str) -> AccountLimit | None:
    """The latest confirmed change of the account's limit, if any was ever made."""
    with reader(engine).connect() as connection:
        account = find_account(connection, account_code)
        row = None if account is None else _latest(connection, account)
    if row is None:
        return None
    return AccountLimit(account_code, row.max_units_per_transaction, row.requested_by,
                        row.approved_by, from_store(row.set_at))  # fmt: skip


def _waiting(connection: Connection, account_code: str) -> int | None:
    return connection.execute(select(admin_requests.c.id).where(
        admin_requests.c.action == CHANGE, admin_requests.c.target == account_code,
        admin_requests.c.state == PENDING)).scalar()  # fmt: skip


def propose(
    engine: Engine, jurisdiction: Jurisdiction, account_code: str, max_units: int | None,
    proposer: Principal, now: datetime,
) -> tuple[LimitRequest | None, list[Issue]]:  # fmt: skip
    """Propose ``max_units`` per transfer as the account's limit (None removes it); another
    representative or the regulator confirms it (``confirmers``). Every problem at once."""
    where = f"transaction limit of {account_code}"
    with engine.begin() as connection:
        account = find_account(connection, account_code)
        if account is None:
            return None, [
                Issue.of("unknown_account", "no account {account}", where, account=account_code)
            ]
        issues = []
        if not offered(jurisdiction, now):
            issues.append(
                Issue.of(
                    "account_limits_not_offered",
                    "the rulebook of {jurisdiction} does "
                    "not let representatives set an account's transaction limit",
                    where,
                    jurisdiction=jurisdiction.code,
                )
            )
        if not rights(connection, account, proposer.username).initiate:
            issues.append(Issue.of(ResultCode.INITIATOR_LACKS_RIGHT.value, "{who} may not "
                                   "initiate on {account}", where, who=proposer.username,
                                   account=account_code))  # fmt: skip
        if max_units is not None and max_units <= 0:
            issues.append(Issue.of("limit_must_be_positive", "a limit is a positive number of "
                                   "units per transfer (remove it instead)", UNITS))  # fmt: skip
        elif max_units == limit_in(connection, account):
            issues.append(Issue.of("limit_unchanged", "{account} has that limit already", UNITS,
                                   account=account_code))  # fmt: skip
        elif (above := _above_cap(jurisdiction, now, max_units)) is not None:
            issues.append(above)
        waiting = _waiting(connection, account_code)
        if waiting is not None:
            issues.append(Issue.of("account_limit_request_pending", "a change of the limit of "
                                   "{account} already awaits confirmation (request {waiting})",
                                   where, account=account_code, waiting=waiting))  # fmt: skip
        if issues:
            return None, issues
        made = connection.execute(admin_requests.insert().values(
            action=CHANGE, target=account_code, detail={UNITS: max_units},
            requested_by=proposer.user_id, requested_at=to_utc(now), state=PENDING,
        ).returning(admin_requests.c.id)).scalar_one()  # fmt: skip
    return LimitRequest(int(made), account_code, max_units, proposer.username, now), []


def _requests(connection: Connection, account_code: str):
    asker = aliased(users)
    return (
        select(admin_requests, asker.c.username.label("asker"))
        .join(asker, asker.c.id == admin_requests.c.requested_by)
        .where(admin_requests.c.action == CHANGE, admin_requests.c.target == account_code)
    )


def _of(row) -> LimitRequest:
    return LimitRequest(row.id, row.target, row.detail.get(UNITS), row.asker,
                        from_store(row.requested_at))  # fmt: skip


def pending(engine: Engine, account_code: str) -> list[LimitRequest]:
    """The change of the account's limit awaiting confirmation (at most one)."""
    with reader(engine).connect() as connection:
        rows = connection.execute(_requests(connection, account_code).where(
            admin_requests.c.state == PENDING).order_by(admin_requests.c.id)).all()  # fmt: skip
    return [_of(row) for row in rows]


def _not_pending(account_code: str) -> list[Issue]:
    return [
        Issue.of(
            "request_not_pending",
            "no change of the transaction limit of {account} with that number awaits a decision",
            "request",
            account=account_code,
        )
    ]


def confirm(
    engine: Engine, jurisdiction: Jurisdiction, account_code: str, request_id: int,
    approver: Principal, now: datetime,
) -> tuple[AccountLimit | None, list[Issue]]:  # fmt: skip
    """Confirm a colleague's proposed change (another representative who may approve, or
    the regulator, as the rule says): it is in force from now. A refused confirmation leaves
    the request pending."""
    with engine.begin() as connection:
        row = connection.execute(_requests(connection, account_code).where(
            admin_requests.c.id == request_id)).first()  # fmt: skip
        if row is None or row.state != PENDING:
            return None, _not_pending(account_code)
        account = find_account(connection, account_code)
        assert account is not None  # accounts are never deleted
        # Proposals from the account read its limit under these locks (services/lifecycle.py).
        proposal_store.lock_sources(connection, [account])
        lock_journal_head(connection)
        refused = _refusal(connection, jurisdiction, row, account, approver, now)
        if refused is not None:
            return None, [refused]
        if not claim(connection, request_id, CONFIRMED, approver, now):
            return None, _not_pending(account_code)
        units = row.detail.get(UNITS)
        connection.execute(account_transaction_limits.insert().values(
            account_id=account, max_units_per_transaction=units, requested_by=row.asker,
            approved_by=approver.username, set_at=to_utc(now)))  # fmt: skip
    return AccountLimit(account_code, units, row.asker, approver.username, now), []


def _refusal(connection: Connection, jurisdiction: Jurisdiction, row, account: int,
             approver: Principal, now: datetime) -> Issue | None:  # fmt: skip
    code = row.target
    if row.requested_by == approver.user_id or row.asker == approver.username:
        return Issue.of(ResultCode.APPROVER_MUST_DIFFER_FROM_INITIATOR.value, "four eyes: "
                        "another person must confirm what you proposed", "request")  # fmt: skip
    by = confirmers(jurisdiction, now)
    if not (REGULATOR in by and regulates(approver, jurisdiction)):
        if by and REPRESENTATIVE not in by:
            return Issue.of("account_limit_needs_regulator", "only the regulator of {jurisdiction} "
                            "confirms a change of an account's transaction limit", "request",
                            jurisdiction=jurisdiction.code)  # fmt: skip
        if not rights(connection, account, approver.username).approve:
            return Issue.of(
                ResultCode.APPROVER_LACKS_RIGHT.value,
                "{who} may not approve on {account}",
                "request",
                who=approver.username,
                account=code,
            )
    if not rights(connection, account, row.asker).initiate:
        return Issue.of(ResultCode.INITIATOR_LACKS_RIGHT.value, "{asker}, who proposed the "
                        "change, may no longer initiate on {account}", "request", asker=row.asker,
                        account=code)  # fmt: skip
    if not by:
        return Issue.of(
            "account_limits_not_offered",
            "the rulebook of {jurisdiction} no longer lets "
            "representatives set an account's transaction limit",
            "request",
            jurisdiction=jurisdiction.code,
        )
    return _above_cap(jurisdiction, now, row.detail.get(UNITS))  # the rule may have changed


def withdraw(
    engine: Engine, account_code: str, request_id: int, who: Principal, now: datetime,
    jurisdiction: Jurisdiction | None = None,
) -> list[Issue]:  # fmt: skip
    """Withdraw a pending change (its proposer), or turn it down (another representative
    of the account, with either right, or, where the rule in force at ``now`` in
    ``jurisdiction`` lets the regulator confirm, the regulator)."""
    decides = jurisdiction is not None and regulates(who, jurisdiction) and (
        REGULATOR in confirmers(jurisdiction, now))  # fmt: skip
    with engine.begin() as connection:
        row = connection.execute(_requests(connection, account_code).where(
            admin_requests.c.id == request_id)).first()  # fmt: skip
        return withdraw_row(connection, row, account_code, request_id, who, now,
                            "account_limit_change_refused", _not_pending, decides=decides)  # fmt: skip
