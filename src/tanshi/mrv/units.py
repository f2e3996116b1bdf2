"""The project unit registry: pint with Decimal magnitudes, and refusal of ambiguous units.

Public tools have read ``mt`` as tonne, megatonne and (pint's own reading) millitonne,
``ton`` as a short ton or a tonne, and ``kt`` as a knot. tanshi refuses those spellings
with a specific error rather than guess. Conversion factors are cached per unit pair, so
bulk conversion is one Decimal multiplication per value.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

import pint

from tanshi.core.issues import Issue

# Spellings refused outright, and what to write instead.
AMBIGUOUS_UNITS: dict[str, str] = {
    "mt": "'mt' is read as tonne, megatonne or millitonne by different tools",
    "MT": "'MT' is read as metric ton or megatonne by different tools",
    "ton": "'ton' is a short ton (907.18 kg) in pint and a tonne elsewhere",
    "tons": "'tons' is a short ton (907.18 kg) in pint and a tonne elsewhere",
    "Ton": "'Ton' is a short ton (907.18 kg) in pint and a tonne elsewhere",
    "kt": "'kt' is a knot in pint and a kilotonne elsewhere",
    "tonne": "'tonne' is spelled differently across tools; tanshi's spelling is 't'",
    "tonnes": "'tonnes' is spelled differently across tools; tanshi's spelling is 't'",
}
_FIX = "write 't' (1000 kg), 'kilotonne', 'Mt' (10^9 kg) or 'short_ton' explicitly"
_MALFORMED = "write a unit expression such as 't', 'GJ/t', 'tC/t' or '10^4Nm3'"

# Project spellings that pint's parser cannot read as written.
ALIASES: dict[str, str] = {
    "10^4Nm3": "wan_Nm3",
    "10^4 Nm3": "wan_Nm3",
    "million tonnes": "megatonne",
    "million t": "megatonne",
    "%": "percent",
    "tCO2": "tCO2",
}

_DEFINITIONS = (
    # Normal cubic metres measure an amount of gas (0 °C, 101.325 kPa), not a volume.
    "normal_cubic_meter = [normal_gas_volume] = Nm3",
    "wan_Nm3 = 10000 * Nm3",
    "megatonne = 1000000 * t",
    "kilotonne = 1000 * t",
    # Masses of carbon, CO2 and CO2-equivalent are kept apart from plain mass so that a
    # factor in tC cannot silently be used as tCO2.
    "tonne_carbon = [carbon_mass] = tC",
    "tonne_co2 = [co2_mass] = tCO2",
    "kilogram_co2 = tCO2 / 1000 = kgCO2",
    "tonne_co2e = [co2e_mass] = tCO2e",
    "kilogram_co2e = tCO2e / 1000 = kgCO2e",
)


@functools.cache
def registry() -> pint.UnitRegistry:
    """The project registry: Decimal magnitudes, tanshi's gas and carbon units."""
    units: pint.UnitRegistry = pint.UnitRegistry(
        non_int_type=Decimal, autoconvert_offset_to_baseunit=False
    )
    for definition in _DEFINITIONS:
        units.define(definition)
    return units


def canonical_spelling(unit: str) -> str:
    """The spelling pint reads for a project unit (``10^4Nm3`` → ``wan_Nm3``)."""
    text = unit.strip()
    if text in ALIASES:
        return ALIASES[text]
    return text.replace("10^4Nm3", "wan_Nm3")


def check_unit(unit: str, where: str) -> Issue | None:
    """None when pint reads ``unit``; else an ``ambiguous_unit`` or ``unknown_unit`` Issue."""
    problem = _unit_problem(unit.strip())
    return None if problem is None else Issue(problem.code, problem.message, where)


@functools.cache
def _unit_problem(text: str) -> Issue | None:
    """What is wrong with a unit spelling (``where`` left empty), cached per spelling."""
    where = ""
    tokens = [] if text in ALIASES else [text, *re.split(r"[\s/*()^·]+", text)]
    for token in tokens:
        if token in AMBIGUOUS_UNITS:
            return Issue("ambiguous_unit", f"{AMBIGUOUS_UNITS[token]}; {_FIX}", where)
    if not text:
        return Issue("unit_missing", "give the unit of the amount, e.g. 't' or 'MWh'", where)
    try:
        registry().parse_units(canonical_spelling(text))
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError):
        return Issue("unknown_unit", f"unit '{text}' is not known; {_FIX}", where)
    except Exception:
        # User text: pint's parser raises AssertionError, tokenize.TokenError,
        # decimal.DivisionByZero … on malformed expressions ('t/', '(t', '1/0').
        return Issue("unknown_unit", f"unit '{text}' cannot be read as a unit; {_MALFORMED}", where)
    return None


@functools.cache
def _factor(source: str, target: str) -> Decimal | None:
    units = registry()
    try:
        quantity = units.Quantity(Decimal(1), canonical_spelling(source))
        converted = quantity.to(canonical_spelling(target)).magnitude
    except pint.errors.DimensionalityError:
        return None
    return Decimal(converted)


def conversion_factor(source: str, target: str, where: str) -> Decimal | Issue:
    """The exact Decimal that turns an amount in ``source`` into ``target``, or an Issue."""
    found = _conversion(source.strip(), target.strip())
    return found if isinstance(found, Decimal) else Issue(found.code, found.message, where)


@functools.cache
def _conversion(source: str, target: str) -> Decimal | Issue:
    """``conversion_factor`` without a location, cached per unit pair (bulk files repeat them)."""
    where = ""
    problem = check_unit(source, where) or check_unit(target, where)
    if problem is not None:
        return problem
    try:
        factor = _factor(source.strip(), target.strip())
    except Exception:  # a unit pint parses but cannot convert
        return Issue(
            "unknown_unit", f"'{source}' cannot be converted to '{target}'; {_MALFORMED}", where
        )
    if factor is None:
        return Issue(
            "unit_dimension",
            f"'{source}' cannot be converted to '{target}' (a different kind of quantity)",
            where,
        )
    return factor


def convert(amount: Decimal, source: str, target: str, where: str) -> Decimal | Issue:
    """``amount`` in ``source`` expressed in ``target``, exactly; an Issue when it cannot be."""
    factor = conversion_factor(source, target, where)
    if isinstance(factor, Issue):
        return factor
    return amount if factor == 1 else amount * factor
