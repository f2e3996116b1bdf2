"""The one record of what a reconciliation found wrong: the registry's (``checks``) and the
exchange's ledgers' (``ledgers``) alike.

A ``Discrepancy`` is a kind and an ``Issue.of`` (``issue``): its ``code`` (the kind's value),
``message`` and ``where`` (the subject: an account and unit class, a journal entry, a unit
class, a cash account, the cash ledger), and the template and figures (``figures``) they
were written from, so that a page can say it in its language (web/problems.py).

``DiscrepancyKind`` is declared in precedence, the most fundamental first: a journal entry
that cannot be read (undeclared type, a movement its type forbids), then holdings against
the journal, units against their issuance, the serial blocks, the freeze orders, and last
the exchange's ledgers, which sit on top of the registry. Fix them in that order: a later
kind is often the echo of an earlier one. Where one fact could be told as two kinds, the
earlier wins (a unit class held but never issued is ``units_without_issuance``, not
``units_not_conserved``). Lists keep the order their check found them in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tanshi.core.issues import Issue, Where


class DiscrepancyKind(enum.StrEnum):
    """What is wrong, in precedence (see the module); the values are the codes shells show."""

    # the registry's journal
    UNKNOWN_TRANSACTION_TYPE = "unknown_transaction_type"
    MOVEMENT_NOT_ALLOWED = "movement_not_allowed_by_its_type"
    # the holdings table against the journal
    HOLDING_DIFFERS_FROM_JOURNAL = "holding_differs_from_journal"
    NEGATIVE_HOLDING = "negative_holding"
    # units against their issuance
    UNTRACEABLE_UNITS = "units_without_issuance"
    NOT_CONSERVED = "units_not_conserved"
    # serial blocks
    SERIALS_NOT_ISSUED = "serials_outside_issued_range"
    BLOCKS_OVERLAP = "serial_blocks_overlap"
    BLOCKS_DIFFER_FROM_HOLDING = "serial_blocks_differ_from_holding"
    # freeze orders
    FROZEN_UNITS_DIFFER_FROM_ORDERS = "frozen_units_differ_from_orders"
    # the exchange's ledgers (services.settlement, services.cash)
    CLEARING_UNITS_DIFFER = "clearing_units_differ_from_reservations"
    CLEARING_CASH_DIFFERS = "clearing_cash_differs_from_reservations"
    CASH_BALANCE_DIFFERS = "cash_balance_differs_from_journal"
    CASH_NOT_BALANCED = "cash_balances_do_not_sum_to_zero"

    @property
    def precedence(self) -> int:
        """0 for the most fundamental kind; a later kind is often the echo of an earlier."""
        return list(DiscrepancyKind).index(self)

    @property
    def of_ledgers(self) -> bool:
        """Whether the exchange's ledgers (not the registry) have this kind."""
        return self.precedence >= DiscrepancyKind.CLEARING_UNITS_DIFFER.precedence


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """Something the stored registry or the exchange's ledgers should never show: its
    ``kind`` and the ``issue`` saying it (code, message, where, template and figures)."""

    kind: DiscrepancyKind
    issue: Issue

    @classmethod
    def of(
        cls, kind: DiscrepancyKind, template: str, where: str | Where, /, **figures: object
    ) -> Discrepancy:
        """A discrepancy of ``kind``, said by ``template`` with ``figures``, at ``where``."""
        return cls(kind, Issue.of(kind.value, template, where, **figures))

    @property
    def code(self) -> str:
        return self.kind.value

    @property
    def message(self) -> str:
        return self.issue.message

    @property
    def where(self) -> str:
        return self.issue.where

    @property
    def figures(self) -> dict[str, str]:
        """The names and figures the message was written with (as text)."""
        return dict(self.issue.params)

    @property
    def account(self) -> str | None:
        """The account (registry or cash) the discrepancy is at, if it is at one."""
        return dict(self.issue.where_params).get("account")

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.message}"
