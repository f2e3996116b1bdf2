"""Settlement rules as data: each venue's settlement cycle (T+n) and fee schedule, with sources.

The rules live in ``data/settlement/<id>.toml`` (format: docs/settlement.md), separate from
the rulebook: they are the exchange's and the settlement bank's terms, not the regulator's,
and several venues of one exchange settle under one file.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tanshi.core.issues import Issue
from tanshi.rulebook.model import Code, Sourced, Text
from tanshi.rulebook.parse import LineIndex, locate, problem_message

Rate = Annotated[Decimal, Field(ge=0, lt=1)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Header(Sourced):
    """Whose settlement rules these are and the calendar settlement days are counted on."""

    id: Code
    jurisdiction: Annotated[str, Field(pattern=r"^[A-Z]{2,8}$")]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    business_days: tuple[Annotated[int, Field(ge=1, le=7)], ...] = (1, 2, 3, 4, 5)
    holidays: tuple[date, ...] = ()


class Venue(Sourced):
    """A way of trading on the exchange and when its trades settle: T + ``cycle_days``."""

    code: Code
    name: Text
    cycle_days: Annotated[int, Field(ge=0, le=5)]


class FeeRule(Sourced):
    """Fees on a venue's trades over a period: a rate of the trade's value for each side.

    Each side's fee is ``value × rate`` rounded half up to the fen, and at least
    ``minimum_fen``.
    """

    venue: Code
    valid_from: date
    valid_to: date
    buyer_rate: Rate
    seller_rate: Rate
    minimum_fen: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _ordered(self) -> FeeRule:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


class SettlementRules(_Record):
    """The settlement terms of one exchange."""

    settlement: Header
    venues: tuple[Venue, ...]
    fees: tuple[FeeRule, ...] = ()

    def venue(self, code: str) -> Venue | None:
        return next((v for v in self.venues if v.code == code), None)

    def is_business_day(self, day: date) -> bool:
        return day.isoweekday() in self.settlement.business_days and (
            day not in self.settlement.holidays
        )

    def settlement_day(self, trade_day: date, cycle_days: int) -> date:
        """The day a trade of ``trade_day`` settles: its ``cycle_days``-th business day after.

        T+0 is the trade day itself, or the next business day if the trade day is not one.
        """
        day = trade_day
        while not self.is_business_day(day):
            day += timedelta(days=1)
        remaining = cycle_days
        for _ in range(3660):  # ten years without business days would be a broken calendar
            if remaining == 0:
                return day
            day += timedelta(days=1)
            if self.is_business_day(day):
                remaining -= 1
        raise AssertionError("the settlement calendar has no business day in ten years")

    def fee_rule(self, venue: str, day: date) -> tuple[FeeRule | None, list[Issue]]:
        """The one fee rule of ``venue`` in force on ``day`` (none in force means no fees)."""
        found = [f for f in self.fees if f.venue == venue and f.in_force(day)]
        if len(found) > 1:
            return None, [Issue("ambiguous_fee_rule",
                                f"{len(found)} fee rules of venue {venue} are in force on {day}; "
                                "make their validity periods not overlap", f"venue {venue}")]  # fmt: skip
        return (found[0] if found else None), []


def fee_fen(value_fen: int, rate: Decimal, minimum_fen: int) -> int:
    """One side's fee: ``value × rate`` rounded half up to the fen, at least the minimum.

    Rounded per side and per trade, so a fee is never split across trades.
    """
    exact = Decimal(value_fen) * rate
    return max(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)), minimum_fen)


def parse_settlement_rules(
    text: str, origin: str = "<settlement rules>"
) -> tuple[SettlementRules | None, list[Issue]]:
    """Parse and validate settlement rules; returns them (or None) with every problem."""
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        return None, [Issue("settlement_rules_not_toml",
                            f"the file is not valid TOML: {error}; fix the syntax", origin)]  # fmt: skip
    index = LineIndex(text)
    try:
        rules = SettlementRules.model_validate(raw)
    except ValidationError as error:
        return None, [
            Issue(
                f"settlement_{p['type']}", problem_message(dict(p)), locate(origin, index, p["loc"])
            )
            for p in error.errors()
        ]
    issues = []
    codes = [v.code for v in rules.venues]
    for position, venue in enumerate(rules.venues):
        if codes.index(venue.code) != position:
            issues.append(Issue("duplicate_venue", f"venue {venue.code} is declared twice",
                                locate(origin, index, ["venues", position, "code"])))  # fmt: skip
    for position, fee in enumerate(rules.fees):
        where = locate(origin, index, ["fees", position, "venue"])
        if fee.venue not in codes:
            issues.append(Issue("fee_for_unknown_venue",
                                f"no venue {fee.venue}; declare it under [[venues]]", where))  # fmt: skip
        for other in rules.fees[position + 1 :]:
            if other.venue == fee.venue and (
                other.valid_from <= fee.valid_to and fee.valid_from <= other.valid_to
            ):
                issues.append(Issue("overlapping_fee_rules",
                                    f"two fee rules of venue {fee.venue} overlap in time", where))  # fmt: skip
    return rules, issues
