"""Activity data reported by a covered company, and the checks run on it."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tanshi.core.issues import Issue

# Units tanshi accepts for activity data. Ambiguous spellings ("ton", "mt") are refused
# because public tools have read "mt" both as tonne and as megatonne.
ACTIVITY_UNITS = frozenset({"t", "10^4Nm3", "MWh"})
AMBIGUOUS_UNITS = frozenset({"ton", "tons", "tonne", "tonnes", "mt", "MT", "Mt", "kt"})


class SourceKind(enum.StrEnum):
    """What an activity line is: fuel burnt on site or electricity bought from the grid."""

    FUEL = "fuel"
    ELECTRICITY = "electricity"


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """One line of a company's annual activity data.

    Attributes:
      company: the covered company's code.
      year: the reporting year.
      kind: fuel combustion or purchased electricity.
      subject: the fuel (``anthracite``, ``natural_gas``, ...) or ``grid`` for electricity.
      quantity: the amount consumed, exact.
      unit: ``t`` for solid and liquid fuels, ``10^4Nm3`` for gas, ``MWh`` for electricity.
    """

    company: str
    year: int
    kind: SourceKind
    subject: str
    quantity: Decimal
    unit: str

    @property
    def where(self) -> str:
        return f"company {self.company}, {self.year}, {self.kind.value} {self.subject}"


def check_activity(records: Iterable[ActivityRecord]) -> list[Issue]:
    """Every problem in a batch of activity records (units, signs, duplicates)."""
    issues: list[Issue] = []
    seen: set[tuple[str, int, SourceKind, str]] = set()
    for record in records:
        if record.unit in AMBIGUOUS_UNITS:
            issues.append(
                Issue.of(
                    "ambiguous_unit",
                    "'{unit}' is ambiguous; write 't' for tonnes (1000 kg)",
                    record.where,
                    unit=record.unit,
                )
            )
        elif record.unit not in ACTIVITY_UNITS:
            issues.append(
                Issue.of(
                    "unknown_unit",
                    "unit '{unit}' is not one of {units}",
                    record.where,
                    unit=record.unit,
                    units=sorted(ACTIVITY_UNITS),
                )
            )
        if record.kind is SourceKind.ELECTRICITY and record.unit != "MWh":
            issues.append(
                Issue.of("electricity_unit", "report purchased electricity in MWh", record.where)
            )
        if record.quantity < 0:
            issues.append(
                Issue.of(
                    "negative_quantity",
                    "quantity {quantity} is negative; report consumption as a positive amount",
                    record.where,
                    quantity=record.quantity,
                )
            )
        key = (record.company, record.year, record.kind, record.subject)
        if key in seen:
            issues.append(
                Issue.of(
                    "duplicate_activity",
                    "this source is reported twice for the year; add the amounts into one line",
                    record.where,
                )
            )
        seen.add(key)
    return issues
