"""The one rule of each kind that is in force in a given year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from tanshi.core.errors import TanshiError
from tanshi.rulebook.model import (
    AllocationRule,
    CapRule,
    CompliancePeriodRule,
    MrvRule,
    OffsetRule,
    PenaltyRule,
    Rulebook,
    Ruled,
    UnitType,
)

R = TypeVar("R", bound=Ruled)


class NoRuleInForce(TanshiError):
    """The rulebook has no rule of a kind for a year the caller asked about."""


def rule_for(rules: Sequence[R], year: int, kind: str) -> R:
    """The single rule of ``rules`` in force in ``year``; checks guarantee at most one."""
    matching = [rule for rule in rules if rule.in_force(year)]
    if not matching:
        raise NoRuleInForce(f"the rulebook has no {kind} rule in force in {year}")
    assert len(matching) == 1, "check_rulebook rejects overlapping rules"
    return matching[0]


@dataclass(frozen=True, slots=True)
class RulesInForce:
    """Every rule that applies to one compliance year."""

    year: int
    compliance: CompliancePeriodRule
    cap: CapRule
    allocation: AllocationRule
    offsets: OffsetRule | None
    penalty: PenaltyRule
    mrv: MrvRule
    allowance_unit_type: UnitType


def rules_in_force(rulebook: Rulebook, year: int) -> RulesInForce:
    """The rules for ``year``; raises NoRuleInForce when a required kind is missing."""
    cap = cap_rule(rulebook, year)
    if cap is None:
        raise NoRuleInForce(f"the rulebook has no cap for {year}")
    compliance = rule_for(rulebook.compliance, year, "compliance")
    offsets = [rule for rule in rulebook.offsets if rule.in_force(year)]
    units = {unit.code: unit for unit in rulebook.unit_types}
    return RulesInForce(
        year=year,
        compliance=compliance,
        cap=cap,
        allocation=rule_for(rulebook.allocation, year, "allocation"),
        offsets=offsets[0] if offsets else None,
        penalty=rule_for(rulebook.penalty, year, "penalty"),
        mrv=rule_for(rulebook.mrv, year, "mrv"),
        allowance_unit_type=units[compliance.allowance_unit_type],
    )


def cap_rule(rulebook: Rulebook, year: int) -> CapRule | None:
    """The cap of ``year``, if the rulebook has one."""
    return next((cap for cap in rulebook.cap if cap.year == year), None)
