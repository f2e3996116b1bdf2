"""Compliance: obligations, surrender against them, limits, shortfalls and penalties."""

from tanshi.compliance.limits import (
    BankingRoom,
    banking_limit_t,
    banking_refusals,
    borrowing_limit_t,
    floor_share,
    freely_banked,
    international_cap_t,
    lend_year,
    limited_obligation_t,
    offsets_counted_t,
    same_phase,
)
from tanshi.compliance.penalties import (
    check_choice,
    choice_range,
    penalty_amount,
    per_tonne,
    still_owed,
)
from tanshi.compliance.reconcile import (
    ComplianceLine,
    Position,
    PriceBasis,
    Status,
    StatusCode,
    obligation_t,
    offsets_cap_t,
    price_window,
    reconcile,
)
from tanshi.compliance.surrender_order import Holding, surrender_plan

__all__ = [
    "BankingRoom",
    "ComplianceLine",
    "Holding",
    "Position",
    "PriceBasis",
    "Status",
    "StatusCode",
    "banking_limit_t",
    "banking_refusals",
    "borrowing_limit_t",
    "check_choice",
    "choice_range",
    "floor_share",
    "freely_banked",
    "international_cap_t",
    "lend_year",
    "limited_obligation_t",
    "obligation_t",
    "offsets_cap_t",
    "offsets_counted_t",
    "penalty_amount",
    "per_tonne",
    "price_window",
    "reconcile",
    "same_phase",
    "still_owed",
    "surrender_plan",
]
