"""Discrepancies of the exchange's ledgers: the cash journal, and the clearing accounts
against the open reservations and the pending trades.

``services.cash.cash_discrepancies`` and ``services.settlement.settlement_discrepancies``
find them from stored rows; this module says what each one is, as a record like
``checks.Discrepancy`` (a kind, a message) with its location (``where``) and, for pages in
another language, the template and figures it was written from (``issue``, an
``Issue.of``: web/problems.py says it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tanshi.core.issues import Issue, Where


class LedgerDiscrepancyKind(enum.StrEnum):
    CLEARING_UNITS_DIFFER = "clearing_units_differ_from_reservations"
    CLEARING_CASH_DIFFERS = "clearing_cash_differs_from_reservations"
    CASH_BALANCE_DIFFERS = "cash_balance_differs_from_journal"
    CASH_NOT_BALANCED = "cash_balances_do_not_sum_to_zero"


# Where each is: the clearing account's unit class, a cash account, the cash ledger.
CLEARING_UNITS_AT = "clearing account {account}, unit class {unit_class}"
CASH_AT = "cash account {account}"
CASH_LEDGER = "cash ledger"


@dataclass(frozen=True, slots=True)
class LedgerDiscrepancy:
    """Something the exchange's stored ledgers should never show: ``code`` (its kind's
    value), ``message`` and ``where``, as an ``Issue`` keeps them (with its template)."""

    kind: LedgerDiscrepancyKind
    issue: Issue

    @property
    def code(self) -> str:
        return self.kind.value

    @property
    def message(self) -> str:
        return self.issue.message

    @property
    def where(self) -> str:
        return self.issue.where

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.message}"


def clearing_units_differ(
    account: str, unit_class: str, held: int, expected: int
) -> LedgerDiscrepancy:
    kind = LedgerDiscrepancyKind.CLEARING_UNITS_DIFFER
    return LedgerDiscrepancy(kind, Issue.of(
        kind.value, "the clearing account holds {held} units of class {unit_class}; open "
        "reservations and pending trades account for {expected}",
        Where.of(CLEARING_UNITS_AT, account=account, unit_class=unit_class),
        held=held, unit_class=unit_class, expected=expected))  # fmt: skip


def clearing_cash_differs(account: str, held_fen: int, expected_fen: int) -> LedgerDiscrepancy:
    kind = LedgerDiscrepancyKind.CLEARING_CASH_DIFFERS
    return LedgerDiscrepancy(kind, Issue.of(
        kind.value, "clearing cash holds {held_fen} fen; open reservations and pending trades "
        "account for {expected_fen} fen", Where.of(CASH_AT, account=account),
        held_fen=held_fen, expected_fen=expected_fen))  # fmt: skip


def cash_balance_differs(account: str, balance_fen: int, journal_fen: int) -> LedgerDiscrepancy:
    kind = LedgerDiscrepancyKind.CASH_BALANCE_DIFFERS
    return LedgerDiscrepancy(kind, Issue.of(
        kind.value, "cash account {account}: balance {balance_fen} fen, journal says "
        "{journal_fen} fen", Where.of(CASH_AT, account=account), account=account,
        balance_fen=balance_fen, journal_fen=journal_fen))  # fmt: skip


def cash_not_balanced(total_fen: int) -> LedgerDiscrepancy:
    kind = LedgerDiscrepancyKind.CASH_NOT_BALANCED
    return LedgerDiscrepancy(kind, Issue.of(
        kind.value, "cash balances sum to {total_fen} fen, not zero", Where.of(CASH_LEDGER),
        total_fen=total_fen))  # fmt: skip
