"""Allocation of allowances: free allocation methods, pure functions of rules and history."""

from tanshi.allocation.grandfathering import AllocationLine, AllocationTable, grandfather

__all__ = ["AllocationLine", "AllocationTable", "grandfather"]
