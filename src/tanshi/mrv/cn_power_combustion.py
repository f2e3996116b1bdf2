"""The power guideline's combustion lines: a unit's carbon burnt, month by month, in tCO2.

Coal takes its measured element carbon, or a month without a measurement is filled by the
version's ``MissingMonthRule`` (the mean of the measured months, or NCV × the default carbon
per unit heat); gas and oil take measured NCV and carbon content, else the defaults.
``mrv.cn_power`` is the method that adds them up (docs/mrv.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from tanshi.core.issues import Issue
from tanshi.mrv.inputs import InputValue
from tanshi.mrv.methodology import SourceLine
from tanshi.mrv.plugins import Boundary, Resolver

COAL = "coal"


@dataclass(frozen=True, slots=True)
class MissingMonthRule:
    """What a coal month without a valid element-carbon measurement takes. With at least
    ``mean_from_months`` measured months of the unit's coal in the year, the arithmetic mean
    of their C_ar (tC/t); otherwise C_ar = that month's NCV_ar × the parameter
    ``default_parameter`` of the year. Versioned with the method, so a later text that
    changes the rule is a new record, not an ``if``."""

    default_parameter: str
    reading: str
    mean_from_months: int | None = None  # None: months are never filled from other months


MISSING_MONTH_RULE = MissingMonthRule(
    "cc_default",
    "a month without a valid element-carbon measurement takes C_ar = NCV_ar × the year's "
    "default carbon per unit heat (the month's own NCV); months are never filled from "
    "other months (ChemLinked's reading of 111号 [V3]; the clause text is unconfirmed [M])",
)
# MEE's notice of 7 June 2022 adjusting 111号, §二 (docs/research/cn-national-power.md §4):
# "(I) … three or more measured months … the arithmetic mean of the measured months data for
# that year may be used to replace the missing months data. (II) … less than 3 months, the
# default value … 0.03085 tC/GJ" — for 2021 and 2022 data [V3].
PANDEMIC_MISSING_MONTH_RULE = MissingMonthRule(
    "cc_default",
    "for 2021 and 2022 data, a unit's coal month without a valid element-carbon measurement "
    "takes the arithmetic mean of the C_ar of its measured months of the year when there are "
    "three or more, else C_ar = NCV_ar × the default carbon per unit heat (MEE notice of 7 "
    "June 2022 adjusting 111号, §二 [V3]; the notice says the mean 'may' be used: tanshi "
    "always uses it when it can)",
    mean_from_months=3,
)


def co2_per_carbon(resolver: Resolver) -> Decimal:
    """The CO2 to carbon molar mass ratio, from the parameter table."""
    co2 = resolver.get("molar_mass_rounded", "CO2", "mol", ("STOICHIOMETRY",))
    carbon = resolver.get("molar_mass_rounded", "C", "mol", ("STOICHIOMETRY",))
    if co2 is None or carbon is None:
        return Decimal(0)
    return co2.value / carbon.value


def check_annual_and_monthly(
    months: dict[tuple[str, str, int | None], dict[str, InputValue]], issues: list[Issue]
) -> None:
    """An issue for each source given both for the year and by month; its annual rows go."""
    monthly = {(source, subject) for source, subject, month in months if month is not None}
    for source, subject, month in list(months):
        if month is None and (source, subject) in monthly:
            first = next(iter(months[source, subject, month].values()))
            issues.append(
                Issue.of(
                    "annual_and_monthly",
                    "{subject} of unit {source} is given both for the "
                    "year and by month; give monthly rows only (the annual value is their "
                    "sum)",
                    first.place,
                    subject=subject,
                    source=source,
                )
            )
            del months[source, subject, month]


def _measured_c_ar(given: dict[str, InputValue]) -> Decimal | None:
    """A coal month's measured element carbon, tC/t: given, or carbon per GJ × NCV."""
    if "carbon_content_ar" in given:
        return given["carbon_content_ar"].amount
    if "carbon_per_heat" in given and "ncv_ar" in given:
        return given["carbon_per_heat"].amount * given["ncv_ar"].amount
    return None


def measured_means(
    months: dict[tuple[str, str, int | None], dict[str, InputValue]], rule: MissingMonthRule
) -> dict[tuple[str, str], Decimal]:
    """Per unit's coal, the mean C_ar of its measured months in which coal was burnt, where
    the rule lets it fill missing months (enough measured months)."""
    if rule.mean_from_months is None:
        return {}
    measured: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for (source, subject, month), given in months.items():
        burnt = "fuel_consumed" in given and given["fuel_consumed"].amount > 0
        c_ar = _measured_c_ar(given) if subject == COAL and month is not None else None
        if c_ar is not None and burnt:  # an idle month's sample measures no coal burnt
            measured[source, subject].append(c_ar)
    return {
        key: sum(values, Decimal(0)) / len(values)
        for key, values in measured.items()
        if len(values) >= rule.mean_from_months
    }


def combustion_line(
    source: str,
    subject: str,
    month: int | None,
    given: dict[str, InputValue],
    resolver: Resolver,
    co2_per_c: Decimal,
    issues: list[Issue],
    missing_months: MissingMonthRule,
    measured_mean: Decimal | None = None,
) -> SourceLine | None:
    """One source's combustion line for a month (or the year); None, with issues, if it
    lacks what the formula needs."""
    fuel = given.get("fuel_consumed")
    anywhere = next(iter(given.values())).place
    if fuel is None:
        issues.append(
            Issue.of(
                "fuel_missing",
                "measurements of {subject} for unit {source} month {month} "
                "have no fuel_consumed row; add the amount burnt",
                anywhere,
                subject=subject,
                source=source,
                month=month,
            )
        )
        return None
    keys: list[str] = []
    ncv = given.get("ncv_ar")
    if subject == COAL:
        measured = given.get("carbon_content_ar")
        per_heat = given.get("carbon_per_heat")
        if measured is not None:
            carbon, basis = fuel.amount * measured.amount, "measured"
        elif per_heat is not None and ncv is not None:
            carbon, basis = fuel.amount * ncv.amount * per_heat.amount, "measured"
        elif measured_mean is not None:
            carbon, basis = fuel.amount * measured_mean, "measured_mean"
        elif ncv is not None:
            default = resolver.get(missing_months.default_parameter, COAL, "GJ")
            if default is None:
                return None
            keys.append(default.key)
            carbon, basis = fuel.amount * ncv.amount * default.value, "default"
        else:
            issues.append(
                Issue.of(
                    "ncv_missing",
                    "coal of unit {source} month {month} has neither element "
                    "carbon nor NCV; give ncv_ar (the default carbon content is per GJ)",
                    fuel.place,
                    source=source,
                    month=month,
                )
            )
            return None
    else:
        heat = ncv.amount if ncv is not None else None
        if heat is None:
            found = resolver.get("ncv", subject, fuel.unit)
            if found is None:
                return None
            heat = found.value
            keys.append(found.key)
        per_heat = given.get("carbon_per_heat")
        cc = per_heat.amount if per_heat is not None else None
        if cc is None:
            found = resolver.get("cc", subject, "GJ")
            if found is None:
                return None
            cc = found.value
            keys.append(found.key)
        basis = "measured" if ncv is not None and per_heat is not None else "default"
        carbon = fuel.amount * heat * cc
    oxidation = resolver.get("of", subject)
    if oxidation is None:
        return None
    keys.append(oxidation.key)
    return SourceLine(
        kind="fuel",
        subject=subject,
        quantity=fuel.amount,
        unit=fuel.unit,
        emissions_tco2=carbon * oxidation.value * co2_per_c,
        parameter_keys=tuple(keys),
        source=source,
        month=month,
        boundary=Boundary.DIRECT.value,
        basis=basis,
    )
