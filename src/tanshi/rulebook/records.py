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
