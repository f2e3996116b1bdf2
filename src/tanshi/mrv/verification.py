"""Verified emissions: for now the reported figure is accepted as verified."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tanshi.core.errors import InputRejected
from tanshi.core.issues import has_errors
from tanshi.mrv.methodology import Calculation


@dataclass(frozen=True, slots=True)
class VerifiedEmissions:
    """The emissions figure compliance runs on, and how it was verified."""

    company: str
    year: int
    emissions_tco2: Decimal
    method: str


def accept_as_reported(calculation: Calculation) -> VerifiedEmissions:
    """The verification rule ``accept_reported``: the calculated figure, if it has no errors
    (the method's reported figure where it rounds one, e.g. whole tCO2 for CN power)."""
    if has_errors(calculation.issues):
        raise InputRejected(
            f"the emissions report of {calculation.company} for {calculation.year}",
            calculation.issues,
        )
    return VerifiedEmissions(
        company=calculation.company,
        year=calculation.year,
        emissions_tco2=calculation.emissions_tco2
        if calculation.reported_tco2 is None
        else calculation.reported_tco2,
        method="accept_reported",
    )
