"""Materiality: is the aggregate of a report's misstatements small enough for it to pass?

A misstatement is material when the sum of the absolute misstatements *exceeds* the
materiality share of the reported emissions (EU AVR wording: "exceeds the materiality
level"), so a ratio exactly at the level passes. The band is chosen by reported emissions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tanshi.mrv.verification_rules import MaterialityBand


@dataclass(frozen=True, slots=True)
class Materiality:
    """The outcome of a materiality assessment, with the numbers that decided it."""

    reported_tco2: Decimal
    aggregate_tco2: Decimal
    share: Decimal
    ratio: Decimal | None  # None when nothing was reported
    material: bool

    @property
    def level_tco2(self) -> Decimal:
        return self.reported_tco2 * self.share


def band_for(bands: Sequence[MaterialityBand], reported_tco2: Decimal) -> MaterialityBand:
    """The first band whose upper bound (inclusive) holds the reported emissions."""
    for band in bands:
        if band.up_to_t is None or reported_tco2 <= band.up_to_t:
            return band
    raise AssertionError("the last materiality band has no upper bound (checked when parsed)")


def assess(
    bands: Sequence[MaterialityBand], reported_tco2: Decimal, misstatements: Iterable[Decimal]
) -> Materiality:
    """Aggregate the misstatements (absolute values) and compare with the band's level."""
    aggregate = sum((abs(amount) for amount in misstatements), Decimal(0))
    share = band_for(bands, reported_tco2).share
    if reported_tco2 <= 0:
        return Materiality(reported_tco2, aggregate, share, None, aggregate > 0)
    ratio = aggregate / reported_tco2
    return Materiality(reported_tco2, aggregate, share, ratio, ratio > share)
