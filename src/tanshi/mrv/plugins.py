"""Calculation methods as plugins keyed by (regime, methodology, version), and their contract.

Each method declares its inputs with units, the parameters it resolves, its boundary
(direct, indirect, process), its reporting rounding and the reporting years it governs.
``compute`` is pure: facility inputs and a parameter table in, a ``Calculation`` out.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from tanshi.core.issues import Issue, Where
from tanshi.mrv.inputs import FacilityInputs, InputSpec
from tanshi.mrv.methodology import Calculation, Metric, SourceLine
from tanshi.mrv.parameters import Parameter, ParameterTable


class Boundary(enum.StrEnum):
    """What a line of emissions is: on-site combustion, bought energy, or a process."""

    DIRECT = "direct"
    INDIRECT = "indirect"
    PROCESS = "process"


@dataclass(frozen=True, slots=True)
class Rounding:
    """How the reported total is rounded: to ``quantum`` tCO2e, ``ROUND_HALF_UP``.

    Internally every figure keeps full precision; rounding applies only to the reported
    total, and the rule travels with the method version.
    """

    quantum: Decimal
    note: str

    def apply(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class ParameterSlot:
    """A parameter a method resolves: ``parameter`` for ``subjects`` in ``unit``."""

    parameter: str
    subjects: str
    unit: str


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """What a method is and needs; shown by ``tanshi mrv methods``."""

    regime: str
    methodology: str
    version: str
    title: str
    document: str
    years: tuple[int, int]
    counted: frozenset[Boundary]
    inputs: tuple[InputSpec, ...]
    parameters: tuple[ParameterSlot, ...]
    regimes: tuple[str, ...]
    rounding: Rounding
    notes: tuple[str, ...] = field(default=())
    gwp_default: str | None = None

    @property
    def id(self) -> str:
        return f"{self.regime}:{self.methodology}:{self.version}"

    def input_specs(self) -> dict[str, InputSpec]:
        return {spec.name: spec for spec in self.inputs}


@dataclass(frozen=True, slots=True)
class ComputeContext:
    """The parameters available and the choices the caller makes (GWP set)."""

    table: ParameterTable
    gwp_set: str | None = None

    def gwp_for(self, spec: MethodSpec) -> str | None:
        return self.gwp_set or spec.gwp_default


class CalculationMethod(Protocol):
    """A plugin: its spec, and ``compute`` for one facility-year."""

    @property
    def spec(self) -> MethodSpec: ...

    def compute(self, inputs: FacilityInputs, context: ComputeContext) -> Calculation: ...


class Resolver:
    """Resolves parameters for one facility-year, keeping what it used and what it missed."""

    def __init__(
        self, table: ParameterTable, regimes: Sequence[str], year: int, where: str | Where
    ) -> None:
        self.table, self.regimes, self.year, self.where = table, tuple(regimes), year, where
        self.used: dict[str, Parameter] = {}
        self.issues: list[Issue] = []

    def get(
        self, parameter: str, subject: str, per: str | None = None, regimes: Sequence[str] = ()
    ) -> Parameter | None:
        found = self.table.resolve(regimes or self.regimes, self.year, subject, parameter, per)
        if isinstance(found, Issue):
            inner: str | Where = found.where
            if found.where_template:
                inner = Where(found.where_template, found.where_params)
            at = Where.joined(self.where, inner)  # facility P1, 2022: ef_grid of … for …
            issue = replace(found, where=str(at), where_template=at.template,
                            where_params=at.params)  # fmt: skip
            if issue not in self.issues:
                self.issues.append(issue)
            return None
        self.used[found.key] = found
        return found

    def parameters(self) -> tuple[Parameter, ...]:
        return tuple(self.used[key] for key in sorted(self.used))


def finish(
    spec: MethodSpec,
    inputs: FacilityInputs,
    lines: Sequence[SourceLine],
    resolver: Resolver,
    issues: Sequence[Issue] = (),
    metrics: Sequence[Metric] = (),
    gwp_set: str | None = None,
) -> Calculation:
    """The Calculation of ``lines``: counted total, totals by boundary and gas, rounding."""
    counted = [line for line in lines if line.counted]
    total = sum((line.emissions_tco2 for line in counted), Decimal(0))
    totals: dict[str, Decimal] = {}
    for line in counted:
        for key in (line.boundary, f"gas:{line.gas}"):
            totals[key] = totals.get(key, Decimal(0)) + line.emissions_tco2
    return Calculation(
        company=inputs.facility,
        year=inputs.year,
        methodology=spec.id,
        emissions_tco2=total,
        lines=tuple(lines),
        parameters=resolver.parameters(),
        issues=(*resolver.issues, *issues),
        reported_tco2=spec.rounding.apply(total),
        totals=tuple(sorted(totals.items())),
        metrics=tuple(metrics),
        gwp_set=gwp_set,
    )


def gwp_of(resolver: Resolver, gwp_set: str | None, gas: str) -> Decimal | None:
    """The GWP100 of ``gas`` in ``gwp_set`` (resolved, so it is recorded), or None."""
    if gwp_set is None:
        resolver.issues.append(
            Issue.of("gwp_set_missing", "choose a GWP set (SAR, AR4, AR5, AR6)", resolver.where)
        )
        return None
    found = resolver.get("gwp100", gas, "t", (f"GWP-{gwp_set}",))
    return None if found is None else found.value
