"""Independent reconciliation of the registry: re-derives every invariant from raw rows."""

from tanshi.reconciliation.checks import (
    AccountRow,
    BlockRow,
    Discrepancy,
    HoldingRow,
    MovementRow,
    reconcile,
)

__all__ = ["AccountRow", "BlockRow", "Discrepancy", "HoldingRow", "MovementRow", "reconcile"]
