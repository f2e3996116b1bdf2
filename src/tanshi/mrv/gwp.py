"""Global warming potentials from the ``globalwarmingpotentials`` package, as parameters.

The package (CC0) carries the IPCC GWP tables; tanshi does not retype them. Its floats are
converted through ``str`` to Decimal (28.0 → Decimal("28.0")), and each value becomes a
``Parameter`` of regime ``GWP-<set>`` whose source names the package version. CO2 has no
row in the package: its GWP is 1 by definition.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from importlib import metadata

import globalwarmingpotentials

from tanshi.mrv.parameters import Parameter, ParameterStatus

# tanshi's set names → the package's keys, and the report each set comes from.
GWP_SETS: dict[str, tuple[str, str]] = {
    "SAR": ("SARGWP100", "IPCC Second Assessment Report (1995), GWP100"),
    "AR4": ("AR4GWP100", "IPCC Fourth Assessment Report (2007), WG1 Table 2.14, GWP100"),
    "AR5": ("AR5GWP100", "IPCC Fifth Assessment Report (2013), WG1 Table 8.A.1, GWP100"),
    "AR6": ("AR6GWP100", "IPCC Sixth Assessment Report (2021), WG1 Table 7.SM.7, GWP100"),
}
GASES = ("CO2", "CH4", "N2O")


def gwp_regime(gwp_set: str) -> str:
    return f"GWP-{gwp_set}"


@functools.cache
def gwp_parameters() -> tuple[Parameter, ...]:
    """GWP100 of CO2, CH4 and N2O in every set of ``GWP_SETS``."""
    version = metadata.version("globalwarmingpotentials")
    rows: list[Parameter] = []
    for name, (key, document) in GWP_SETS.items():
        table = globalwarmingpotentials.data[key]
        for gas in GASES:
            by_definition = gas == "CO2"
            rows.append(
                Parameter(
                    regime=gwp_regime(name),
                    document=document,
                    clause="CO2 = 1 by definition" if by_definition else f"{key} {gas}",
                    parameter="gwp100",
                    subject=gas,
                    value=Decimal(1) if by_definition else Decimal(str(table[gas])),
                    unit="tCO2e/t",
                    year_from=1990,
                    year_to=2099,
                    status=ParameterStatus.OFFICIAL,
                    confidence="V",
                    source=f"PyPI globalwarmingpotentials=={version} (CC0), data['{key}']",
                )
            )
    return tuple(rows)
