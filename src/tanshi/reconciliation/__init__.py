"""Independent reconciliation of the registry: re-derives every invariant from raw rows."""

from tanshi.reconciliation.checks import AccountRow, Discrepancy, HoldingRow, MovementRow, reconcile

__all__ = ["AccountRow", "Discrepancy", "HoldingRow", "MovementRow", "reconcile"]
