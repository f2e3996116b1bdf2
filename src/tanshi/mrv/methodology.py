"""Emission methodologies as plugins, and the records a calculation produces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from tanshi.core.issues import Issue
from tanshi.mrv.activity import ActivityRecord, SourceKind
from tanshi.mrv.parameters import Parameter, ParameterTable


@dataclass(frozen=True, slots=True)
class SourceLine:
    """The emissions of one activity line and the parameters that produced them."""

    kind: SourceKind
    subject: str
    quantity: Decimal
    unit: str
    emissions_tco2: Decimal
    parameter_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Calculation:
    """A company-year's emissions by one methodology.

    ``parameters`` snapshots every value resolved, so the result reproduces after the
    parameter tables change. ``issues`` holds every problem; with errors the total is
    not usable.
    """

    company: str
    year: int
    methodology: str
    emissions_tco2: Decimal
    lines: tuple[SourceLine, ...]
    parameters: tuple[Parameter, ...]
    issues: tuple[Issue, ...]


@dataclass(frozen=True, slots=True)
class MethodologyContext:
    """What a methodology needs besides activity data: parameters and rulebook choices."""

    table: ParameterTable
    regimes: tuple[str, ...]
    grid_region: str


class Methodology(Protocol):
    """A calculation method, keyed by ``key``; see docs/mrv.md for the contract."""

    key: str

    def calculate(
        self,
        company: str,
        year: int,
        records: Sequence[ActivityRecord],
        context: MethodologyContext,
    ) -> Calculation: ...
