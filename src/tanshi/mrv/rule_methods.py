"""The method a rulebook's ``[[mrv]]`` rule names, resolved for a reporting year.

A rule names either a rulebook methodology of ``METHODOLOGIES`` (``ipcc2006-tier1-co2``) or a
calculation method of ``methods.PLUGINS``: ``regime:methodology`` (the version that governs
each reporting year is picked by ``find_method``) or a pinned ``regime:methodology:version``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tanshi.core.issues import Issue
from tanshi.mrv.ipcc_tier1 import IpccTier1Co2
from tanshi.mrv.methodology import Methodology
from tanshi.mrv.methods import PLUGINS, find_method
from tanshi.mrv.plugins import CalculationMethod
from tanshi.mrv.report_inputs import QUANTITY_INPUT

# The rulebook methodologies (activity records in, one annual figure out); a copy of
# tanshi.mrv.METHODOLOGIES kept here so this module does not import the package root.
RULEBOOK_METHODOLOGIES: dict[str, Methodology] = {IpccTier1Co2.key: IpccTier1Co2()}


def method_names() -> frozenset[str]:
    """Every name a ``[[mrv]]`` rule may give: rulebook methodologies, plugin families and ids."""
    families = {f"{m.spec.regime}:{m.spec.methodology}" for m in PLUGINS.values()}
    return frozenset(RULEBOOK_METHODOLOGIES) | families | frozenset(PLUGINS)


def is_plugin_name(name: str) -> bool:
    """True when ``name`` names a calculation method of ``PLUGINS`` rather than a rulebook one."""
    return name not in RULEBOOK_METHODOLOGIES and ":" in name


@dataclass(frozen=True, slots=True)
class RuleMethod:
    """What a ``[[mrv]]`` rule says about calculation, without the rulebook model."""

    index: int
    methodology: str
    valid_from: int
    valid_to: int
    parameter_regimes: tuple[str, ...]


def method_for_year(name: str, year: int) -> Methodology | CalculationMethod | Issue:
    """The rulebook methodology or the plugin version ``name`` gives for ``year``."""
    if name in RULEBOOK_METHODOLOGIES:
        return RULEBOOK_METHODOLOGIES[name]
    return find_method(name, year)


def check_rule_methods(rules: Sequence[RuleMethod]) -> list[Issue]:
    """Every year of every rule that names a plugin has exactly one version, which monitoring
    plans can feed and whose parameter regimes the rule lists. ``where`` is
    ``mrv[i].methodology`` (or ``.parameter_regimes``)."""
    issues: list[Issue] = []
    known = method_names()
    for rule in rules:
        if not is_plugin_name(rule.methodology) or rule.methodology not in known:
            continue  # a rulebook methodology, or unknown (``unknown_methodology`` says so)
        where = f"mrv[{rule.index}].methodology"
        uncovered: list[int] = []
        regimes_needed: set[str] = set()
        unfed: set[str] = set()
        for year in range(rule.valid_from, rule.valid_to + 1):
            found = find_method(rule.methodology, year)
            if isinstance(found, Issue):
                if found.code == "method_not_found":
                    uncovered.append(year)
                else:
                    issues.append(Issue(found.code, found.message, where))
                    break
            else:
                regimes_needed.update(found.spec.regimes)
                unfed.update(plan_cannot_feed(found))
        if uncovered:
            issues.append(
                Issue(
                    "method_year_not_covered",
                    f"{rule.methodology} governs no reporting year {_years(uncovered)}; narrow "
                    "the rule's years or name another methodology for them "
                    "(`tanshi mrv methods` lists each version's years)",
                    where,
                )
            )
        if unfed:
            issues.append(
                Issue(
                    "method_not_reportable",
                    f"{rule.methodology} needs {sorted(unfed)}, which monitoring plans (fuel "
                    "and electricity streams) cannot report; compute it with `tanshi mrv "
                    "compute` or name a combustion method",
                    where,
                )
            )
        missing = sorted(regimes_needed - set(rule.parameter_regimes))
        if missing:
            issues.append(
                Issue(
                    "method_regime_not_listed",
                    f"{rule.methodology} takes its parameters from {missing}; add them to "
                    "parameter_regimes so the rule says which tables its figures come from",
                    f"mrv[{rule.index}].parameter_regimes",
                )
            )
    return issues


def plan_cannot_feed(method: CalculationMethod) -> set[str]:
    """The inputs a method needs that a monitoring plan's streams cannot give it (empty: a
    rulebook ``[[mrv]]`` rule may name it)."""
    needed = {spec.name for spec in method.spec.inputs if spec.required}
    return needed - set(QUANTITY_INPUT.values())


def _years(years: list[int]) -> str:
    if len(years) == 1:
        return str(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years))
