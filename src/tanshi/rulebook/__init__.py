"""Jurisdiction rulebooks: versioned, sourced rules loaded from TOML text and checked."""

from tanshi.rulebook.in_force import NoRuleInForce, RulesInForce, rules_in_force
from tanshi.rulebook.model import Confidence, Rulebook, UnitKind
from tanshi.rulebook.parse import parse_rulebook

__all__ = [
    "Confidence",
    "NoRuleInForce",
    "Rulebook",
    "RulesInForce",
    "UnitKind",
    "parse_rulebook",
    "rules_in_force",
]
