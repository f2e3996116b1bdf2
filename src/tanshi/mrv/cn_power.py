"""China national ETS, power generation facilities (企业温室气体排放核算方法与报告指南 发电设施).

Per generating unit (``source``) and month:

  coal, element carbon measured:   C = FC × C_ar                     [t × tC/t]
  coal, month without measurement: C = FC × NCV_ar × CC_default       [t × GJ/t × tC/GJ]
    (2021–2022 data, unit with ≥ 3 measured months: C = FC × mean C_ar of those months)
  gas and oil:                     C = FC × NCV × CC                  (measured, else defaults)
  E_comb = Σ C × OF × 44/12                                           [tCO2]
  E_elec = purchased MWh × EF_grid of the year      (only where the year's boundary counts it)

CHP units: E_heat = E_unit × 供热比, E_power = E_unit × (1 − 供热比), and the intensities
E_power / 供电量 (tCO2/MWh) and E_heat / 供热量 (tCO2/GJ) that benchmark allocation needs.
Every value comes from the parameter table for the reporting year: the default carbon
content 0.03356 tC/GJ (2019–2020) became 0.03085 (MEE's notice of 7 June 2022 adjusting
环办气候函〔2022〕111号, 2021 data on). The combustion lines and the rules for a coal month
without a measurement are ``mrv.cn_power_combustion``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from tanshi.core.issues import Issue, Severity, Where
from tanshi.mrv.cn_power_combustion import (
    MISSING_MONTH_RULE,
    PANDEMIC_MISSING_MONTH_RULE,
    MissingMonthRule,
    check_annual_and_monthly,
    co2_per_carbon,
    combustion_line,
    measured_means,
)
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
)

# Where a facility-year's own problems are (a page says it in its language).
FACILITY_YEAR = "facility {facility}, {year}"

INPUTS = (
    InputSpec(
        "fuel_consumed",
        ("t", "10^4Nm3"),
        "fuel burnt by the unit (as-fired coal in t, gas in 10^4 Nm3, oil in t)",
        required=True,
    ),
    InputSpec("ncv_ar", ("GJ/t", "GJ/10^4Nm3"), "measured net calorific value, as received"),
    InputSpec("carbon_content_ar", ("tC/t",), "measured element carbon of coal, as received"),
    InputSpec("carbon_per_heat", ("tC/GJ",), "measured carbon per unit heat (gas, oil)"),
    InputSpec("purchased_electricity", ("MWh",), "electricity bought from the grid", "facility"),
    InputSpec("power_supplied", ("MWh",), "供电量: electricity the unit supplied", "source"),
    InputSpec("heat_supplied", ("GJ",), "供热量: heat the unit supplied", "source"),
    InputSpec("heat_ratio", ("1",), "供热比: the share of the unit's fuel used for heat", "source"),
)

SLOTS = (
    ParameterSlot("cc_default", "coal", "tC/GJ"),
    ParameterSlot("ncv", "natural_gas, fuel oils", "GJ/10^4Nm3 or GJ/t"),
    ParameterSlot("cc", "natural_gas, fuel oils", "tC/GJ"),
    ParameterSlot("of", "coal, natural_gas, fuel_oil", "1"),
    ParameterSlot("ef_grid", "cn_national_grid", "tCO2/MWh"),
    ParameterSlot("molar_mass_rounded", "CO2, C (the ratio 44/12)", "g/mol"),
)


@dataclass(frozen=True, slots=True)
class CnPowerMethod:
    """One version of the power-sector guideline: same formulas, its own documents and boundary."""

    spec: MethodSpec
    missing_months: MissingMonthRule = MISSING_MONTH_RULE

    def compute(self, inputs: FacilityInputs, context: ComputeContext) -> Calculation:
        where = Where.of(FACILITY_YEAR, facility=inputs.facility, year=inputs.year)
        resolver = Resolver(context.table, self.spec.regimes, inputs.year, where)
        issues: list[Issue] = []
        lines: list[SourceLine] = []
        ratio = co2_per_carbon(resolver)
        months: dict[tuple[str, str, int | None], dict[str, InputValue]] = defaultdict(dict)
        for value in inputs.values:
            if value.name in {"fuel_consumed", "ncv_ar", "carbon_content_ar", "carbon_per_heat"}:
                months[value.source, value.subject, value.month][value.name] = value
        check_annual_and_monthly(months, issues)
        means = measured_means(months, self.missing_months)
        for (source, subject, month), given in months.items():
            fill = means.get((source, subject)) if month is not None else None
            line = combustion_line(
                source, subject, month, given, resolver, ratio, issues, self.missing_months, fill
            )
            if line is not None:
                lines.append(line)
        lines.extend(self._electricity(inputs, resolver, issues))
        metrics = _chp_split(inputs, lines, issues)
        return finish(self.spec, inputs, lines, resolver, issues, metrics)

    def _electricity(
        self, inputs: FacilityInputs, resolver: Resolver, issues: list[Issue]
    ) -> list[SourceLine]:
        bought = inputs.named("purchased_electricity")
        if not bought:
            return []
        mwh = sum((value.amount for value in bought), Decimal(0))
        if Boundary.INDIRECT not in self.spec.counted:
            issues.append(
                Issue.of(
                    "outside_boundary",
                    "{mwh} MWh of purchased electricity is reported but "
                    "the {version} boundary excludes indirect emissions; it is not counted",
                    Where.of(FACILITY_YEAR, facility=inputs.facility, year=inputs.year),
                    Severity.WARNING,
                    mwh=mwh,
                    version=self.spec.version,
                )
            )
            return []
        grid = resolver.get("ef_grid", "cn_national_grid", "MWh")
        if grid is None:
            return []
        return [
            SourceLine(
                kind="electricity",
                subject="cn_national_grid",
                quantity=mwh,
                unit="MWh",
                emissions_tco2=mwh * grid.value,
                parameter_keys=(grid.key,),
                boundary=Boundary.INDIRECT.value,
                basis="default",
            )
        ]


def _chp_split(
    inputs: FacilityInputs, lines: list[SourceLine], issues: list[Issue]
) -> list[Metric]:
    """Per unit: emissions and intensity of power and of heat, split by the heat ratio."""
    metrics: list[Metric] = []
    per_source = {value.source: value for value in inputs.named("heat_ratio")}
    supplied: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for name in ("power_supplied", "heat_supplied"):
        for value in inputs.named(name):
            supplied[value.source, name] += value.amount
    sources = sorted({value.source for value in inputs.named("power_supplied")} | set(per_source))
    for source in sources:
        unit_total = sum(
            (
                line.emissions_tco2
                for line in lines
                if line.source == source and line.kind == "fuel"
            ),
            Decimal(0),
        )
        ratio = per_source[source].amount if source in per_source else Decimal(0)
        if ratio > 1:
            issues.append(
                Issue.of(
                    "heat_ratio", "供热比 {ratio} is above 1", per_source[source].place, ratio=ratio
                )
            )
            continue
        heat = unit_total * ratio
        power = unit_total - heat
        metrics += [
            Metric("emissions_power", source, power, "tCO2"),
            Metric("emissions_heat", source, heat, "tCO2"),
        ]
        if supplied[source, "power_supplied"] > 0:
            metrics.append(
                Metric(
                    "intensity_power",
                    source,
                    power / supplied[source, "power_supplied"],
                    "tCO2/MWh",
                )
            )
        if supplied[source, "heat_supplied"] > 0:
            metrics.append(
                Metric(
                    "intensity_heat", source, heat / supplied[source, "heat_supplied"], "tCO2/GJ"
                )
            )
    return metrics


def _version(
    version: str,
    years: tuple[int, int],
    document: str,
    indirect: bool,
    missing_months: MissingMonthRule = MISSING_MONTH_RULE,
) -> CnPowerMethod:
    counted = {Boundary.DIRECT, Boundary.INDIRECT} if indirect else {Boundary.DIRECT}
    boundary = "combustion + purchased electricity" if indirect else "combustion only"
    return CnPowerMethod(
        MethodSpec(
            regime="CN-ETS",
            methodology="power",
            version=version,
            title=f"China national ETS, power generation facilities ({boundary})",
            document=document,
            years=years,
            counted=frozenset(counted),
            inputs=INPUTS,
            parameters=SLOTS,
            regimes=("CN-ETS",),
            rounding=Rounding(Decimal(1), "reported emissions in whole tCO2 [M]"),
            notes=(missing_months.reading,),
        ),
        missing_months,
    )


VERSIONS = (
    _version(
        "2019-2020",
        (2019, 2020),
        "企业温室气体排放核算方法与报告指南 发电设施 (环办气候〔2021〕9号)",
        indirect=True,
    ),
    _version(
        "2021",
        (2021, 2021),
        "环办气候〔2021〕9号 as adjusted by 环办气候函〔2022〕111号 and MEE's notice of 7 June 2022",
        indirect=True,
        missing_months=PANDEMIC_MISSING_MONTH_RULE,
    ),
    _version(
        "2022",
        (2022, 2022),
        "9号 (January-March) and its 2022 revision attached to 环办气候函〔2022〕111号 (from April); "
        "missing months and default carbon of MEE's notice of 7 June 2022; grid factor of "
        "环办气候函〔2023〕43号 [V3]",
        indirect=True,
        missing_months=PANDEMIC_MISSING_MONTH_RULE,
    ),
    _version(
        "2023+",
        (2023, 2099),
        "企业温室气体排放核算与报告指南 发电设施 of 19 Dec 2022 (环办气候函〔2022〕485号), in force "
        "1 Jan 2023; indirect emissions outside the boundary: 国环规气候〔2024〕1号 §二 [V]",
        indirect=False,
    ),
)
