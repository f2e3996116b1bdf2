"""Allocation of allowances: free allocation methods, pure functions of rules and history."""

from tanshi.allocation.benchmark_output import (
    GeneratingUnit,
    TrueUpLine,
    UnitAllocation,
    VerifiedLine,
    allocate_unit,
    at_verified_emissions,
    load_correction,
    preallocate,
    true_up,
    unit_kind,
)
from tanshi.allocation.budget import available_t, fit_to_budget, split_auctioned
from tanshi.allocation.eu_benchmark import (
    Installation,
    InstallationAllocation,
    allocate_installations,
)
from tanshi.allocation.grandfathering import AllocationLine, AllocationTable, grandfather

__all__ = [
    "AllocationLine",
    "AllocationTable",
    "GeneratingUnit",
    "Installation",
    "InstallationAllocation",
    "TrueUpLine",
    "UnitAllocation",
    "VerifiedLine",
    "allocate_installations",
    "allocate_unit",
    "at_verified_emissions",
    "available_t",
    "fit_to_budget",
    "grandfather",
    "load_correction",
    "preallocate",
    "split_auctioned",
    "true_up",
    "unit_kind",
]
