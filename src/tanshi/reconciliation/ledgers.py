"""Discrepancies of the exchange's ledgers: the cash journal, and the clearing accounts
against the open reservations and the pending trades.

``services.cash.cash_discrepancies`` and ``services.settlement.settlement_discrepancies``
find them from stored rows; this module says what each one is, as the one reconciliation
record (``discrepancy.Discrepancy``: a kind, and the ``Issue.of`` saying it, with where and
the figures, so web/problems.py can say it in the page's language).
"""

from __future__ import annotations

from tanshi.core.issues import Where
from tanshi.reconciliation.discrepancy import Discrepancy, DiscrepancyKind

# Where each is: the clearing account's unit class, a cash account, the cash ledger.
CLEARING_UNITS_AT = "clearing account {account}, unit class {unit_class}"
CASH_AT = "cash account {account}"
CASH_LEDGER = "cash ledger"


def clearing_units_differ(account: str, unit_class: str, held: int, expected: int) -> Discrepancy:
    return Discrepancy.of(
        DiscrepancyKind.CLEARING_UNITS_DIFFER, "the clearing account holds {held} units of "
        "class {unit_class}; open reservations and pending trades account for {expected}",
        Where.of(CLEARING_UNITS_AT, account=account, unit_class=unit_class),
        held=held, unit_class=unit_class, expected=expected)  # fmt: skip


def clearing_cash_differs(account: str, held_fen: int, expected_fen: int) -> Discrepancy:
    return Discrepancy.of(
        DiscrepancyKind.CLEARING_CASH_DIFFERS, "clearing cash holds {held_fen} fen; open "
        "reservations and pending trades account for {expected_fen} fen",
        Where.of(CASH_AT, account=account), held_fen=held_fen, expected_fen=expected_fen)  # fmt: skip


def cash_balance_differs(account: str, balance_fen: int, journal_fen: int) -> Discrepancy:
    return Discrepancy.of(
        DiscrepancyKind.CASH_BALANCE_DIFFERS, "cash account {account}: balance {balance_fen} "
        "fen, journal says {journal_fen} fen", Where.of(CASH_AT, account=account),
        account=account, balance_fen=balance_fen, journal_fen=journal_fen)  # fmt: skip


def cash_not_balanced(total_fen: int) -> Discrepancy:
    return Discrepancy.of(
        DiscrepancyKind.CASH_NOT_BALANCED, "cash balances sum to {total_fen} fen, not zero",
        Where.of(CASH_LEDGER), total_fen=total_fen)  # fmt: skip
