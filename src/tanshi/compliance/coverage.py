"""Whether a company is covered in a compliance year: the one definition.

A company is covered in ``year`` when its sector is covered in the year
(``rulebook.in_force.sector_covered``: a declared sector in its years, an undeclared code
always) and the year touches it: it has an allocation for the year, verified emissions for
it, or a net surrender for it. Otherwise its compliance status is ``excluded``.

The shell gathers the three facts (from allocation, MRV and the registry) and asks
``covered``; ``services.compliance.positions`` (the compliance run's ``Position.covered``)
and ``services.year_positions.covered_companies`` (the public list before the deadline) both
do, so the two cannot disagree on what counts.
"""

from __future__ import annotations

from tanshi.rulebook.in_force import sector_covered
from tanshi.rulebook.model import Rulebook


def covered(
    rulebook: Rulebook, year: int, sector: str, *, allocated: bool, verified: bool,
    surrendered: bool,
) -> bool:  # fmt: skip
    """Whether a company of sector code ``sector`` is covered in ``year``, given whether it
    has an allocation for the year, verified emissions for it, and a net surrender for it."""
    return sector_covered(rulebook, year, sector) and (allocated or verified or surrendered)
