"""Pollution-control facilities: GHGs emitted while removing pollutants (co-control), reconstructed.

After 工业企业污染治理设施污染物去除协同控制温室气体核算技术指南（试行） (MEP, 2017), whose
text has not been read: the formulas are stoichiometry and IPCC 2006 defaults, and every
result carries a ``co_control_reconstructed`` warning until the guideline confirms them.

  desulfurisation  E_CO2 = B × purity × TR × M_CO2 / M_carbonate              (process)
  SCR/SNCR urea    E_CO2 = m_urea × concentration × M_CO2 / M_urea             (process)
  wastewater CH4   E_CH4 = (COD − S) × B0 × MCF − R,  × GWP_CH4                (process)
  effluent N2O     E_N2O = N × EF × 44/28,  × GWP_N2O                          (process)
  VOC oxidation    E_CO2 = m_VOC × w_C × η × 44/12                             (process)
  own fuel         E_CO2 = quantity × NCV × EF_CO2 (IPCC 2006 Tier 1)          (direct)
  own electricity  E_CO2 = MWh × EF_grid of the year                           (indirect)

Co-control indicators: per pollutant, t removed per tCO2e and tCO2e per t removed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tanshi.core.issues import Issue, Severity
from tanshi.mrv.inputs import FacilityInputs, InputSpec, InputValue
from tanshi.mrv.methodology import Calculation, Metric, SourceLine
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

_STOICHIOMETRY = ("STOICHIOMETRY",)
_CARBONATES = ("CaCO3", "MgCO3")
_MILLION = Decimal(1_000_000)

INPUTS = (
    InputSpec("sorbent_consumed", ("t",), "carbonate sorbent used; subject CaCO3 or MgCO3"),
    InputSpec("sorbent_purity", ("1",), "carbonate mass fraction of the sorbent"),
    InputSpec("conversion_rate", ("1",), "measured carbonate conversion (else the default)"),
    InputSpec("urea_consumed", ("t",), "urea reagent used by SCR/SNCR (solution mass)"),
    InputSpec("urea_concentration", ("1",), "urea mass fraction of the solution (else 1)"),
    InputSpec("cod_treated", ("t",), "COD entering treatment; subject: the treatment type"),
    InputSpec("cod_sludge_removed", ("t",), "COD removed as sludge (S)"),
    InputSpec("ch4_recovered", ("t",), "CH4 recovered or flared (R)"),
    InputSpec("nitrogen_effluent", ("t",), "nitrogen discharged in effluent"),
    InputSpec("voc_oxidised", ("t",), "VOC destroyed in RTO/RCO/incinerator; subject: the VOC"),
    InputSpec("voc_carbon_fraction", ("1",), "carbon mass fraction of that VOC"),
    InputSpec("fuel_consumed", ("t", "10^4Nm3", "TJ"), "fuel the facility burns itself"),
    InputSpec("electricity_consumed", ("MWh",), "electricity the facility uses"),
    InputSpec("pollutant_removed", ("t",), "pollutant removed; subject SO2, NOx, COD, VOC…"),
)


def _paired(inputs: FacilityInputs) -> dict[tuple[str, str, int | None], dict[str, InputValue]]:
    groups: dict[tuple[str, str, int | None], dict[str, InputValue]] = defaultdict(dict)
    for value in inputs.values:
        groups[value.source, value.subject, value.month][value.name] = value
    return groups


class _Accounting:
    """One facility-year's co-control accounting: resolver, lines and issues as it goes."""

    def __init__(self, resolver: Resolver, gwp_set: str | None):
        self.resolver, self.gwp_set = resolver, gwp_set
        self.lines: list[SourceLine] = []
        self.issues: list[Issue] = []

    def molar(self, subject: str, rounded: bool = False) -> Decimal | None:
        name = "molar_mass_rounded" if rounded else "molar_mass"
        found = self.resolver.get(name, subject, "mol", _STOICHIOMETRY)
        return None if found is None else found.value

    def gwp(self, gas: str) -> Decimal | None:
        return gwp_of(self.resolver, self.gwp_set, gas)

    def need(self, group: dict[str, InputValue], name: str, of: InputValue) -> InputValue | None:
        if name not in group:
            self.issues.append(
                Issue("input_missing", f"{of.name} of {of.subject} needs {name}", of.where)
            )
        return group.get(name)

    def add(
        self,
        given: InputValue,
        emissions: Decimal,
        gas: str,
        boundary: Boundary,
        keys: Sequence[str] = (),
    ) -> None:
        self.lines.append(
            SourceLine(
                kind=given.name,
                subject=given.subject,
                quantity=given.amount,
                unit=given.unit,
                emissions_tco2=emissions,
                parameter_keys=tuple(keys),
                source=given.source,
                month=given.month,
                gas=gas,
                boundary=boundary.value,
                basis="reconstructed",
            )
        )

    def sorbent(self, given: InputValue, group: dict[str, InputValue]) -> None:
        purity = self.need(group, "sorbent_purity", given)
        if given.subject not in _CARBONATES:
            self.issues.append(
                Issue("sorbent_subject", f"sorbent must be one of {_CARBONATES}", given.where)
            )
            return
        keys: list[str] = []
        measured = group.get("conversion_rate")
        rate = measured.amount if measured else None
        if rate is None:
            found = self.resolver.get("conversion_rate", "carbonate_sorbent")
            rate, keys = (found.value, [found.key]) if found else (None, [])
        m_co2, m_carbonate = self.molar("CO2"), self.molar(given.subject)
        if purity and rate is not None and m_co2 and m_carbonate:
            tco2 = given.amount * purity.amount * rate * m_co2 / m_carbonate
            self.add(given, tco2, "CO2", Boundary.PROCESS, keys)

    def urea(self, given: InputValue, group: dict[str, InputValue]) -> None:
        concentration = group.get("urea_concentration")
        share = concentration.amount if concentration else Decimal(1)
        m_co2, m_urea = self.molar("CO2"), self.molar("urea")
        if m_co2 and m_urea:
            self.add(given, given.amount * share * m_co2 / m_urea, "CO2", Boundary.PROCESS)

    def wastewater(self, given: InputValue, group: dict[str, InputValue]) -> None:
        b0 = self.resolver.get("b0", "cod")
        mcf = self.resolver.get("mcf", given.subject)
        gwp = self.gwp("CH4")
        sludge = group.get("cod_sludge_removed")
        recovered = group.get("ch4_recovered")
        if b0 and mcf and gwp is not None:
            cod = given.amount - (sludge.amount if sludge else Decimal(0))
            ch4 = cod * b0.value * mcf.value - (recovered.amount if recovered else Decimal(0))
            self.add(given, ch4 * gwp, "CH4", Boundary.PROCESS, [b0.key, mcf.key])

    def effluent(self, given: InputValue, group: dict[str, InputValue]) -> None:
        ef = self.resolver.get("ef_n2o_effluent", "nitrogen")
        gwp = self.gwp("N2O")
        m_n2o, m_n2 = self.molar("N2O", True), self.molar("N2", True)
        if ef and gwp is not None and m_n2o and m_n2:
            n2o = given.amount * ef.value * m_n2o / m_n2
            self.add(given, n2o * gwp, "N2O", Boundary.PROCESS, [ef.key])

    def voc(self, given: InputValue, group: dict[str, InputValue]) -> None:
        fraction = self.need(group, "voc_carbon_fraction", given)
        efficiency = self.resolver.get("oxidation_efficiency", "voc")
        m_co2, m_c = self.molar("CO2", True), self.molar("C", True)
        if fraction and efficiency and m_co2 and m_c:
            tco2 = given.amount * fraction.amount * efficiency.value * m_co2 / m_c
            self.add(given, tco2, "CO2", Boundary.PROCESS, [efficiency.key])

    def fuel(self, given: InputValue, group: dict[str, InputValue]) -> None:
        ef = self.resolver.get("ef_co2", given.subject, "TJ", ("IPCC-2006",))
        ncv = None if given.unit == "TJ" else self.resolver.get("ncv", given.subject, given.unit)
        if ef and (ncv or given.unit == "TJ"):
            gj = given.amount * (ncv.value if ncv else Decimal(1000))
            keys = [ef.key, *([ncv.key] if ncv else [])]
            self.add(given, gj * ef.value / _MILLION, "CO2", Boundary.DIRECT, keys)

    def electricity(self, given: InputValue, group: dict[str, InputValue]) -> None:
        grid = self.resolver.get("ef_grid", "cn_national_grid", "MWh", ("CN-ETS",))
        if grid:
            self.add(given, given.amount * grid.value, "CO2", Boundary.INDIRECT, [grid.key])


_HANDLERS = {
    "sorbent_consumed": _Accounting.sorbent,
    "urea_consumed": _Accounting.urea,
    "cod_treated": _Accounting.wastewater,
    "nitrogen_effluent": _Accounting.effluent,
    "voc_oxidised": _Accounting.voc,
    "fuel_consumed": _Accounting.fuel,
    "electricity_consumed": _Accounting.electricity,
}


def _indicators(total: Decimal, removed: dict[str, Decimal]) -> list[Metric]:
    metrics: list[Metric] = []
    for pollutant, tonnes in sorted(removed.items()):
        if total > 0:
            metrics.append(
                Metric("removed_per_tco2e", pollutant, tonnes / total, f"t{pollutant}/tCO2e")
            )
        if tonnes > 0:
            metrics.append(
                Metric("tco2e_per_t_removed", pollutant, total / tonnes, f"tCO2e/t{pollutant}")
            )
    return metrics


@dataclass(frozen=True, slots=True)
class CoControlMethod:
    """GHG accounting of pollution-control facilities, reconstructed (see module docstring)."""

    spec: MethodSpec

    def compute(self, inputs: FacilityInputs, context: ComputeContext) -> Calculation:
        where = f"facility {inputs.facility}, {inputs.year}"
        resolver = Resolver(context.table, self.spec.regimes, inputs.year, where)
        gwp_set = context.gwp_for(self.spec)
        accounting = _Accounting(resolver, gwp_set)
        accounting.issues.append(
            Issue(
                "co_control_reconstructed",
                "formulas and defaults are reconstructed from stoichiometry and IPCC 2006; "
                "the 2017 guideline's text has not confirmed them",
                where,
                Severity.WARNING,
            )
        )
        removed: dict[str, Decimal] = defaultdict(Decimal)
        for group in _paired(inputs).values():
            for name, handler in _HANDLERS.items():
                if name in group:
                    handler(accounting, group[name], group)
            if "pollutant_removed" in group:
                removed[group["pollutant_removed"].subject] += group["pollutant_removed"].amount
        total = sum((line.emissions_tco2 for line in accounting.lines), Decimal(0))
        return finish(
            self.spec,
            inputs,
            accounting.lines,
            resolver,
            accounting.issues,
            _indicators(total, removed),
            gwp_set,
        )


VERSIONS = (
    CoControlMethod(
        MethodSpec(
            regime="CN-COCONTROL-2017",
            methodology="pollution-control",
            version="2017-reconstructed",
            title="Pollution-control facilities: GHGs of pollutant removal (co-control), "
            "reconstructed",
            document="工业企业污染治理设施污染物去除协同控制温室气体核算技术指南（试行） (MEP, 2017); "
            "text not read: stoichiometry and IPCC 2006 defaults",
            years=(2017, 2099),
            counted=frozenset({Boundary.DIRECT, Boundary.INDIRECT, Boundary.PROCESS}),
            inputs=INPUTS,
            parameters=(
                ParameterSlot("molar_mass", "CO2, CaCO3, MgCO3, urea", "g/mol"),
                ParameterSlot("molar_mass_rounded", "CO2, C, N2O, N2 (44/12, 44/28)", "g/mol"),
                ParameterSlot("conversion_rate", "carbonate_sorbent", "1"),
                ParameterSlot("b0, mcf", "cod, treatment types", "kgCH4/kgCOD, 1"),
                ParameterSlot("ef_n2o_effluent", "nitrogen", "kgN2O_N/kgN"),
                ParameterSlot("oxidation_efficiency", "voc", "1"),
                ParameterSlot("ncv, ef_co2", "IPCC fuels", "GJ/t, kgCO2/TJ"),
                ParameterSlot("ef_grid", "cn_national_grid", "tCO2/MWh"),
                ParameterSlot("gwp100", "CH4, N2O", "tCO2e/t"),
            ),
            regimes=("CN-COCONTROL-2017", "IPCC-2006"),
            rounding=Rounding(Decimal("0.01"), "reported to 0.01 tCO2e [reconstructed]"),
            notes=(
                "the carbonate factor uses the full molar-mass ratio (0.43971 for CaCO3), "
                "not the rounded 0.440",
            ),
            gwp_default="AR5",
        )
    ),
)
