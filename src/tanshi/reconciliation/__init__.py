"""Independent reconciliation of the registry: re-derives every invariant from raw rows."""

from tanshi.reconciliation.checks import (
    AccountRow,
    BlockRow,
    Discrepancy,
    FrozenOrderRow,
    HoldingRow,
    MovementRow,
    check_frozen_units,
    reconcile,
)
from tanshi.reconciliation.ledgers import LedgerDiscrepancy, LedgerDiscrepancyKind

__all__ = [
    "AccountRow",
    "BlockRow",
    "Discrepancy",
    "FrozenOrderRow",
    "HoldingRow",
    "LedgerDiscrepancy",
    "LedgerDiscrepancyKind",
    "MovementRow",
    "check_frozen_units",
    "reconcile",
]
