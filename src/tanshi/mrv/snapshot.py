"""A calculation as JSON with everything needed to repeat it, and its repetition.

The snapshot keeps the method version that ran, the inputs it read (plugin inputs or activity
records), the rule's choices (parameter regimes, grid region, GWP set) and every parameter
record resolved, with its document, clause, source and confidence. ``reproduce`` runs the
same method on the snapshot alone, so a stored figure can be re-derived after the parameter
tables change. Decimals are written as strings, so nothing is rounded on the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from tanshi.mrv.activity import ActivityRecord, SourceKind
from tanshi.mrv.inputs import FacilityInputs, InputValue
from tanshi.mrv.methodology import Calculation, MethodologyContext
from tanshi.mrv.methods import PLUGINS, compute_all
from tanshi.mrv.parameters import Parameter, ParameterStatus, ParameterTable
from tanshi.mrv.plugins import ComputeContext
from tanshi.mrv.rule_methods import RULEBOOK_METHODOLOGIES


def plain(value: object) -> object:
    """``value`` with Decimals as strings and tuples as lists (JSON-ready)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def snapshot(
    calculation: Calculation,
    *,
    regimes: Sequence[str] = (),
    grid_region: str = "",
    inputs: Sequence[InputValue] = (),
    activity: Sequence[ActivityRecord] = (),
) -> dict[str, Any]:
    """``calculation`` as JSON with its inputs and context (see the module docstring)."""
    return {
        "company": calculation.company,
        "year": calculation.year,
        "methodology": calculation.methodology,
        "emissions_tco2": str(calculation.emissions_tco2),
        "reported_tco2": plain(calculation.reported_tco2),
        "gwp_set": calculation.gwp_set,
        "totals": plain(calculation.totals),
        "lines": [plain(asdict(line)) for line in calculation.lines],
        "metrics": [plain(asdict(metric)) for metric in calculation.metrics],
        "parameters": [plain(asdict(parameter)) for parameter in calculation.parameters],
        "issues": [str(issue) for issue in calculation.issues],
        "context": {"parameter_regimes": list(regimes), "grid_region": grid_region},
        "inputs": [
            plain({k: v for k, v in asdict(value).items() if k != "at"}) for value in inputs
        ],
        "activity": [plain(asdict(record) | {"kind": record.kind.value}) for record in activity],
    }


def snapshot_table(data: dict[str, Any]) -> ParameterTable:
    """The parameter records a snapshot used, as a table of their own."""
    return ParameterTable.of(
        Parameter(
            **{**row, "value": Decimal(row["value"]), "status": ParameterStatus(row["status"])}
        )
        for row in data["parameters"]
    )


def reproduce(data: dict[str, Any]) -> Calculation:
    """The calculation a snapshot records, run again on its own inputs and parameters only."""
    table = snapshot_table(data)
    name = data["methodology"]
    context = data.get("context", {})
    if name in RULEBOOK_METHODOLOGIES:
        records = [
            ActivityRecord(
                row["company"],
                row["year"],
                SourceKind(row["kind"]),
                row["subject"],
                Decimal(row["quantity"]),
                row["unit"],
            )
            for row in data.get("activity", [])
        ]
        company, year = data["company"], data["year"]
        method_context = MethodologyContext(
            table, tuple(context.get("parameter_regimes", ())), context.get("grid_region", "")
        )
        return RULEBOOK_METHODOLOGIES[name].calculate(company, year, records, method_context)
    values = tuple(
        InputValue(**{**row, "amount": Decimal(row["amount"])}) for row in data["inputs"]
    )
    group = FacilityInputs(data["company"], data["year"], values)
    (calculation,) = compute_all(PLUGINS[name], [group], ComputeContext(table, data.get("gwp_set")))
    return calculation
