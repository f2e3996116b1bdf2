"""Trusted lists and second-approval waivers: add, remove, declare, and ask who is trusted.

An addition needs two representatives and waits the rulebook's working days; a removal
takes effect at once (EU Reg. 2019/1122 Art. 23(4)), by one representative or, where the
rulebook says so, on a second's confirmation, and is logged with the entry as it was.
Where the rulebook says so, a holder's own accounts are trusted without an entry
(Art. 23(2)), and a holder may declare that transfers to its trusted list need no second
approval (Art. 20(4)); each declaration is a row with who declared it, who recorded it, when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from tanshi.core.errors import StepRefused, TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.registry.controls import Calendar
from tanshi.registry.lifecycle import Rights
from tanshi.registry.trust import is_trusted
from tanshi.rulebook.model import RegistryRule
from tanshi.services import proposal_store
from tanshi.services.jurisdiction import Jurisdiction, account_id, local_date
from tanshi.services.registry import lock_journal_head
from tanshi.services.registry_access import account_from_row
from tanshi.services.unique_keys import unique_key
from tanshi.store.engine import reader
from tanshi.store.schema import (
    accounts,
    approval_waivers,
    trusted_accounts,
    trusted_list_removals,
)

TRUSTED_ENTRY = unique_key(trusted_accounts, "account_id", "trusted_account_id")


def registry_rule(jurisdiction: Jurisdiction, now: datetime) -> RegistryRule | None:
    """The ``[[registry]]`` rule in force in the local year of ``now``, if any."""
    year = local_date(jurisdiction, now).year
    return next((rule for rule in jurisdiction.rulebook.registry if rule.in_force(year)), None)


def registry_calendar(jurisdiction: Jurisdiction, now: datetime) -> Calendar | None:
    rule = registry_rule(jurisdiction, now)
    return None if rule is None else Calendar.of(rule, jurisdiction.rulebook.rulebook.timezone)


def rights(connection: Connection, account: int, person: str) -> Rights:
    return proposal_store.rights_of(
        proposal_store.RIGHTS.first(connection, account=account, person=person)
    )


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
    try:
        with engine.begin() as connection:
            return trust_account_in(connection, jurisdiction, account_code, trusted_code,
                                    requested_by, approved_by, now)  # fmt: skip
    except IntegrityError as error:  # listed before, or by another request meanwhile
        if not TRUSTED_ENTRY.taken(error):
            raise
        raise TanshiError(f"{trusted_code} is already on the trusted list of {account_code}; "
                          "remove it first to add it again") from error  # fmt: skip


def trust_account_in(
    connection: Connection, jurisdiction: Jurisdiction, account_code: str, trusted_code: str,
    requested_by: str, approved_by: str, now: datetime,
) -> datetime:  # fmt: skip
    """``trust_account`` on the caller's connection (services/trust_requests.py confirms a
    pending addition and writes the entry in one transaction)."""
    account = account_id(connection, account_code)
    trusted = account_id(connection, trusted_code)
    if requested_by == approved_by:
        raise TanshiError("a second representative must approve a trusted-list addition")
    if not rights(connection, account, requested_by).initiate:
        raise TanshiError(f"{requested_by} may not initiate on {account_code}")
    if not rights(connection, account, approved_by).approve:
        raise TanshiError(f"{approved_by} may not approve on {account_code}")
    active_from = activation(jurisdiction, now)
    connection.execute(trusted_accounts.insert().values(
        account_id=account, trusted_account_id=trusted, requested_by=requested_by,
        approved_by=approved_by, active_from=to_utc(active_from),
    ))  # fmt: skip
    return active_from


def activation(jurisdiction: Jurisdiction, now: datetime) -> datetime:
    """When an entry added at ``now`` counts: the rulebook's N-th working day after, at its
    time of day (at once without a ``[[registry]]`` rule)."""
    rule, calendar = registry_rule(jurisdiction, now), registry_calendar(jurisdiction, now)
    if calendar is None or rule is None:
        return now
    wait = rule.trusted_list_activation_working_days
    return calendar.working_days_after(now, wait, rule.activation_clock())


def removal_needs_two(jurisdiction: Jurisdiction, now: datetime) -> bool:
    """Whether the rulebook in force at ``now`` has one representative propose a removal
    from a trusted list and another confirm it (EU Art. 23(4); ``trusted_list_removal``)."""
    rule = registry_rule(jurisdiction, now)
    return rule is not None and rule.trusted_list_removal == "two_representatives"


def untrust_account(
    engine: Engine, jurisdiction: Jurisdiction, account_code: str, trusted_code: str,
    removed_by: str, now: datetime,
) -> None:  # fmt: skip
    """Take an account off another's trusted list, at once, by one representative.

    Only where the rulebook lets one representative do it (``trusted_list_removal``, the
    default); otherwise a removal is a request a second representative confirms
    (services/trust_requests.py). The entry is deleted (so it can be added again later) and
    logged, as it was, in ``trusted_list_removals``. Proposals already delayed keep their
    release time; those approved or released from now on no longer count it as trusted.
    """
    if removal_needs_two(jurisdiction, now):
        raise TanshiError(
            f"the rulebook of {jurisdiction.code} has two representatives take an account off "
            "a trusted list: one proposes the removal, another confirms it"
        )
    with engine.begin() as connection:
        lock_journal_head(connection)  # approvals read the list under this lock
        account = account_id(connection, account_code)
        held = rights(connection, account, removed_by)
        if not (held.initiate or held.approve):
            raise TanshiError(
                f"{removed_by} is not an authorised representative of {account_code}: only "
                "one may change its trusted list"
            )
        untrust_in(connection, account_code, trusted_code, removed_by, now)


def untrust_in(
    connection: Connection, account_code: str, trusted_code: str, removed_by: str,
    now: datetime,
) -> None:  # fmt: skip
    """Delete the entry and log it as it was, on the caller's connection, which holds the
    journal head (``lock_journal_head``); raises TanshiError if it is not listed."""
    account = account_id(connection, account_code)
    trusted = account_id(connection, trusted_code)
    entry = connection.execute(
        select(trusted_accounts).where(
            trusted_accounts.c.account_id == account,
            trusted_accounts.c.trusted_account_id == trusted,
        )
    ).first()
    if entry is None:
        raise TanshiError(f"{trusted_code} is not on the trusted list of {account_code}")
    connection.execute(trusted_list_removals.insert().values(
        account_id=account, trusted_account_id=trusted, requested_by=entry.requested_by,
        approved_by=entry.approved_by, active_from=entry.active_from, removed_by=removed_by,
        removed_at=to_utc(now),
    ))  # fmt: skip
    connection.execute(trusted_accounts.delete().where(trusted_accounts.c.id == entry.id))


@dataclass(frozen=True, slots=True)
class TrustedEntry:
    """An account on another's trusted list, and since when it counts."""

    account: str
    requested_by: str
    approved_by: str
    active_from: datetime


def trusted_list(engine: Engine, account_code: str) -> list[TrustedEntry]:
    """The entries of an account's trusted list, pending ones too, by code."""
    listed = accounts.alias("listed")
    with reader(engine).connect() as connection:
        account = account_id(connection, account_code)
        rows = connection.execute(
            select(listed.c.code, trusted_accounts.c.requested_by,
                   trusted_accounts.c.approved_by, trusted_accounts.c.active_from)
            .join(listed, listed.c.id == trusted_accounts.c.trusted_account_id)
            .where(trusted_accounts.c.account_id == account)
            .order_by(listed.c.code)
        ).all()  # fmt: skip
    return [TrustedEntry(code, by, approver, from_store(active)) for code, by, approver, active
            in rows]  # fmt: skip


def trusts_all(
    connection: Connection, rule: RegistryRule | None, source: int, targets: list[int],
    now: datetime,
) -> bool:  # fmt: skip
    """Whether ``source`` trusts every one of ``targets`` at ``now``."""
    listed = {
        target: from_store(active)
        for target, active in connection.execute(
            select(trusted_accounts.c.trusted_account_id, trusted_accounts.c.active_from).where(
                trusted_accounts.c.account_id == source,
                trusted_accounts.c.trusted_account_id.in_(targets),
            )
        )
    }
    if all(target in listed and listed[target] <= now for target in targets):
        return True
    if rule is None or not rule.same_holder_trusted:
        return False
    found = {
        row[0]: account_from_row(row)
        for row in connection.execute(
            select(accounts.c.id, accounts.c.code, accounts.c.kind, accounts.c.status,
                   accounts.c.holder).where(accounts.c.id.in_([source, *targets]))
        )
    }  # fmt: skip
    return all(
        is_trusted(found[source], found[target], listed.get(target), now,
                   same_holder_trusted=True)
        for target in targets
    )  # fmt: skip


WAIVER_BY_APPROVER = ("{who} cannot declare this for {account}: only a representative who may "
                      "approve on the account can")  # fmt: skip
WAIVER_BY_ANY = ("{who} cannot declare this for {account}: only a representative who "
                 "represents the account can")  # fmt: skip


def set_approval_waiver(
    engine: Engine, jurisdiction: Jurisdiction, account_code: str, waived: bool,
    declared_by: str, set_by: str, now: datetime,
) -> None:  # fmt: skip
    """Record the holder's declaration that transfers to its trusted list need (or no longer
    need) a second approval.

    ``declared_by`` is the representative declaring it for the holder: to waive, one who may
    approve (the approval given up is theirs to give); to withdraw a waiver, any
    representative. ``set_by`` is who records it (the administrator, or the user of the
    API). Waiving needs a rulebook that allows it; withdrawing is always allowed.
    """
    rule = registry_rule(jurisdiction, now)
    if waived and (rule is None or not rule.second_approval_waiver):
        raise StepRefused(Issue.of(
            "approval_waiver_not_allowed", "the rulebook of {jurisdiction} does not let account "
            "holders waive the second approval; every transfer needs one",
            jurisdiction=jurisdiction.code))  # fmt: skip
    with engine.begin() as connection:
        lock_journal_head(connection)  # proposals read the waiver under this lock
        account = account_id(connection, account_code)
        held = rights(connection, account, declared_by)
        if not (held.approve if waived else held.initiate or held.approve):
            raise StepRefused(Issue.of(
                "approval_waiver_refused", WAIVER_BY_APPROVER if waived else WAIVER_BY_ANY,
                who=declared_by, account=account_code))  # fmt: skip
        connection.execute(approval_waivers.insert().values(
            account_id=account, waived=waived, declared_by=declared_by, set_by=set_by,
            set_at=to_utc(now),
        ))  # fmt: skip


def approval_waiver_on(connection: Connection, account: int) -> bool:
    """Whether the account's latest declaration waives the second approval."""
    waived = connection.execute(
        select(approval_waivers.c.waived)
        .where(approval_waivers.c.account_id == account)
        .order_by(approval_waivers.c.id.desc())
        .limit(1)
    ).scalar()
    return bool(waived)
