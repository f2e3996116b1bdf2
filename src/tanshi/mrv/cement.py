"""Cement clinker process emissions: CO2 from calcining carbonates (IPCC 2006 Vol. 3 Ch. 2).

  measured oxides (Tier 2):  EF = (CaO − CaO_nc) × M_CO2/M_CaO + (MgO − MgO_nc) × M_CO2/M_MgO
  no measurement (Tier 1):   EF = EF_clc default (0.51 tCO2/t clinker at 65% CaO) [V3]
  E [tCO2] = clinker [t] × EF × CF_ckd         (CF_ckd measured, else the default 1.02 [V3])

CaO_nc and MgO_nc are oxides that entered the kiln as non-carbonates (e.g. slag, fly ash);
they release no CO2. Kiln fuel is combustion and is accounted by a combustion method.
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
)

_OXIDES = (("cao_fraction", "cao_noncarbonate", "CaO"), ("mgo_fraction", "mgo_noncarbonate", "MgO"))


@dataclass(frozen=True, slots=True)
class CementClinkerMethod:
    """Clinker calcination, Tier 2 from measured oxide contents, else Tier 1 default."""

    spec: MethodSpec

    def compute(self, inputs: FacilityInputs, context: ComputeContext) -> Calculation:
        where = f"facility {inputs.facility}, {inputs.year}"
        resolver = Resolver(context.table, self.spec.regimes, inputs.year, where)
        issues: list[Issue] = []
        lines: list[SourceLine] = []
        values = {(v.source, v.month, v.name): v for v in inputs.values}
        for clinker in inputs.named("clinker_produced"):

            def get(name: str, clinker=clinker) -> Decimal | None:
                found = values.get((clinker.source, clinker.month, name))
                return None if found is None else found.amount

            keys: list[str] = []
            if get("cao_fraction") is not None:
                factor, basis = Decimal(0), "measured"
                co2 = resolver.get("molar_mass", "CO2", "mol", ("STOICHIOMETRY",))
                for total_name, noncarbonate_name, oxide in _OXIDES:
                    fraction = get(total_name)
                    if fraction is None:
                        continue
                    molar = resolver.get("molar_mass", oxide, "mol", ("STOICHIOMETRY",))
                    if co2 is None or molar is None:
                        break
                    carbonate = fraction - (get(noncarbonate_name) or Decimal(0))
                    if carbonate < 0:
                        issues.append(
                            Issue(
                                "oxide_fraction",
                                f"non-carbonate {oxide} exceeds total {oxide}",
                                clinker.where,
                            )
                        )
                        break
                    factor += carbonate * co2.value / molar.value
            else:
                default = resolver.get("ef_clinker", "clinker", "t")
                if default is None:
                    continue
                factor, basis, keys = default.value, "default", [default.key]
            ckd = get("ckd_correction")
            if ckd is None:
                found = resolver.get("cf_ckd", "clinker")
                if found is None:
                    continue
                ckd, keys = found.value, [*keys, found.key]
            lines.append(
                SourceLine(
                    kind="process",
                    subject="clinker",
                    quantity=clinker.amount,
                    unit=clinker.unit,
                    emissions_tco2=clinker.amount * factor * ckd,
                    parameter_keys=tuple(keys),
                    source=clinker.source,
                    month=clinker.month,
                    boundary=Boundary.PROCESS.value,
                    basis=basis,
                )
            )
        return finish(self.spec, inputs, lines, resolver, issues)


VERSIONS = (
    CementClinkerMethod(
        MethodSpec(
            regime="IPCC-2006",
            methodology="cement-clinker",
            version="2006",
            title="Cement clinker process emissions (calcination), IPCC 2006 Tier 2 / Tier 1",
            document="2006 IPCC Guidelines, Vol. 3 IPPU, Ch. 2 §2.2 (Eq. 2.1, 2.2)",
            years=(2006, 2099),
            counted=frozenset({Boundary.PROCESS}),
            inputs=(
                InputSpec(
                    "clinker_produced", ("t",), "clinker produced by the kiln", required=True
                ),
                InputSpec("cao_fraction", ("1",), "CaO mass fraction of clinker (measured)"),
                InputSpec("mgo_fraction", ("1",), "MgO mass fraction of clinker (measured)"),
                InputSpec("cao_noncarbonate", ("1",), "CaO from non-carbonate feed, per t clinker"),
                InputSpec("mgo_noncarbonate", ("1",), "MgO from non-carbonate feed, per t clinker"),
                InputSpec("ckd_correction", ("1",), "measured cement-kiln-dust correction factor"),
            ),
            parameters=(
                ParameterSlot("molar_mass", "CO2, CaO, MgO", "g/mol"),
                ParameterSlot("ef_clinker", "clinker", "tCO2/t"),
                ParameterSlot("cf_ckd", "clinker", "1"),
            ),
            regimes=("IPCC-2006",),
            rounding=Rounding(Decimal(1), "reported in whole tCO2 [M]"),
        )
    ),
)
