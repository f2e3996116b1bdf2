"""The installed calculation methods, keyed by (regime, methodology, version), and their lookup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tanshi.core.issues import Issue
from tanshi.mrv import cement, cn_power, co_control, ipcc_stationary
from tanshi.mrv.inputs import FacilityInputs
from tanshi.mrv.methodology import Calculation
from tanshi.mrv.plugins import CalculationMethod, ComputeContext

PLUGINS: dict[str, CalculationMethod] = {
    method.spec.id: method
    for method in (
        *cn_power.VERSIONS,
        *ipcc_stationary.VERSIONS,
        *co_control.VERSIONS,
        *cement.VERSIONS,
    )
}


def find_method(name: str, year: int) -> CalculationMethod | Issue:
    """The method ``regime:methodology:version``, or the one version of ``regime:methodology``
    that governs ``year``; an Issue when there is none, or (a table error) more than one."""
    if name in PLUGINS:
        method = PLUGINS[name]
        low, high = method.spec.years
        if not low <= year <= high:
            return Issue.of(
                "method_year",
                "{name} governs reporting years {low}–{high}, not "
                "{year}; give '{regime}:{methodology}' to pick by year",
                name,
                name=name,
                low=low,
                high=high,
                year=year,
                regime=method.spec.regime,
                methodology=method.spec.methodology,
            )
        return method
    candidates = [
        method
        for method in PLUGINS.values()
        if f"{method.spec.regime}:{method.spec.methodology}" == name
        and method.spec.years[0] <= year <= method.spec.years[1]
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return Issue(
            "method_not_found",
            f"no method '{name}' for {year}; `tanshi mrv methods` lists them: "
            + ", ".join(PLUGINS),
            name,
        )
    return Issue(
        "method_ambiguous",
        f"{len(candidates)} versions of {name} govern {year}: "
        + ", ".join(method.spec.id for method in candidates),
        name,
    )


def compute_all(
    method: CalculationMethod, groups: Sequence[FacilityInputs], context: ComputeContext
) -> list[Calculation]:
    """Every facility-year's calculation; a missing required input is an error of that result."""
    required = [spec.name for spec in method.spec.inputs if spec.required]
    results = []
    for group in groups:
        calculation = method.compute(group, context)
        present = {value.name for value in group.values}
        missing = [
            Issue.of(
                "input_required",
                "{name} is required by {id}; add its rows",
                f"facility {group.facility}, {group.year}",
                name=name,
                id=method.spec.id,
            )
            for name in required
            if name not in present
        ]
        if missing:
            calculation = replace(calculation, issues=(*missing, *calculation.issues))
        results.append(calculation)
    return results
