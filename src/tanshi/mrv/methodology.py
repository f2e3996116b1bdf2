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
    """The emissions of one activity line and the parameters that produced them.

    Plugins of ``tanshi.mrv.plugins`` also fill: ``source`` (the generating unit or
    device) and ``month``; ``gas`` and ``emissions_tco2`` in CO2e of that gas;
    ``boundary`` (direct, indirect, process); ``basis`` (``measured`` or ``default``: which
    path produced the number); ``counted`` (False when the year's boundary excludes it).
    """

    kind: SourceKind | str
    subject: str
    quantity: Decimal
    unit: str
    emissions_tco2: Decimal
    parameter_keys: tuple[str, ...]
    source: str = ""
    month: int | None = None
    gas: str = "CO2"
    boundary: str = "direct"
    basis: str = ""
    counted: bool = True


@dataclass(frozen=True, slots=True)
class Metric:
    """A derived figure a calculation reports besides its total (an intensity, a ratio)."""

    name: str
    subject: str
    value: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class Calculation:
    """A company-year's emissions by one methodology.

    ``parameters`` snapshots every value resolved, so the result reproduces after the
    parameter tables change. ``issues`` holds every problem; with errors the total is
    not usable. ``emissions_tco2`` is CO2-equivalent at full precision (by ``gwp_set``
    when the method covers CH4 and N2O); ``reported_tco2`` is the same rounded by the
    method's reporting rule; ``totals`` splits it (``direct``, ``indirect``, ``process``,
    per gas) and ``metrics`` carries intensities and indicators.
    """

    company: str
    year: int
    methodology: str
    emissions_tco2: Decimal
    lines: tuple[SourceLine, ...]
    parameters: tuple[Parameter, ...]
    issues: tuple[Issue, ...]
    reported_tco2: Decimal | None = None
    totals: tuple[tuple[str, Decimal], ...] = ()
    metrics: tuple[Metric, ...] = ()
    gwp_set: str | None = None


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
