"""IPCC 2006 Tier 1 stationary combustion in energy industries: CO2, CH4 and N2O in CO2e.

  energy [TJ]   = quantity × NCV [GJ per unit] / 1000      (Vol. 2 Ch. 1 Table 1.2, or measured)
  E_gas [t]     = energy × EF_gas [kg/TJ] / 1000           (Vol. 2 Ch. 2 Table 2.2)
  E [tCO2e]     = Σ_gas E_gas × GWP100_gas                 (the chosen GWP set; CO2 = 1)

The default oxidation factor is 1. The GWP set is the caller's choice (``--gwp``), AR5 when
none is given; the values come from the ``globalwarmingpotentials`` package.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tanshi.core.issues import Issue
from tanshi.mrv.inputs import FacilityInputs, InputSpec
from tanshi.mrv.methodology import Calculation, SourceLine
from tanshi.mrv.plugins import (
    Boundary,
    ComputeContext,
    MethodSpec,
    ParameterSlot,
    Resolver,
    Rounding,
    finish,
    gwp_of,
)

_THOUSAND = Decimal(1000)
GASES = (("CO2", "ef_co2"), ("CH4", "ef_ch4"), ("N2O", "ef_n2o"))


@dataclass(frozen=True, slots=True)
class IpccStationaryTier1:
    """CO2, CH4 and N2O from fuels burnt in energy industries, IPCC 2006 Tier 1."""

    spec: MethodSpec

    def compute(self, inputs: FacilityInputs, context: ComputeContext) -> Calculation:
        where = f"facility {inputs.facility}, {inputs.year}"
        resolver = Resolver(context.table, self.spec.regimes, inputs.year, where)
        gwp_set = context.gwp_for(self.spec)
        gwps = {gas: gwp_of(resolver, gwp_set, gas) for gas, _ in GASES}
        measured = {(v.source, v.subject, v.month): v for v in inputs.named("ncv")}
        issues: list[Issue] = []
        lines: list[SourceLine] = []
        for fuel in inputs.named("fuel_consumed"):
            keys: list[str] = []
            if fuel.unit == "TJ":
                energy_tj = fuel.amount
            else:
                ncv = measured.get((fuel.source, fuel.subject, fuel.month))
                if ncv is not None and ncv.unit.endswith(fuel.unit):
                    heat = ncv.amount
                else:
                    found = resolver.get("ncv", fuel.subject, fuel.unit)
                    if found is None:
                        continue
                    heat, keys = found.value, [found.key]
                energy_tj = fuel.amount * heat / _THOUSAND
            for gas, parameter in GASES:
                factor = resolver.get(parameter, fuel.subject, "TJ")
                gwp = gwps[gas]
                if factor is None or gwp is None:
                    continue
                lines.append(
                    SourceLine(
                        kind="fuel",
                        subject=fuel.subject,
                        quantity=fuel.amount,
                        unit=fuel.unit,
                        emissions_tco2=energy_tj * factor.value / _THOUSAND * gwp,
                        parameter_keys=(*keys, factor.key),
                        source=fuel.source,
                        month=fuel.month,
                        gas=gas,
                        boundary=Boundary.DIRECT.value,
                        basis="measured" if not keys else "default",
                    )
                )
        return finish(self.spec, inputs, lines, resolver, issues, gwp_set=gwp_set)


VERSIONS = (
    IpccStationaryTier1(
        MethodSpec(
            regime="IPCC-2006",
            methodology="stationary-tier1",
            version="2006",
            title="IPCC 2006 Tier 1 stationary combustion, energy industries (CO2, CH4, N2O)",
            document="2006 IPCC Guidelines, Vol. 2 Ch. 1 Table 1.2 and Ch. 2 Table 2.2",
            years=(2006, 2099),
            counted=frozenset({Boundary.DIRECT}),
            inputs=(
                InputSpec(
                    "fuel_consumed",
                    ("t", "10^4Nm3", "TJ"),
                    "fuel burnt, by mass, gas volume or energy",
                    required=True,
                ),
                InputSpec("ncv", ("GJ/t", "GJ/10^4Nm3"), "measured NCV (else the IPCC default)"),
            ),
            parameters=(
                ParameterSlot("ncv", "IPCC fuels", "GJ/t"),
                ParameterSlot("ef_co2, ef_ch4, ef_n2o", "IPCC fuels", "kg/TJ"),
                ParameterSlot("gwp100", "CO2, CH4, N2O", "tCO2e/t"),
            ),
            regimes=("IPCC-2006",),
            rounding=Rounding(Decimal("0.001"), "reported to the kilogram of CO2e"),
            gwp_default="AR5",
        )
    ),
)
