"""Independent reconciliation of the registry: re-derives every invariant from raw rows."""

from tanshi.reconciliation.checks import (
    AccountRow,
    BlockRow,
    FrozenOrderRow,
    HoldingRow,
    MovementRow,
    check_frozen_units,
    reconcile,
)
from tanshi.reconciliation.discrepancy import Discrepancy, DiscrepancyKind

__all__ = [
    "AccountRow",
    "BlockRow",
    "Discrepancy",
    "DiscrepancyKind",
    "FrozenOrderRow",
    "HoldingRow",
    "MovementRow",
    "check_frozen_units",
    "reconcile",
]
