"""Checks across rules that a schema cannot express: overlaps, gaps and dangling references."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from tanshi.core.issues import Issue
from tanshi.rulebook.model import (
    CAPPED_METHODS,
    BenchmarkOutputRule,
    EuBenchmarkRule,
    GrandfatheringRule,
    PenaltyRule,
    Rulebook,
    Ruled,
    UnitKind,
)
from tanshi.rulebook.sector_checks import check_sectors
from tanshi.rulebook.supply_checks import check_overlaps, check_reversed, check_supply

# Tables of which at most one rule may be in force in a year.
ONE_A_YEAR = (
    "compliance", "phase", "allocation", "auction", "offsets", "banking", "borrowing",
    "obligation_limits", "penalty", "mrv", "registry", "publication",
)  # fmt: skip


def check_rulebook(
    rulebook: Rulebook,
    *,
    methodologies: Collection[str] | None = None,
    parameter_regimes: Collection[str] | None = None,
) -> list[Issue]:
    """Every cross-rule problem of a schema-valid rulebook; ``where`` is a rule path.

    ``methodologies`` and ``parameter_regimes``, when given, are what the installation
    knows; rules naming anything else are reported.
    """
    issues: list[Issue] = []
    for name in ONE_A_YEAR:
        rules: Sequence[Ruled] = getattr(rulebook, name)
        issues.extend(_check_validity(name, rules))
    issues.extend(_check_units(rulebook))
    issues.extend(_check_caps(rulebook))
    issues.extend(check_supply(rulebook))
    issues.extend(_check_allocation(rulebook))
    issues.extend(_check_penalty(rulebook))
    issues.extend(_check_coverage(rulebook))
    issues.extend(check_sectors(rulebook))
    issues.extend(_check_registry(rulebook))
    issues.extend(_check_known(rulebook, methodologies, parameter_regimes))
    return issues


def _check_validity(name: str, rules: Sequence[Ruled]) -> Iterator[Issue]:
    yield from check_reversed(name, rules)
    yield from check_overlaps(name, list(enumerate(rules)))


def _check_coverage(rulebook: Rulebook) -> Iterator[Issue]:
    """Every allocation year needs compliance, penalty and MRV rules; base years need MRV."""
    for index, rule in enumerate(rulebook.allocation):
        for year in range(rule.valid_from, rule.valid_to + 1):
            for name in ("compliance", "penalty", "mrv"):
                if not any(other.in_force(year) for other in getattr(rulebook, name)):
                    yield Issue(
                        f"missing_{name}_rule",
                        f"allocation is in force in {year} but no [[{name}]] rule is",
                        f"allocation[{index}].valid_from",
                    )
        for year in _history_years(rule):
            if not any(mrv.in_force(year) for mrv in rulebook.mrv):
                yield Issue(
                    "base_year_without_mrv_rule",
                    f"base year {year} has no [[mrv]] rule to calculate its emissions",
                    f"allocation[{index}].base_years",
                )


def _history_years(rule: object) -> tuple[int, ...]:
    """The historical years whose verified data an allocation rule needs."""
    if isinstance(rule, GrandfatheringRule):
        return rule.base_years
    if isinstance(rule, EuBenchmarkRule):
        return rule.historical_activity_years
    return ()


def _check_registry(rulebook: Rulebook) -> Iterator[Issue]:
    for index, rule in enumerate(rulebook.registry):
        try:
            hours = (rule.opening(), rule.closing())
        except ValueError:
            yield Issue(
                "bad_business_hours",
                "write business hours as HH:MM, e.g. 10:00",
                f"registry[{index}].business_hours_start",
            )
            continue
        if hours[0] >= hours[1]:
            yield Issue(
                "business_hours_reversed",
                "business hours must open before they close",
                f"registry[{index}].business_hours_end",
            )
        delays = (rule.untrusted_transfer_delay_hours, rule.untrusted_transfer_release_time)
        if sum(value is not None for value in delays) != 1:
            yield Issue(
                "untrusted_delay_unclear",
                "give exactly one of untrusted_transfer_delay_hours (a delay in hours, e.g. 26) "
                'and untrusted_transfer_release_time (a time of day on a later working day, e.g. "12:00")',
                f"registry[{index}]",
            )
        if rule.account_limit_at_most_threshold and (
            rule.untrusted_transfer_max_units is None
            or rule.account_transaction_limits == "not_offered"
        ):
            yield Issue(
                "account_limit_cap_without_limits",
                "account_limit_at_most_threshold needs untrusted_transfer_max_units and "
                "account limits offered (account_transaction_limits)",
                f"registry[{index}].account_limit_at_most_threshold",
            )


def _check_known(
    rulebook: Rulebook,
    methodologies: Collection[str] | None,
    parameter_regimes: Collection[str] | None,
) -> Iterator[Issue]:
    for index, rule in enumerate(rulebook.mrv):
        if methodologies is not None and rule.methodology not in methodologies:
            yield Issue(
                "unknown_methodology",
                f"methodology {rule.methodology} is not installed; use one of {sorted(methodologies)}",
                f"mrv[{index}].methodology",
            )
        for position, regime in enumerate(rule.parameter_regimes):
            if parameter_regimes is not None and regime not in parameter_regimes:
                yield Issue(
                    "unknown_parameter_regime",
                    f"no parameter table has regime {regime}; known: {sorted(parameter_regimes)}",
                    f"mrv[{index}].parameter_regimes[{position}]",
                )


def _check_units(rulebook: Rulebook) -> Iterator[Issue]:
    kinds = {unit.code: unit.kind for unit in rulebook.unit_types}
    seen: set[str] = set()
    for index, unit in enumerate(rulebook.unit_types):
        if unit.code in seen:
            yield Issue(
                "duplicate_unit_type",
                f"unit type {unit.code} is declared twice",
                f"unit_types[{index}].code",
            )
        seen.add(unit.code)
    for index, rule in enumerate(rulebook.compliance):
        if kinds.get(rule.allowance_unit_type) is not UnitKind.ALLOWANCE:
            yield Issue(
                "unknown_allowance_unit_type",
                f"{rule.allowance_unit_type} is not declared in [[unit_types]] with "
                'kind = "allowance"',
                f"compliance[{index}].allowance_unit_type",
            )
    for index, offset in enumerate(rulebook.offsets):
        for position, code in enumerate(offset.eligible_unit_types):
            kind = kinds.get(code)
            if kind is None or not kind.is_credit:
                yield Issue(
                    "unknown_offset_unit_type",
                    f'{code} is not declared in [[unit_types]] with kind = "offset"',
                    f"offsets[{index}].eligible_unit_types[{position}]",
                )


def _check_caps(rulebook: Rulebook) -> Iterator[Issue]:
    years: set[int] = set()
    for index, cap in enumerate(rulebook.cap):
        if cap.year in years:
            yield Issue(
                "duplicate_cap", f"the cap for {cap.year} is given twice", f"cap[{index}].year"
            )
        years.add(cap.year)
        if cap.reserve_t + cap.auction_t > cap.cap_t:
            yield Issue(
                "reserve_exceeds_cap",
                f"reserve_t {cap.reserve_t} + auction_t {cap.auction_t} is larger than cap_t "
                f"{cap.cap_t}",
                f"cap[{index}].reserve_t",
            )
        if cap.pre_allocated_t is not None:
            parts = cap.pre_allocated_t + cap.reserve_t + cap.auction_t
            if parts != cap.cap_t:
                yield Issue(
                    "cap_parts_disagree",
                    f"pre_allocated_t {cap.pre_allocated_t:,} + reserve_t {cap.reserve_t:,} + "
                    f"auction_t {cap.auction_t:,} = {parts:,}, but cap_t is {cap.cap_t:,} "
                    f"(off by {parts - cap.cap_t:+,}); check the figures against the source",
                    f"cap[{index}].cap_t",
                )
    for index, rule in enumerate(rulebook.allocation):
        if rule.method not in CAPPED_METHODS:
            continue
        for year in range(rule.valid_from, rule.valid_to + 1):
            if year not in years:
                yield Issue(
                    "missing_cap",
                    f"allocation is in force in {year} but no [[cap]] has year = {year}",
                    f"allocation[{index}].valid_from",
                )


def _check_allocation(rulebook: Rulebook) -> Iterator[Issue]:
    for index, rule in enumerate(rulebook.allocation):
        history = _history_years(rule)
        late = [year for year in history if year >= rule.valid_from]
        if late:
            yield Issue(
                "base_year_not_in_past",
                f"base years {late} are not before the first allocation year "
                f"{rule.valid_from}; base years must be historical",
                f"allocation[{index}].{_history_field(rule)}",
            )
        if len(set(history)) != len(history):
            yield Issue(
                "duplicate_base_year",
                "a base year is listed twice",
                f"allocation[{index}].{_history_field(rule)}",
            )
        if isinstance(rule, BenchmarkOutputRule):
            yield from _check_output_rule(rulebook, index, rule)


def _history_field(rule: object) -> str:
    return "historical_activity_years" if isinstance(rule, EuBenchmarkRule) else "base_years"


def _check_output_rule(
    rulebook: Rulebook, index: int, rule: BenchmarkOutputRule
) -> Iterator[Issue]:
    for year in range(rule.valid_from, rule.valid_to + 1):
        if not any(
            bench.product == "electricity" and bench.in_force(year) for bench in rulebook.benchmark
        ):
            yield Issue(
                "missing_benchmark",
                f"benchmark_output allocation is in force in {year} but no electricity "
                "[[benchmark]] is",
                f"allocation[{index}].valid_from",
            )
    minimums = [band.min_load for band in rule.load_bands]
    if minimums != sorted(minimums, reverse=True):
        yield Issue(
            "load_bands_unordered",
            "list load_bands from the highest min_load to the lowest",
            f"allocation[{index}].load_bands",
        )
    elif minimums and minimums[-1] != 0:
        yield Issue(
            "load_bands_incomplete",
            "the last load band must have min_load = 0 so that every load factor has a band",
            f"allocation[{index}].load_bands",
        )


def _check_penalty(rulebook: Rulebook) -> Iterator[Issue]:
    for index, rule in enumerate(rulebook.penalty):
        if not isinstance(rule, PenaltyRule):
            if rule.kind == "lump_sum_fine" and rule.fine_min > rule.fine_max:
                yield Issue(
                    "penalty_range_reversed",
                    "fine_min is larger than fine_max; swap them",
                    f"penalty[{index}].fine_max",
                )
            continue
        if rule.multiple_max is not None and rule.multiple_max < rule.multiple:
            yield Issue(
                "penalty_range_reversed",
                "multiple_max is smaller than multiple (the range's lower end); swap them",
                f"penalty[{index}].multiple_max",
            )
        needs_months = rule.price_window.value == "months_before_deadline"
        if needs_months and rule.window_months is None:
            yield Issue(
                "missing_window_months",
                'price_window = "months_before_deadline" needs window_months',
                f"penalty[{index}].window_months",
            )
        if not needs_months and rule.window_months is not None:
            yield Issue(
                "unused_window_months",
                "window_months is only used with price_window = "
                '"months_before_deadline"; remove it',
                f"penalty[{index}].window_months",
            )
