"""At the deadline: surrendered units against verified emissions, shortfalls and penalties.

For each company with verified emissions E for the year:

    obligation    = round(E) to whole tonnes            (rounding from the compliance rule)
                    capped by the obligation limits (limits.limited_obligation_t)
                    + units still owed from last year (EU: surrender_still_owed)
    offsets_cap   = floor(obligation × cap share)       (offset rule; 0 without one)
    offsets_count = min(domestic + min(international, international cap), offsets_cap)
    shortfall     = max(0, obligation − allowances surrendered − offsets_count)
    penalty       = penalties.penalty_amount(rule, shortfall, price, choice)
    status        = compliant when shortfall is 0, else non_compliant
    status_code   = A (shortfall 0) | B (short) | C (no verified emissions) | excluded

A covered company without verified emissions gets status ``no_verified_emissions`` (code C)
and no shortfall or penalty: the regulator has to establish its emissions first. A company
not covered in the year (``Position.covered`` false) is ``excluded``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from tanshi.compliance.limits import limited_obligation_t, offsets_cap_t, offsets_counted_t
from tanshi.compliance.penalties import penalty_amount, still_owed
from tanshi.rulebook.model import (
    AnyPenaltyRule,
    CompliancePeriodRule,
    ObligationLimitRule,
    OffsetRule,
    PenaltyRule,
    PriceWindow,
)

_ROUNDING = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_DOWN}


class Status(enum.StrEnum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"
    NO_VERIFIED_EMISSIONS = "no_verified_emissions"
    EXCLUDED = "excluded"


class StatusCode(enum.StrEnum):
    """The status code of a company-year in the compliance table."""

    A = "A"  # surrendered at least the obligation
    B = "B"  # short
    C = "C"  # no verified emissions entered
    EXCLUDED = "excluded"  # not covered in the year


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
    surrendered_offsets_t: int  # credits of every kind, international ones included
    surrendered_international_t: int = 0  # of surrendered_offsets_t, international credits
    owed_from_earlier_t: int = 0  # units still owed from last year (surrender_still_owed)
    gas_unit: bool = False  # China: gas units owe at most their allocation
    banked_t: int = 0  # allowances of the year carried over to the next vintage
    borrowed_t: int = 0  # later-vintage allowances borrowed for the year
    covered: bool = True  # False: not covered in the year (status excluded)


@dataclass(frozen=True, slots=True)
class ComplianceLine:
    """One row of the compliance table."""

    position: Position
    obligation_t: int | None
    offsets_cap_t: int | None
    offsets_counted_t: int
    shortfall_t: int | None
    penalty: Decimal | None  # in the rulebook's currency, rounded half up to the hundredth
    deduction_next_year_t: int
    status: Status
    still_owed_next_year_t: int = 0
    penalty_choice: Decimal | None = None  # the multiple or fine chosen, if the rule has a range

    @property
    def status_code(self) -> StatusCode:
        return _CODES[self.status]

    @property
    def penalty_cny(self) -> Decimal | None:
        """The penalty under its original name; in the rulebook's currency, CNY or not."""
        return self.penalty


_CODES = {
    Status.COMPLIANT: StatusCode.A,
    Status.NON_COMPLIANT: StatusCode.B,
    Status.NO_VERIFIED_EMISSIONS: StatusCode.C,
    Status.EXCLUDED: StatusCode.EXCLUDED,
}


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


def price_window(rule: AnyPenaltyRule, year: int, deadline: date) -> tuple[date, date]:
    """The dates whose trades set the penalty price (the deadline alone for rules without)."""
    if not isinstance(rule, PenaltyRule):
        return deadline, deadline
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
    penalty: AnyPenaltyRule,
    price: PriceBasis,
    obligation_limits: ObligationLimitRule | None = None,
    choices: Mapping[str, Decimal] | None = None,
) -> list[ComplianceLine]:
    """The compliance table of ``year``: one line per position, in the order given.

    ``choices`` maps a company to the regulator's multiple or fine within the penalty rule's
    range (checked beforehand with ``penalties.check_choice``); others get the minimum.
    """
    lines = []
    for position in positions:
        if not position.covered or position.verified_tco2 is None:
            status = Status.EXCLUDED if not position.covered else Status.NO_VERIFIED_EMISSIONS
            lines.append(ComplianceLine(position, None, None, 0, None, None, 0, status))
            continue
        obligation = (
            limited_obligation_t(
                obligation_t(position.verified_tco2, compliance),
                position.verified_tco2,
                position.allocated_t,
                obligation_limits,
                position.gas_unit,
                compliance.obligation_rounding,
            )
            + position.owed_from_earlier_t
        )
        domestic = position.surrendered_offsets_t - position.surrendered_international_t
        counted = offsets_counted_t(
            obligation, offsets, domestic, position.surrendered_international_t
        )
        shortfall = max(0, obligation - position.surrendered_allowances_t - counted)
        choice = (choices or {}).get(position.company)
        lines.append(
            ComplianceLine(
                position=position,
                obligation_t=obligation,
                offsets_cap_t=offsets_cap_t(obligation, offsets),
                offsets_counted_t=counted,
                shortfall_t=shortfall,
                penalty=penalty_amount(penalty, shortfall, price.price_cny_per_t, choice),
                deduction_next_year_t=(
                    shortfall if penalty.deduct_shortfall_from_next_allocation else 0
                ),
                status=Status.COMPLIANT if shortfall == 0 else Status.NON_COMPLIANT,
                still_owed_next_year_t=shortfall if still_owed(penalty) else 0,
                penalty_choice=choice,
            )
        )
    return lines
