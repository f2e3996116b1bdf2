"""Base records of the rulebook: every rule's source, confidence and validity years."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")]
Year = Annotated[int, Field(ge=1990, le=2100)]
Share = Annotated[Decimal, Field(ge=0, le=1)]


class Confidence(enum.StrEnum):
    """How sure the citation of a rule is (the tags of ``shared/reference``)."""

    CONFIRMED = "V"  # read in the named primary text
    SECONDARY = "V3"  # a secondary source, not the official text
    UNCONFIRMED = "M"  # from memory; check the primary text before relying on it
    ASSUMPTION = "assumption"  # a modelling choice of a fictional or simplified jurisdiction


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Sourced(Record):
    """Fields every rule has: where it comes from and how sure that is."""

    source: Text
    confidence: Confidence


class Ruled(Sourced):
    """A rule in force from ``valid_from`` to ``valid_to`` (inclusive years)."""

    valid_from: Year
    valid_to: Year

    def in_force(self, year: int) -> bool:
        return self.valid_from <= year <= self.valid_to


class Bounded(Sourced):
    """A record in force from ``valid_from`` to ``valid_to`` (inclusive years), either end open.

    For what a rulebook declares rather than rules on year by year (its sectors): a record
    without years is in force in every year, so files written before they had years still
    mean what they meant.
    """

    valid_from: Year | None = None
    valid_to: Year | None = None

    def in_force(self, year: int) -> bool:
        after_start = self.valid_from is None or self.valid_from <= year
        return after_start and (self.valid_to is None or year <= self.valid_to)

    @property
    def every_year(self) -> bool:
        return self.valid_from is None and self.valid_to is None

    def years(self) -> str:
        """The years as people read them: ``2015-``, ``-2020``, ``2015-2020`` or ``all years``."""
        if self.every_year:
            return "all years"
        start = "" if self.valid_from is None else str(self.valid_from)
        end = "" if self.valid_to is None else str(self.valid_to)
        return f"{start}-{end}"
