"""The cash ledger's rules: money in integer fen, every entry double entry by construction.

An entry is a list of movements, each taking a positive amount of fen from one cash account
to another, so every fen that leaves an account arrives in another and the ledger's total
is zero at all times. Money enters and leaves the system only through the settlement bank's
account, the one account allowed to go negative (its balance is minus the money held for
participants), as a registry's issuance account is minus the units issued.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tanshi.core.issues import Issue
from tanshi.core.quantities import fen_to_cny

MAX_KEY_LENGTH = 200


class CashAccountKind(enum.StrEnum):
    """What a cash account is for; entry kinds say which kinds they move money between."""

    PARTICIPANT = "participant"  # a company's or trader's funds at the exchange
    CLEARING = "clearing"  # funds set aside for buy orders and trades awaiting settlement
    FEES = "fees"  # the exchange's fee income
    BANK = "bank"  # the settlement bank: money outside the system; the only negative one
    AUCTION_PROCEEDS = "auction_proceeds"  # what winners of primary auctions paid the auctioneer


def cash_allows_negative(kind: CashAccountKind) -> bool:
    """Whether a cash account of ``kind`` may go below zero (only the bank's)."""
    return kind is CashAccountKind.BANK


class CashEntryKind(enum.StrEnum):
    """Why money moved."""

    DEPOSIT = "deposit"  # paid in through the settlement bank
    WITHDRAWAL = "withdrawal"  # paid out through the settlement bank
    FUNDS_RESERVATION = "funds_reservation"  # set aside for a buy order or a trade
    FUNDS_RELEASE = "funds_release"  # what a buy order did not use, given back
    SETTLEMENT = "settlement"  # a trade's price to the seller and its fees to the exchange
    AUCTION_PAYMENT = "auction_payment"  # a winner's reserved funds to the auction's proceeds


_P, _C, _F, _B, _A = (
    CashAccountKind.PARTICIPANT,
    CashAccountKind.CLEARING,
    CashAccountKind.FEES,
    CashAccountKind.BANK,
    CashAccountKind.AUCTION_PROCEEDS,
)
# Which (from kind, to kind) pairs each entry kind may move money along.
ALLOWED_PAIRS: dict[CashEntryKind, frozenset[tuple[CashAccountKind, CashAccountKind]]] = {
    CashEntryKind.DEPOSIT: frozenset({(_B, _P)}),
    CashEntryKind.WITHDRAWAL: frozenset({(_P, _B)}),
    CashEntryKind.FUNDS_RESERVATION: frozenset({(_P, _C)}),
    CashEntryKind.FUNDS_RELEASE: frozenset({(_C, _P)}),
    CashEntryKind.SETTLEMENT: frozenset({(_C, _P), (_C, _F)}),
    CashEntryKind.AUCTION_PAYMENT: frozenset({(_C, _A)}),
}


@dataclass(frozen=True, slots=True)
class CashMovement:
    """``amount_fen`` (> 0) from one cash account to another."""

    from_account: int
    to_account: int
    amount_fen: int


@dataclass(frozen=True, slots=True)
class CashRequest:
    """One cash entry to write under a client-chosen idempotency key."""

    kind: CashEntryKind
    idempotency_key: str
    movements: tuple[CashMovement, ...]
    booked_at: datetime
    memo: str = ""

    def fingerprint(self) -> str:
        """What makes two requests under one key the same request (the time does not)."""
        return json.dumps(
            [self.kind.value, self.memo,
             [[m.from_account, m.to_account, m.amount_fen] for m in self.movements]],
            separators=(",", ":"),
        )  # fmt: skip


def _yuan(fen: int) -> str:
    """Fen as yuan for a message: ``CNY 1,000,000.00`` (the cash ledger is in CNY)."""
    return f"CNY {fen_to_cny(fen):,}"


def check_cash(
    request: CashRequest,
    kinds: Mapping[int, CashAccountKind],
    balances: Mapping[int, int],
) -> list[Issue]:
    """Every problem with ``request`` given the accounts' kinds and balances now.

    Movements are applied in order, as the database applies them, and no account but the
    bank's may go below zero at any step.
    """
    where = f"cash entry {request.idempotency_key}"
    issues: list[Issue] = []
    if not 1 <= len(request.idempotency_key) <= MAX_KEY_LENGTH:
        issues.append(Issue("idempotency_key_must_be_1_to_200_characters",
                            "give an idempotency key of 1 to 200 characters", where))  # fmt: skip
    if not request.movements:
        issues.append(Issue("cash_entry_has_no_movements", "an entry moves some money", where))
    running = dict(balances)
    for index, m in enumerate(request.movements):
        at = f"{where}, movement {index + 1}"
        if m.amount_fen <= 0:
            issues.append(Issue("amount_must_be_positive",
                                f"move at least 1 fen, not {m.amount_fen}", at))  # fmt: skip
        if m.from_account == m.to_account:
            issues.append(Issue("cash_accounts_must_be_different",
                                "money moves between two different accounts", at))  # fmt: skip
        unknown = [a for a in (m.from_account, m.to_account) if a not in kinds]
        if unknown:
            issues.append(Issue("unknown_cash_account", f"no cash account with id {unknown}", at))
            continue
        pair = (kinds[m.from_account], kinds[m.to_account])
        if pair not in ALLOWED_PAIRS[request.kind]:
            issues.append(
                Issue("cash_movement_not_allowed",
                      f"a {request.kind.value} does not move money from a {pair[0].value} "
                      f"account to a {pair[1].value} account", at)
            )  # fmt: skip
        running[m.from_account] = running.get(m.from_account, 0) - m.amount_fen
        running[m.to_account] = running.get(m.to_account, 0) + m.amount_fen
        if running[m.from_account] < 0 and not cash_allows_negative(kinds[m.from_account]):
            issues.append(
                Issue("insufficient_funds",
                      f"the account has {_yuan(running[m.from_account] + m.amount_fen)}, "
                      f"{_yuan(m.amount_fen)} are needed; deposit at least "
                      f"{_yuan(-running[m.from_account])} more or reserve less", at)
            )  # fmt: skip
    return issues


def cash_postings(request: CashRequest) -> dict[int, int]:
    """The net change of each account's balance (they sum to zero)."""
    deltas: dict[int, int] = {}
    for m in request.movements:
        deltas[m.from_account] = deltas.get(m.from_account, 0) - m.amount_fen
        deltas[m.to_account] = deltas.get(m.to_account, 0) + m.amount_fen
    return deltas
