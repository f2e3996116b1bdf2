"""Registry accounts and the unit classes they hold."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tanshi.rulebook.model import UnitKind


class AccountKind(enum.StrEnum):
    """What an account is for; transaction types say which kinds they may move between."""

    ISSUANCE = "issuance"  # the source of new units; its balance is minus all units issued
    JURISDICTION_HOLDING = "jurisdiction_holding"  # the regulator's allowances to allocate
    OPERATOR_HOLDING = "operator_holding"  # a covered company's compliance account
    TRADING = "trading"  # a person's or trader's account
    EXCHANGE_CLEARING = "exchange_clearing"  # an exchange's account for settling trades
    PROJECT = "project"  # an offset project developer's account
    SURRENDER = "surrender"  # units surrendered for compliance
    CANCELLATION = "cancellation"  # units retired or cancelled for good (voluntary too)
    DELETION = "deletion"  # units taken out of circulation by the regulator
    RESERVE_NEW_ENTRANT = "reserve_new_entrant"
    RESERVE_MARKET_STABILITY = "reserve_market_stability"
    RESERVE_AUCTION = "reserve_auction"  # allowances waiting to be auctioned
    # Units of one account frozen by a court or regulator order, kept apart from what the
    # account may use; one per frozen account, ``frozen_units_account_code``.
    FROZEN_UNITS = "frozen_units"


class AccountStatus(enum.StrEnum):
    """What an account may do now; ``STATUS_RULES`` in booking.py says it per status."""

    OPEN = "open"
    RESTRICTED = "restricted"  # may receive; may only surrender (or be made to)
    SUSPENDED = "suspended"  # the holder can do nothing; the regulator may still act
    FROZEN = "frozen"  # the whole account frozen by a court order: nothing leaves or arrives
    CLOSURE_PENDING = "closure_pending"  # only the closure transfer of its balance leaves
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Account:
    """A registry account.

    Guarantees: only ``ISSUANCE`` accounts may hold a negative quantity (their balance is
    the negative of everything issued); every other holding is zero or more, enforced by a
    database CHECK constraint.
    """

    id: int
    code: str
    kind: AccountKind
    status: AccountStatus
    holder: str

    @property
    def allows_negative(self) -> bool:
        return allows_negative(self.kind)


def allows_negative(kind: AccountKind) -> bool:
    """Whether holdings of an account of ``kind`` may go below zero."""
    return kind is AccountKind.ISSUANCE


@dataclass(frozen=True, slots=True)
class UnitClass:
    """Fungible units: one unit type of one jurisdiction and vintage (and project for offsets).

    One unit is one tonne of CO2 equivalent.
    """

    id: int
    code: str
    unit_type: str
    kind: UnitKind
    jurisdiction: str
    vintage: int
    project: str | None = None
    labels: tuple[str, ...] = ()


def unit_class_code(unit_type: str, vintage: int, project: str | None = None) -> str:
    """The readable code of a unit class: ``DPEA-2016`` or ``DPCER-2015-P001``."""
    return f"{unit_type}-{vintage}" + (f"-{project}" if project else "")


def frozen_units_account_code(account: Account) -> str:
    """The code of the account that keeps ``account``'s frozen units: ``DP-FZ-<id>``.

    Named by the account's id (codes can be 40 characters already), under its jurisdiction.
    """
    return f"{account.code.split('-', 1)[0]}-FZ-{account.id}"
