"""At the deadline: surrendered units against verified emissions, shortfalls and penalties.

For each company with verified emissions E for the year:

    obligation    = round(E) to whole tonnes            (rounding from the compliance rule)
    offsets_cap   = floor(obligation × cap share)       (offset rule; 0 without one)
    offsets_count = min(offsets surrendered, offsets_cap)
    shortfall     = max(0, obligation − allowances surrendered − offsets_count)
    penalty       = shortfall × multiple × average price, rounded half up to the fen
    status        = compliant when shortfall is 0, else non_compliant

A covered company without verified emissions gets status ``no_verified_emissions`` and no
shortfall or penalty: the regulator has to establish its emissions first.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from tanshi.rulebook.model import (
    CompliancePeriodRule,
    OffsetRule,
    PenaltyRule,
    PriceWindow,
)

_ROUNDING = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_DOWN}


class Status(enum.StrEnum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"
    NO_VERIFIED_EMISSIONS = "no_verified_emissions"


@dataclass(frozen=True, slots=True)
class Position:
    """What a company did in a compliance year, as read from MRV and the registry."""

    company: str
    name: str
    sector: str
    verified_tco2: Decimal | None
    allocated_t: int
    bought_t: int
    sold_t: int
    surrendered_allowances_t: int
    surrendered_offsets_t: int


@dataclass(frozen=True, slots=True)
class ComplianceLine:
    """One row of the compliance table."""

    position: Position
    obligation_t: int | None
    offsets_cap_t: int | None
    offsets_counted_t: int
    shortfall_t: int | None
    penalty_cny: Decimal | None
    deduction_next_year_t: int
    status: Status


@dataclass(frozen=True, slots=True)
class PriceBasis:
    """The price penalties are computed on, and where it came from."""

    price_cny_per_t: Decimal
    start: date
    end: date
    from_trades: bool


def obligation_t(verified_tco2: Decimal, compliance: CompliancePeriodRule) -> int:
    """Units owed for verified emissions: whole tonnes, rounded as the rule says."""
    return int(verified_tco2.to_integral_value(_ROUNDING[compliance.obligation_rounding]))


def offsets_cap_t(obligation: int, offsets: OffsetRule | None) -> int:
    """The most offsets that count towards an obligation (rounded down; 0 without a rule)."""
    share = offsets.cap_share_of_obligation if offsets else Decimal(0)
    return int((obligation * share).to_integral_value(ROUND_DOWN))


def price_window(rule: PenaltyRule, year: int, deadline: date) -> tuple[date, date]:
    """The dates whose trades set the penalty price."""
    if rule.price_window is PriceWindow.COMPLIANCE_YEAR:
        return date(year, 1, 1), date(year, 12, 31)
    assert rule.window_months is not None, "check_rulebook requires window_months"
    first_of_deadline_month = deadline.replace(day=1)
    months_back = first_of_deadline_month.month - 1 - rule.window_months
    start = date(first_of_deadline_month.year + months_back // 12, months_back % 12 + 1, 1)
    return start, first_of_deadline_month - timedelta(days=1)


def reconcile(
    year: int,
    positions: Iterable[Position],
    compliance: CompliancePeriodRule,
    offsets: OffsetRule | None,
    penalty: PenaltyRule,
    price: PriceBasis,
) -> list[ComplianceLine]:
    """The compliance table of ``year``: one line per position, in the order given."""
    lines = []
    for position in positions:
        if position.verified_tco2 is None:
            lines.append(
                ComplianceLine(position, None, None, 0, None, None, 0, Status.NO_VERIFIED_EMISSIONS)
            )
            continue
        obligation = obligation_t(position.verified_tco2, compliance)
        offsets_cap = offsets_cap_t(obligation, offsets)
        counted = min(position.surrendered_offsets_t, offsets_cap)
        shortfall = max(0, obligation - position.surrendered_allowances_t - counted)
        fine = (shortfall * penalty.multiple * price.price_cny_per_t).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        lines.append(
            ComplianceLine(
                position=position,
                obligation_t=obligation,
                offsets_cap_t=offsets_cap,
                offsets_counted_t=counted,
                shortfall_t=shortfall,
                penalty_cny=fine,
                deduction_next_year_t=(
                    shortfall if penalty.deduct_shortfall_from_next_allocation else 0
                ),
                status=Status.COMPLIANT if shortfall == 0 else Status.NON_COMPLIANT,
            )
        )
    return lines
