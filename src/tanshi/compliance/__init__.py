"""Compliance: obligations, surrender against them, shortfalls and penalties."""

from tanshi.compliance.reconcile import (
    ComplianceLine,
    Position,
    PriceBasis,
    Status,
    obligation_t,
    offsets_cap_t,
    price_window,
    reconcile,
)

__all__ = [
    "ComplianceLine",
    "Position",
    "PriceBasis",
    "Status",
    "obligation_t",
    "offsets_cap_t",
    "price_window",
    "reconcile",
]
